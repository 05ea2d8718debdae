"""What the deals board shows of a deal's invoices: a badge for an issued or paid invoice,
and the warning the board asks to confirm before such a deal is lost or sent back."""

from crm.formats import money
from deals.board import Mark

from .models import Invoice

SHOWN = (Invoice.Status.SENT, Invoice.Status.PARTLY_PAID, Invoice.Status.PAID)


def deal_board_marks(deal_ids: list[int]) -> dict[int, list[Mark]]:
    """One query whatever the number of deals: the most telling invoice of each deal (paid
    before partly paid before issued)."""
    rank = {Invoice.Status.PAID: 0, Invoice.Status.PARTLY_PAID: 1, Invoice.Status.SENT: 2}
    best: dict[int, Invoice] = {}
    rows = Invoice.objects.filter(deal_id__in=deal_ids, status__in=SHOWN).only(
        "id", "deal_id", "status", "number", "date", "total", "paid_amount"
    )
    for invoice in rows:
        had = best.get(invoice.deal_id)
        if had is None or rank[invoice.status] < rank[had.status]:
            best[invoice.deal_id] = invoice
    return {deal_id: [_mark(invoice)] for deal_id, invoice in best.items()}


def _mark(invoice: Invoice) -> Mark:
    label = f"счёт {invoice.short_label} на {money(invoice.total)} ₽"
    if invoice.status == Invoice.Status.PAID:
        return Mark(
            "оплачен",
            "success",
            f"По сделке оплачен {label}: деньги клиента уже получены. Если сделки не будет, "
            "верните оплату и аннулируйте счёт.",
        )
    if invoice.status == Invoice.Status.PARTLY_PAID:
        return Mark(
            "оплачен частично",
            "warning",
            f"По сделке частично оплачен {label} (получено {money(invoice.paid_amount)} ₽). "
            "Если сделки не будет, верните оплату и аннулируйте счёт.",
        )
    return Mark(
        "счёт выставлен",
        "info",
        f"По сделке выставлен {label}: клиент может его оплатить. Если сделки не будет, "
        "аннулируйте счёт.",
    )
