"""What the top bar's search (crm.search) finds among deals, contact persons and clients:
only what the user may open, by the rules of deals (Deal.objects.visible_to,
contacts_visible_to, clients_visible_to)."""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse

from contacts.models import Contact, ContactEmail, ContactPhone
from crm.search import Hit, Kind, Query, contains, register

from .clients.access import clients_visible_to
from .contacts import contacts_visible_to
from .models import Deal


def find_deals(user, query: Query, limit: int) -> list[Hit]:
    match = contains("title", query.text)
    if query.number is not None:
        match |= Q(pk=query.number)
    deals = (
        Deal.objects.visible_to(user)
        .filter(match)
        .select_related("stage", "client")
        .order_by("-created_at", "-pk")[: limit + 1]
    )
    return [
        Hit(
            title=f"№{deal.pk} {deal.title}",
            url=deal.get_absolute_url(),
            note=" · ".join(filter(None, [deal.stage.name, deal.client and deal.client.name])),
        )
        for deal in deals
    ]


def find_contacts(user, query: Query, limit: int) -> list[Hit]:
    """Contact persons by name, e-mail or any part of a phone typed in any format; each
    opens the newest deal of theirs the user sees (a contact without one is not offered)."""
    # Each condition finds its ids from its own trigram index (OR-ing them in one WHERE
    # would read every contact), and only where it can match: names and e-mails have letters
    # or «@», phones none.
    parts = []
    if query.has_letters:
        parts.append(Contact.objects.filter(contains("name", query.text)).values("pk"))
    if query.has_letters or "@" in query.text:
        parts.append(ContactEmail.objects.filter(email__icontains=query.text).values("contact_id"))
    if query.phone:
        parts.append(ContactPhone.objects.filter(number=query.phone).values("contact_id"))
    elif query.phone_digits:
        parts.append(
            ContactPhone.objects.filter(number__contains=query.phone_digits).values("contact_id")
        )
    if not parts:
        return []
    ids = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    deals = Deal.objects.visible_to(user)
    contacts = (
        contacts_visible_to(user)
        .filter(Exists(deals.filter(contacts=OuterRef("pk"))), pk__in=ids)
        .prefetch_related(
            "phones",
            "emails",
            Prefetch("deals", queryset=deals.order_by("-created_at", "-pk"), to_attr="open_deals"),
        )
        .order_by("name", "pk")[: limit + 1]
    )
    hits = []
    for contact in contacts:
        deal = contact.open_deals[0]
        reach = [phone.display for phone in contact.phones.all()]
        reach += [email.email for email in contact.emails.all()]
        hits.append(
            Hit(
                title=contact.name,
                url=deal.get_absolute_url() + "#contacts",
                note=" · ".join([*reach[:2], f"сделка №{deal.pk}"]),
            )
        )
    return hits


def find_clients(user, query: Query, limit: int) -> list[Hit]:
    clients = clients_visible_to(user).search(query.text).order_by("name", "pk")[: limit + 1]
    return [
        Hit(
            title=client.name,
            url=reverse("clients:detail", args=[client.pk]),
            note=f"ИНН {client.inn}" if client.inn else client.get_kind_display(),
        )
        for client in clients
    ]


def register_kinds() -> None:
    register(Kind("deals", "Сделки", find_deals, order=10))
    register(Kind("contacts", "Контакты", find_contacts, order=20))
    register(Kind("clients", "Клиенты", find_clients, order=30))
