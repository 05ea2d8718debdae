"""Invoices: created from a calculation or lines typed by hand, issued and cancelled; the
requisites of both parties are copied into the invoice."""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts import parties
from contacts.models import Client, Seller
from crm.formats import date_long
from crm.formats import money as format_money
from crm.numbering import next_number
from crm.pdf import pdf_enqueue
from deals.models import Deal
from deals.services import timeline_add

from .. import money, tax
from ..models import Calculation, CatalogItem, Invoice, InvoiceLine, Unit
from .calculations import MAX_AMOUNT, LineData, calculation_compute, calculation_freeze


def invoice_due_date(date: datetime.date) -> datetime.date:
    """The default «оплатить до»: INVOICE_DUE_DAYS calendar days after the invoice date."""
    return date + datetime.timedelta(days=settings.INVOICE_DUE_DAYS)


def _gross(quantity: Decimal, price: Decimal) -> Decimal:
    return money.kopecks(quantity * price)


def _lines_from_calculation(calculation: Calculation) -> list[InvoiceLine]:
    lines = calculation.lines.select_related("catalog_item").order_by("position", "pk")
    result = []
    for position, line in enumerate(lines, start=1):
        payable = line.amount - line.discount_share
        result.append(
            InvoiceLine(
                position=position,
                name=line.name,
                is_good=bool(line.catalog_item and line.catalog_item.kind == CatalogItem.Kind.GOOD),
                unit_code=line.unit_code,
                unit=line.unit,
                quantity=line.quantity,
                price=line.price,
                discount=_gross(line.quantity, line.price) - payable,
                amount=payable,
                vat_rate=line.vat_rate,
                vat_exempt=line.vat_exempt,
                vat=line.vat,
                total=line.total,
            )
        )
    return result


def _lines_from_data(lines: Sequence[LineData], totals: money.Totals) -> list[InvoiceLine]:
    goods = set(
        CatalogItem.objects.filter(
            pk__in=[line.catalog_item_id for line in lines if line.catalog_item_id],
            kind=CatalogItem.Kind.GOOD,
        ).values_list("pk", flat=True)
    )
    result = []
    for position, (line, computed) in enumerate(zip(lines, totals.lines, strict=True), start=1):
        payable = computed.amount - computed.discount_share
        result.append(
            InvoiceLine(
                position=position,
                name=line.name,
                is_good=line.catalog_item_id in goods,
                unit_code=line.unit_code,
                unit=Unit(line.unit_code).label,
                quantity=line.quantity,
                price=line.price,
                discount=_gross(line.quantity, line.price) - payable,
                amount=payable,
                vat_rate=money.ZERO if computed.vat_rate is None else computed.vat_rate,
                vat_exempt=computed.vat_rate is None,
                vat=computed.vat,
                total=computed.total,
            )
        )
    return result


def _calculation_problem(calculation: Calculation, policy: tax.TaxPolicy) -> str:
    """Why the calculation's VAT no longer fits the seller's regime ("" when it fits)."""
    saved_with_vat = calculation.vat_mode != money.VatMode.NONE
    if saved_with_vat != policy.pays_vat or any(
        policy.rate_problem(line.line_rate, exempt=line.vat_exempt)
        for line in calculation.lines.all()
        if saved_with_vat
    ):
        return (
            f"{calculation.label} сохранён с НДС «{calculation.vat_mode_label()}», а сейчас у "
            f"продавца {policy.label}. Откройте расчёт и сохраните его заново: он "
            "пересчитается по новым правилам."
        )
    return ""


def _invoice_content(
    *, deal: Deal, calculation: Calculation | None, lines: Sequence[LineData]
) -> tuple[str, str, list[InvoiceLine]]:
    """The VAT mode, the note on VAT and the lines of an invoice: copied from the deal's
    calculation (which is frozen from now on) if it fits the seller's regime, or computed
    from lines typed by hand under the regime."""
    policy = tax.seller_policy()
    if calculation is not None:
        if calculation.deal_id != deal.pk:
            raise ValidationError({"calculation": "Этот расчёт относится к другой сделке."})
        problem = _calculation_problem(calculation, policy)
        if problem:
            raise ValidationError({"calculation": problem})
        calculation = calculation_freeze(calculation=calculation)
        invoice_lines = _lines_from_calculation(calculation)
        if not invoice_lines:
            raise ValidationError({"calculation": "В расчёте нет строк."})
        return calculation.vat_mode, calculation.vat_note, invoice_lines
    if not lines:
        raise ValidationError({"lines": "Добавьте в счёт хотя бы одну строку."})
    totals = calculation_compute(lines=lines, policy=policy)
    if totals.total <= 0:
        raise ValidationError({"lines": "Сумма счёта должна быть больше нуля."})
    note = policy.vat_note(exempt_lines=any(line.vat_exempt for line in lines))
    return totals.vat_mode, note, _lines_from_data(lines, totals)


def _store_lines(invoice: Invoice, vat_mode: str, vat_note: str, lines: list[InvoiceLine]) -> None:
    invoice.vat_mode = vat_mode
    invoice.vat_note = vat_note
    invoice.subtotal = sum((line.amount for line in lines), money.ZERO)
    invoice.total_vat = sum((line.vat for line in lines), money.ZERO)
    invoice.total = sum((line.total for line in lines), money.ZERO)
    if invoice.total <= 0:
        raise ValidationError({"lines": "Сумма счёта должна быть больше нуля."})
    if invoice.total >= MAX_AMOUNT:
        raise ValidationError({"lines": "Сумма счёта слишком велика."})
    invoice.save()
    invoice.lines.all().delete()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    invoice.__dict__.pop("line_list", None)


def _snapshot_parties(invoice: Invoice, deal: Deal) -> None:
    invoice.seller_data = parties.snapshot(Seller.objects.active())
    client = (
        Client.objects.prefetch_related("bank_accounts").filter(pk=deal.client_id).first()
        if deal.client_id
        else None
    )
    invoice.buyer_data = parties.snapshot(client)


@transaction.atomic
def invoice_create(
    *,
    deal: Deal,
    by,
    calculation: Calculation | None = None,
    lines: Sequence[LineData] = (),
    date: datetime.date | None = None,
    due_date: datetime.date | None = None,
    basis: str = "",
) -> Invoice:
    """A draft invoice of the deal, numbered now (per year of its date, without gaps): from
    a calculation (its lines copied, the calculation frozen) or from lines typed by hand.
    Raises ValidationError with Russian messages."""
    date = date or timezone.localdate()
    due_date = due_date or invoice_due_date(date)
    if due_date < date:
        raise ValidationError({"due_date": "Срок оплаты не может быть раньше даты счёта."})
    vat_mode, vat_note, invoice_lines = _invoice_content(
        deal=deal, calculation=calculation, lines=lines
    )
    invoice = Invoice(
        deal=deal,
        year=date.year,
        number=next_number(kind=Invoice.KIND, year=date.year),
        date=date,
        due_date=due_date,
        basis=basis.strip(),
        calculation=calculation,
        created_by=by,
    )
    _snapshot_parties(invoice, deal)
    _store_lines(invoice, vat_mode, vat_note, invoice_lines)
    source = f" по расчёту {calculation.short_label}" if calculation is not None else ""
    timeline_add(
        deal=deal,
        kind="invoice.created",
        text=f"Создан черновик: {invoice.title}{source} на {format_money(invoice.total)} ₽",
        actor=by,
        url=invoice.get_absolute_url(),
    )
    return invoice


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    by,
    calculation: Calculation | None = None,
    lines: Sequence[LineData] = (),
    date: datetime.date,
    due_date: datetime.date,
    basis: str = "",
) -> Invoice:
    """Change a draft: its dates, basis and lines (again from a calculation or by hand)."""
    invoice = _lock_invoice(invoice.pk)
    if not invoice.is_draft:
        raise ValidationError("Выставленный счёт не меняется: отмените его и создайте новый.")
    if date.year != invoice.year:
        raise ValidationError(
            {
                "date": f"Номер счёта выдан на {invoice.year} год: дата должна быть в этом году. "
                "Чтобы выставить счёт другим годом, создайте новый."
            }
        )
    if due_date < date:
        raise ValidationError({"due_date": "Срок оплаты не может быть раньше даты счёта."})
    vat_mode, vat_note, invoice_lines = _invoice_content(
        deal=invoice.deal, calculation=calculation, lines=lines
    )
    invoice.date, invoice.due_date, invoice.basis = date, due_date, basis.strip()
    invoice.calculation = calculation
    _snapshot_parties(invoice, invoice.deal)
    _store_lines(invoice, vat_mode, vat_note, invoice_lines)
    return invoice


def invoice_issue_problems(invoice: Invoice) -> list[str]:
    """What keeps a draft from being issued, in Russian (empty when nothing)."""
    problems = []
    seller = invoice.seller_data
    if not seller:
        problems.append("Заполните реквизиты компании-продавца (раздел «Наши реквизиты»).")
    elif not seller.get("settlement_account"):
        problems.append("Добавьте банковский счёт в реквизиты компании-продавца.")
    if not invoice.buyer_data:
        problems.append("Укажите клиента сделки: он будет покупателем в счёте.")
    return problems


@transaction.atomic
def invoice_issue(*, invoice: Invoice, by) -> Invoice:
    """Issue a draft: the parties' requisites are copied as they are now, the client's link
    starts working and the PDF is rendered in a worker."""
    invoice = _lock_invoice(invoice.pk)
    if not invoice.is_draft:
        return invoice
    _snapshot_parties(invoice, invoice.deal)
    problems = invoice_issue_problems(invoice)
    if problems:
        raise ValidationError(problems)
    invoice.status = Invoice.Status.SENT
    invoice.issued_at = timezone.now()
    invoice.save(update_fields=["seller_data", "buyer_data", "status", "issued_at", "updated_at"])
    timeline_add(
        deal=invoice.deal,
        kind="invoice.issued",
        text=f"Выставлен {invoice.title[0].lower()}{invoice.title[1:]} "
        f"на {format_money(invoice.total)} ₽, оплатить до {date_long(invoice.due_date)}",
        actor=by,
        url=invoice.get_absolute_url(),
    )
    pdf_enqueue(invoice)
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, by) -> Invoice:
    """Cancel an invoice nobody has paid yet; its number stays used."""
    invoice = _lock_invoice(invoice.pk)
    if invoice.is_cancelled:
        return invoice
    if invoice.paid_amount > 0:
        raise ValidationError(
            "По счёту есть оплата: его нельзя отменить. Руководитель может сначала отменить "
            "отметку об оплате."
        )
    invoice.status = Invoice.Status.CANCELLED
    invoice.cancelled_at = timezone.now()
    invoice.save(update_fields=["status", "cancelled_at", "updated_at"])
    timeline_add(
        deal=invoice.deal,
        kind="invoice.cancelled",
        text=f"{invoice.title} отменён",
        actor=by,
        url=invoice.get_absolute_url(),
    )
    return invoice


def _lock_invoice(pk: int) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("deal", "deal__manager", "deal__stage")
        .get(pk=pk)
    )
