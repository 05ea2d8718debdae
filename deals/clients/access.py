"""Who sees which client. Lives in deals because the rule rests on Deal.objects.visible_to:
a manager sees a client they created or one of whose deals they can see; the head of sales
sees every client."""

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


def personal_data_visible(user, client: Client) -> bool:
    """Passport data is for the head, the client's creator and the managers responsible
    for its deals (a manager who only holds a task on a deal does not see it)."""
    if not user.is_authenticated:
        return False
    if user.is_head or (client.created_by_id and client.created_by_id == user.pk):
        return True
    return Deal.objects.filter(client=client, manager=user).exists()


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
