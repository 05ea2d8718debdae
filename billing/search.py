"""What the top bar's search (crm.search) finds among invoices and acts: by number, on deals
the user sees (Deal.objects.visible_to)."""

from crm.search import Hit, Kind, Query, register

from .models import Act, Invoice


def _numbered(model, user, query: Query, limit: int) -> list[Hit]:
    if query.number is None:
        return []
    rows = (
        model.objects.visible_to(user)
        .filter(number=query.number)
        .select_related("deal")
        .order_by("-year", "-pk")[: limit + 1]
    )
    return [
        Hit(
            title=row.title,
            url=row.get_absolute_url(),
            note=f"Сделка №{row.deal_id} {row.deal.title}",
        )
        for row in rows
    ]


def find_invoices(user, query: Query, limit: int) -> list[Hit]:
    return _numbered(Invoice, user, query, limit)


def find_acts(user, query: Query, limit: int) -> list[Hit]:
    return _numbered(Act, user, query, limit)


def register_kinds() -> None:
    register(Kind("invoices", "Счета", find_invoices, order=40))
    register(Kind("acts", "Акты", find_acts, order=60))
