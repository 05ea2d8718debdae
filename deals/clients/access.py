"""Who sees which client, who sees its personal data and who changes it. Lives in deals
because the rules rest on deals: a manager sees a client they created or one of whose deals
they can see; the head of sales sees every client."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from contacts import requisites
from contacts.models import Client

from ..models import Deal

SEARCH_LIMIT = 10


def clients_visible_to(user) -> QuerySet[Client]:
    """THE access rule for clients: every client page, search and export goes through it."""
    if not user.is_authenticated:
        return Client.objects.none()
    if user.is_head:
        return Client.objects.all()
    sees_a_deal = Exists(Deal.objects.visible_to(user).filter(client=OuterRef("pk")))
    return Client.objects.filter(Q(created_by=user) | sees_a_deal)


def may_see_personal_data(user, client: Client | None) -> bool:
    """THE rule of personal data (152-ФЗ): an individual's passport, birth date and bank
    account, on the client's card, in the requisites form, in the change log and in every
    document a staff member previews or downloads. They are for the head of sales, the
    client's creator and the manager responsible for a deal the client was entrusted to (a
    deal it came with: attached by its creator or the head, or created in the deal's card),
    also after the deal is handed over. Attaching someone else's client by its ИНН, which
    every invoice prints, and holding a task on a deal give neither this nor the right to
    change the client. The client's own copy by link is complete whoever sent it."""
    if not user.is_authenticated:
        return False
    if user.is_head:
        return True
    if client is None:
        return False
    if client.created_by_id and client.created_by_id == user.pk:
        return True
    return Deal.objects.filter(client=client, manager=user, client_entrusted=True).exists()


def may_edit_client(user, client: Client) -> bool:
    """Change a client's requisites: whoever may see its personal data (the form holds
    them), and no one else, for every kind of client."""
    return may_see_personal_data(user, client)


def exact_inn(text: str) -> str:
    """The ИНН when the text is a complete, valid one; "" otherwise."""
    try:
        return requisites.check_inn(text)
    except requisites.InvalidRequisite:
        return ""


def clients_for_picker(user, q: str) -> list[Client]:
    """Clients to offer on a deal card: visible ones matching the name or ИНН, and the one
    client whose complete ИНН was typed, whoever created it (a manager who knows the ИНН
    of a company may attach it to their deal instead of creating a duplicate)."""
    q = (q or "").strip()
    if len(q) < 2:
        return []
    found = list(clients_visible_to(user).search(q).order_by("name", "pk")[:SEARCH_LIMIT])
    inn = exact_inn(q)
    if inn and not any(c.inn == inn for c in found):
        found += list(Client.objects.filter(inn=inn).order_by("pk")[:SEARCH_LIMIT])
    return found[:SEARCH_LIMIT]
