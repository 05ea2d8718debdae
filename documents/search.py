"""What the top bar's search (crm.search) finds among proposals and contracts: by number,
on deals the user sees (their own visible_to)."""

from crm.search import Hit, Kind, Query, register

from .models import Contract, Proposal


def _numbered(model, user, query: Query, limit: int) -> list[Hit]:
    if query.number is None:
        return []
    rows = (
        model.objects.visible_to(user)
        .filter(sequence=query.number)
        .select_related("deal")
        .order_by("-year", "-version", "-pk")[: limit + 1]
    )
    return [
        Hit(
            title=row.title,
            url=row.get_absolute_url(),
            note=f"Сделка №{row.deal_id} {row.deal.title}",
        )
        for row in rows
    ]


def find_documents(user, query: Query, limit: int) -> list[Hit]:
    """Proposals, then contracts, with that number: one group «Документы»."""
    return _numbered(Proposal, user, query, limit) + _numbered(Contract, user, query, limit)


def register_kinds() -> None:
    register(Kind("documents", "КП и договоры", find_documents, order=50))
