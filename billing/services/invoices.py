"""Invoices: created from a calculation or lines typed by hand as drafts without a number,
numbered when issued, annulled (never deleted) once issued; the requisites of both parties
are copied into the invoice."""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from contacts import parties
from contacts.models import Client, Seller
from crm.formats import date_long
from crm.formats import money as format_money
from crm.numbering import next_number
from crm.pdf import pdf_enqueue
from crm.webhooks import emit
from deals import events
from deals.models import Deal
from deals.services import timeline_add

from .. import money, tax
from ..models import Calculation, CatalogItem, Invoice, InvoiceLine, Unit
from .calculations import MAX_AMOUNT, LineData, calculation_compute, calculation_freeze


def invoice_due_date(date: datetime.date) -> datetime.date:
    """The default «оплатить до»: INVOICE_DUE_DAYS calendar days after the invoice date."""
    return date + datetime.timedelta(days=settings.INVOICE_DUE_DAYS)


# How far from today an invoice may be dated: its year gives its number, so a slip of the
# year (2062 for 2026) would start the numbering of a year nobody has reached.
DATE_AHEAD_DAYS = 30


def invoice_date_problem(date: datetime.date, today: datetime.date | None = None) -> str:
    """Why this invoice date is refused, in Russian («» when it is fine): more than
    DATE_AHEAD_DAYS ahead, or before the start of the previous year."""
    today = today or timezone.localdate()
    latest = today + datetime.timedelta(days=DATE_AHEAD_DAYS)
    earliest = datetime.date(today.year - 1, 1, 1)
    if date > latest:
        return f"Дата счёта — не позже чем через {DATE_AHEAD_DAYS} дней: {date_long(latest)}."
    if date < earliest:
        return f"Дата счёта — не раньше {date_long(earliest)}."
    return ""


def _check_dates(date: datetime.date | None, due_date: datetime.date | None) -> None:
    problem = invoice_date_problem(date) if date else ""
    if problem:
        raise ValidationError({"date": problem})
    if date and due_date and due_date < date:
        raise ValidationError({"due_date": "Срок оплаты не может быть раньше даты счёта."})


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
    """A draft invoice of the deal, without a number until it is issued: from a calculation
    (its lines copied, the calculation frozen) or from lines typed by hand. No `date` means
    the day it is issued; no `due_date`, INVOICE_DUE_DAYS after the date. Raises
    ValidationError with Russian messages."""
    _check_dates(date, due_date)
    vat_mode, vat_note, invoice_lines = _invoice_content(
        deal=deal, calculation=calculation, lines=lines
    )
    invoice = Invoice(
        deal=deal,
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
        text=f"Создан черновик счёта{source} на {format_money(invoice.total)} ₽",
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
    date: datetime.date | None,
    due_date: datetime.date | None,
    basis: str = "",
) -> Invoice:
    """Change a draft: its dates, basis and lines (again from a calculation or by hand)."""
    invoice = _lock_invoice(invoice.pk)
    if not invoice.is_draft:
        raise ValidationError("Выставленный счёт не меняется: аннулируйте его и создайте новый.")
    _check_dates(date, due_date)
    vat_mode, vat_note, invoice_lines = _invoice_content(
        deal=invoice.deal, calculation=calculation, lines=lines
    )
    invoice.date, invoice.due_date, invoice.basis = date, due_date, basis.strip()
    invoice.calculation = calculation
    _snapshot_parties(invoice, invoice.deal)
    _store_lines(invoice, vat_mode, vat_note, invoice_lines)
    return invoice


def _issue_dates(invoice: Invoice) -> tuple[datetime.date, datetime.date]:
    """The date and the due date the draft would be issued with today."""
    date = invoice.date or timezone.localdate()
    return date, invoice.due_date or invoice_due_date(date)


def invoice_issue_problems(invoice: Invoice) -> list[str]:
    """What keeps a draft from being issued, in Russian (empty when nothing)."""
    problems = []
    date, due_date = _issue_dates(invoice)
    if problem := invoice_date_problem(date):
        problems.append(problem + " Измените дату в черновике.")
    if due_date < date:
        problems.append(
            "Срок оплаты не может быть раньше даты счёта: измените срок оплаты в черновике."
        )
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
    """Issue a draft: it is dated (today, unless the manager set a date) and numbered from
    the counter of that date's year, the parties' requisites are copied as they are now,
    the client's link starts working and the PDF is rendered in a worker."""
    invoice = _lock_invoice(invoice.pk)
    if not invoice.is_draft:
        return invoice
    _snapshot_parties(invoice, invoice.deal)
    problems = invoice_issue_problems(invoice)
    if problems:
        raise ValidationError(problems)
    invoice.date, invoice.due_date = _issue_dates(invoice)
    invoice.year = invoice.date.year
    invoice.number = next_number(kind=Invoice.KIND, year=invoice.year)
    invoice.status = Invoice.Status.SENT
    invoice.issued_at = timezone.now()
    invoice.save(
        update_fields=["seller_data", "buyer_data", "date", "due_date", "year", "number"]
        + ["status", "issued_at", "updated_at"]
    )
    timeline_add(
        deal=invoice.deal,
        kind="invoice.issued",
        text=f"Выставлен {invoice.title[0].lower()}{invoice.title[1:]} "
        f"на {format_money(invoice.total)} ₽, оплатить до {date_long(invoice.due_date)}",
        actor=by,
        url=invoice.get_absolute_url(),
    )
    emit("invoice.issued", lambda: invoice_event(invoice))
    pdf_enqueue(invoice)
    return invoice


def invoice_event(invoice: Invoice, **extra) -> dict:
    """An invoice as outgoing webhooks carry it, with its deal."""
    return {
        "invoice": {
            "id": invoice.pk,
            "number": invoice.number,
            "year": invoice.year,
            "date": invoice.date,
            "due_date": invoice.due_date,
            "status": invoice.status,
            "total": str(invoice.total),
            "paid_amount": str(invoice.paid_amount),
            "currency": invoice.currency,
        },
        "deal": events.deal_payload(invoice.deal),
        **extra,
    }


@transaction.atomic
def invoice_annul(*, invoice: Invoice, by, reason: str) -> Invoice:
    """Annul an issued invoice nobody has paid: it keeps its number, the client's link says
    it is annulled and takes no payment, its PDF is rendered again with the mark, and the
    deal timeline tells who and why. Only the deal's owner or the head of sales
    (PermissionDenied otherwise); a draft is deleted instead (ValidationError)."""
    invoice = _lock_invoice(invoice.pk)
    if by is None or not invoice.deal.may_annul_documents(by):
        raise PermissionDenied("Аннулировать счёт может ответственный за сделку или руководитель.")
    if invoice.is_annulled:
        return invoice
    if invoice.is_draft:
        raise ValidationError("Черновик не аннулируют: у него нет номера, его можно удалить.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("Укажите причину аннулирования.")
    if invoice.paid_amount > 0:
        raise ValidationError(
            "По счёту есть оплата: его нельзя аннулировать. Руководитель может сначала "
            "отменить отметку об оплате."
        )
    invoice.status = Invoice.Status.ANNULLED
    invoice.annulled_at = timezone.now()
    invoice.annulled_by = by
    invoice.annul_reason = reason[:500]
    invoice.pdf_sha256 = ""  # the PDF without the mark is not handed out any more
    invoice.save(
        update_fields=["status", "annulled_at", "annulled_by", "annul_reason", "pdf_sha256"]
        + ["updated_at"]
    )
    timeline_add(
        deal=invoice.deal,
        kind="invoice.annulled",
        text=f"{invoice.title} аннулирован. Причина: {invoice.annul_reason}",
        actor=by,
        url=invoice.get_absolute_url(),
    )
    pdf_enqueue(invoice)
    return invoice


@transaction.atomic
def invoice_delete(*, invoice: Invoice, by) -> None:
    """Delete a draft: it has no number and the client never saw it. An issued invoice is
    annulled instead (ValidationError)."""
    invoice = _lock_invoice(invoice.pk)
    if not invoice.is_draft:
        raise ValidationError("Выставленный счёт не удаляется: его можно аннулировать.")
    deal = invoice.deal
    total = invoice.total
    invoice.delete()
    timeline_add(
        deal=deal,
        kind="invoice.deleted",
        text=f"Удалён черновик счёта на {format_money(total)} ₽",
        actor=by,
    )


def _lock_invoice(pk: int) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("deal", "deal__manager", "deal__stage")
        .get(pk=pk)
    )
