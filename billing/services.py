"""Workflows of the catalog and calculations, invoices and payments. Proposals and invoices
call calculation_freeze before they use a calculation, and read it through
Calculation.objects.current_for(deal)."""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from contacts.models import Client, Seller
from contacts.names import fio_initials
from contacts.phones import format_phone
from crm.formats import date_long
from crm.formats import money as format_money
from crm.mail import email_queue
from crm.numbering import next_number
from crm.pdf import pdf_enqueue
from deals.models import Deal, StageAutomation
from deals.services import deal_advance, deal_set_budget, timeline_add

from . import money, payments, tax
from .models import (
    Calculation,
    CalculationLine,
    CatalogItem,
    Invoice,
    InvoiceLine,
    Payment,
    Unit,
)
from .money import ZERO, DiscountKind, VatMode
from .payments.receipt import ReceiptLine, build_receipt

# Amounts are stored with 14 digits, 2 of them kopecks.
MAX_AMOUNT = Decimal(10) ** 12


@dataclass(frozen=True)
class LineData:
    """One line as the manager entered it; vat_rate None means the seller's rate."""

    name: str
    quantity: Decimal
    price: Decimal
    unit_code: str = Unit.PIECE
    discount: Decimal = ZERO
    discount_kind: str = DiscountKind.PERCENT
    vat_rate: Decimal | None = None
    catalog_item_id: int | None = None


def calculation_compute(
    *,
    lines: Sequence[LineData],
    discount: Decimal = ZERO,
    discount_kind: str = DiscountKind.PERCENT,
    vat: tuple[VatMode, Decimal] | None = None,
) -> money.Totals:
    """The amounts of a calculation: what the calculator page shows as the manager types and
    exactly what calculation_save stores. Raises ValidationError keyed by "lines" or
    "discount"."""
    mode, default_rate = vat or tax.seller_vat()
    for number, line in enumerate(lines, start=1):
        try:
            money.line_amount(
                line.quantity, line.price, line.discount, DiscountKind(line.discount_kind)
            )
        except ValueError as exc:
            raise ValidationError({"lines": f"Строка {number}: {exc}"}) from exc
    try:
        totals = money.calculate(
            [
                money.Line(
                    quantity=line.quantity,
                    price=line.price,
                    vat_rate=default_rate if line.vat_rate is None else line.vat_rate,
                    discount=line.discount,
                    discount_kind=DiscountKind(line.discount_kind),
                )
                for line in lines
            ],
            vat_mode=mode,
            discount=discount,
            discount_kind=DiscountKind(discount_kind),
        )
    except ValueError as exc:
        raise ValidationError({"discount": str(exc)}) from exc
    if max(totals.subtotal, totals.total) >= MAX_AMOUNT:
        raise ValidationError({"lines": "Сумма расчёта слишком велика."})
    return totals


@transaction.atomic
def calculation_save(
    *,
    deal: Deal,
    by,
    lines: Sequence[LineData],
    title: str = "",
    discount: Decimal = ZERO,
    discount_kind: str = DiscountKind.PERCENT,
    make_current: bool = False,
    calculation: Calculation | None = None,
) -> Calculation:
    """Create a calculation (calculation=None) or save changes to one. A frozen calculation
    is never changed: its changes become its next version, which takes over as current if
    the frozen one was. The deal's first calculation becomes current; the current one's
    total is written into the deal budget. Raises ValidationError with Russian messages."""
    if not lines:
        raise ValidationError({"lines": "Добавьте в расчёт хотя бы одну строку."})
    # Locking the deal serialises numbering and the choice of the current calculation.
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    mode, default_rate = tax.seller_vat()
    totals = calculation_compute(
        lines=lines, discount=discount, discount_kind=discount_kind, vat=(mode, default_rate)
    )
    source = None
    if calculation is None:
        number = (deal.calculations.aggregate(n=Max("number"))["n"] or 0) + 1
        calc = Calculation(deal=deal, number=number, version=1, created_by=by)
        make_current = make_current or not deal.calculations.filter(is_current=True).exists()
    else:
        # Re-read under a lock: a proposal may have frozen it since the page was opened.
        calc = Calculation.objects.select_for_update().get(pk=calculation.pk, deal=deal)
        if calc.is_frozen:
            source = calc
            version = deal.calculations.filter(number=source.number).aggregate(v=Max("version"))[
                "v"
            ]
            calc = Calculation(
                deal=deal,
                number=source.number,
                version=version + 1,
                parent=source,
                created_by=by,
            )
            make_current = make_current or source.is_current
        else:
            make_current = make_current or calc.is_current

    calc.title = title
    calc.discount = discount
    calc.discount_kind = discount_kind
    calc.vat_mode = mode
    calc.vat_rate = default_rate
    calc.subtotal = totals.subtotal
    calc.discount_total = totals.discount
    calc.total_without_vat = totals.without_vat
    calc.total_vat = totals.vat
    calc.total = totals.total
    is_new = calc.pk is None
    calc.save()
    if not is_new:
        calc.lines.all().delete()
    CalculationLine.objects.bulk_create(
        [
            CalculationLine(
                calculation=calc,
                position=position,
                catalog_item_id=line.catalog_item_id,
                name=line.name,
                unit_code=line.unit_code,
                unit=Unit(line.unit_code).label,
                quantity=line.quantity,
                price=line.price,
                discount=line.discount,
                discount_kind=line.discount_kind,
                vat_rate=result.vat_rate,
                amount=result.amount,
                discount_share=result.discount_share,
                total_without_vat=result.without_vat,
                vat=result.vat,
                total=result.total,
            )
            for position, (line, result) in enumerate(
                zip(lines, totals.lines, strict=True), start=1
            )
        ]
    )
    if source is not None:
        text = (
            f"{source.label} использован в документах, поэтому изменения сохранены "
            f"как новая версия: {calc.label} на {format_money(calc.total)} ₽"
        )
    elif is_new:
        name = f" «{title}»" if title else ""
        text = f"Создан {calc.label.lower()}{name} на {format_money(calc.total)} ₽"
    else:
        text = ""
    if text:
        timeline_add(
            deal=deal, kind="calculation", text=text, actor=by, url=calc.get_absolute_url()
        )
    if make_current:
        _make_current(deal=deal, calculation=calc, by=by)
    return calc


@transaction.atomic
def calculation_make_current(*, calculation: Calculation, by) -> Calculation:
    """Make this the deal's current calculation and move the budget to its total."""
    deal = Deal.objects.select_for_update().get(pk=calculation.deal_id)
    if _make_current(deal=deal, calculation=calculation, by=by):
        timeline_add(
            deal=deal,
            kind="calculation",
            text=f"Текущим выбран {calculation.label.lower()}",
            actor=by,
            url=calculation.get_absolute_url(),
        )
    return calculation


def _make_current(*, deal: Deal, calculation: Calculation, by) -> bool:
    """Mark the calculation current and write its total into the budget (the deal row is
    locked by the caller). True when another calculation was current before."""
    switched = not deal.calculations.filter(pk=calculation.pk, is_current=True).exists()
    if switched:
        # One current per deal (a constraint): clear the old one before marking this one.
        deal.calculations.filter(is_current=True).update(is_current=False)
        deal.calculations.filter(pk=calculation.pk).update(is_current=True)
    calculation.is_current = True
    deal_set_budget(
        deal=deal, amount=calculation.total, by=by, reason=f"по расчёту {calculation.short_label}"
    )
    return switched


@transaction.atomic
def calculation_freeze(*, calculation: Calculation) -> Calculation:
    """Freeze a calculation that a sent proposal or an invoice uses: from now on editing it
    creates a new version. Safe to call again."""
    calc = Calculation.objects.select_for_update().get(pk=calculation.pk)
    if not calc.is_frozen:
        calc.is_frozen = True
        calc.frozen_at = timezone.now()
        calc.save(update_fields=["is_frozen", "frozen_at", "updated_at"])
    calculation.is_frozen, calculation.frozen_at = calc.is_frozen, calc.frozen_at
    return calc


# ---------------------------------------------------------------------------------------
# Invoices and payments.
#
# Every change of an invoice's money (an online payment, a manual mark, an undo) runs under
# a row lock on the invoice, and `Invoice.paid_amount` is the sum of its applied payments.
# An online payment is identified by (provider, provider_payment_id), unique in the table,
# and a payment that left "pending" never changes again: however many times (and however
# late) a notification arrives, it is applied once and e-mailed once.
# ---------------------------------------------------------------------------------------

logger = logging.getLogger(__name__)

PaymentStatus = payments.PaymentStatus


class InvoiceNotPayable(ValidationError):
    """The invoice does not wait for money (a draft, cancelled or paid)."""


def invoice_due_date(date: datetime.date) -> datetime.date:
    """The default «оплатить до»: INVOICE_DUE_DAYS calendar days after the invoice date."""
    return date + datetime.timedelta(days=settings.INVOICE_DUE_DAYS)


def party_data(party) -> dict:
    """The requisites of a seller or a client as an invoice prints them: plain strings,
    kept in the invoice so later changes of the requisites never alter it."""
    if party is None:
        return {}
    account = party.default_bank_account
    chief = party.chief_accountant or ""
    # A client has a list of E.164 numbers, the seller one number.
    phones = party.phones if isinstance(party, Client) else [party.phone]
    phone_e164 = next((p for p in phones if p), "")
    return {
        "kind": party.kind,
        "name": party.name,
        "full_name": party.full_name,
        "inn": party.inn,
        "kpp": party.kpp if party.is_legal else "",
        "address": party.address,
        "phone": format_phone(phone_e164) if phone_e164 else "",
        "phone_e164": phone_e164,
        "email": party.email or "",
        "signatory_position": party.signatory_position,
        "signatory_name": party.signatory_name,
        "signatory_initials": party.signatory_initials,
        "chief_accountant": chief,
        "chief_accountant_initials": fio_initials(chief) if chief else "",
        "bank_name": account.bank_name if account else "",
        "bik": account.bik if account else "",
        "correspondent_account": account.correspondent_account if account else "",
        "settlement_account": account.settlement_account if account else "",
    }


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
                vat_rate=computed.vat_rate,
                vat=computed.vat,
                total=computed.total,
            )
        )
    return result


def _invoice_content(
    *, deal: Deal, calculation: Calculation | None, lines: Sequence[LineData]
) -> tuple[str, list[InvoiceLine]]:
    """The VAT mode and the lines of an invoice: copied from the deal's calculation (which
    is frozen from now on) or computed from lines typed by hand in the seller's tax mode."""
    if calculation is not None:
        if calculation.deal_id != deal.pk:
            raise ValidationError({"calculation": "Этот расчёт относится к другой сделке."})
        calculation = calculation_freeze(calculation=calculation)
        invoice_lines = _lines_from_calculation(calculation)
        if not invoice_lines:
            raise ValidationError({"calculation": "В расчёте нет строк."})
        return calculation.vat_mode, invoice_lines
    if not lines:
        raise ValidationError({"lines": "Добавьте в счёт хотя бы одну строку."})
    totals = calculation_compute(lines=lines)
    if totals.total <= 0:
        raise ValidationError({"lines": "Сумма счёта должна быть больше нуля."})
    return totals.vat_mode, _lines_from_data(lines, totals)


def _store_lines(invoice: Invoice, vat_mode: str, lines: list[InvoiceLine]) -> None:
    invoice.vat_mode = vat_mode
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
    invoice.seller_data = party_data(Seller.objects.active())
    client = (
        Client.objects.prefetch_related("bank_accounts").filter(pk=deal.client_id).first()
        if deal.client_id
        else None
    )
    invoice.buyer_data = party_data(client)


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
    vat_mode, invoice_lines = _invoice_content(deal=deal, calculation=calculation, lines=lines)
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
    _store_lines(invoice, vat_mode, invoice_lines)
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
    vat_mode, invoice_lines = _invoice_content(
        deal=invoice.deal, calculation=calculation, lines=lines
    )
    invoice.date, invoice.due_date, invoice.basis = date, due_date, basis.strip()
    invoice.calculation = calculation
    _snapshot_parties(invoice, invoice.deal)
    _store_lines(invoice, vat_mode, invoice_lines)
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


def _settle(invoice: Invoice) -> None:
    """The status that the paid amount gives an issued invoice."""
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
        return
    if invoice.paid_amount >= invoice.total:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = invoice.paid_at or timezone.now()
    else:
        invoice.status = (
            Invoice.Status.PARTLY_PAID if invoice.paid_amount > 0 else Invoice.Status.SENT
        )
        invoice.paid_at = None


def _method_text(payment: Payment) -> str:
    if payment.method == Payment.Method.ONLINE:
        return f"онлайн ({payment.provider_title})"
    return payment.get_method_display().lower()


def _apply(invoice: Invoice, payment: Payment, *, by) -> None:
    """Count an applied payment towards its (locked) invoice."""
    was_paid = invoice.is_paid
    invoice.paid_amount += payment.amount
    _settle(invoice)
    invoice.save(update_fields=["paid_amount", "status", "paid_at", "updated_at"])
    deal = invoice.deal
    amount = f"{format_money(payment.amount)} ₽ {_method_text(payment)}"
    if invoice.is_paid and not was_paid:
        text = f"{invoice.title} оплачен: {amount}"
    else:
        text = (
            f"Частичная оплата по счёту № {invoice.number}: {amount}, "
            f"осталось {format_money(invoice.outstanding)} ₽"
        )
    if payment.comment:
        text += f". Комментарий: {payment.comment}"
    timeline_add(
        deal=deal, kind="invoice.paid", text=text, actor=by, url=invoice.get_absolute_url()
    )
    if invoice.is_paid and not was_paid:
        _on_paid(invoice, payment, by=by)


def _on_paid(invoice: Invoice, payment: Payment, *, by) -> None:
    deal = invoice.deal
    if by is None or by.pk != deal.manager_id:
        # The manager who marked it paid knows; anybody else's mark or an online payment
        # is news for them.
        email_queue(
            event_key=f"invoice.paid:{invoice.pk}:{payment.pk}",
            to=deal.manager.email,
            template="invoice_paid",
            context={
                "invoice": invoice,
                "payment": payment,
                "method": _method_text(payment),
                "deal": deal,
                "manager": deal.manager,
                "by": by,
                "deal_url": deal.get_absolute_url(),
            },
        )
    deal_advance(
        deal=deal,
        to_stage=StageAutomation.load().invoice_paid_stage,
        by=by,
        reason=f"{invoice.title} оплачен",
    )


def _problem(invoice: Invoice, payment: Payment, reason: str) -> None:
    payment.problem = reason[:300]
    payment.applied = False
    deal = invoice.deal
    timeline_add(
        deal=deal,
        kind="invoice.payment_problem",
        text=f"Платёж по счёту № {invoice.number} на {format_money(payment.amount)} "
        f"{payment.currency} не засчитан: {reason}",
        url=invoice.get_absolute_url(),
    )
    email_queue(
        event_key=f"payment.problem:{payment.pk}",
        to=deal.manager.email,
        template="payment_problem",
        context={
            "invoice": invoice,
            "payment": payment,
            "reason": reason,
            "deal": deal,
            "manager": deal.manager,
            "deal_url": deal.get_absolute_url(),
            "invoice_url": invoice.get_absolute_url(),
        },
    )


def _online_problem(invoice: Invoice, state: payments.PaymentState, expected: Decimal) -> str:
    if state.currency != invoice.currency:
        return f"валюта платежа {state.currency}, а счёт выставлен в {invoice.currency}"
    if state.amount != expected:
        return (
            f"оплачено {format_money(state.amount)} ₽ вместо {format_money(expected)} ₽; "
            "проверьте платёж и при необходимости отметьте оплату вручную"
        )
    if invoice.is_paid:
        return "счёт уже был оплачен: возможна двойная оплата, проверьте и верните деньги"
    if invoice.is_cancelled:
        return "счёт отменён: проверьте платёж и верните деньги клиенту"
    if not invoice.is_open:
        return "счёт ещё не выставлен"
    if state.amount > invoice.outstanding:
        return (
            f"сумма больше остатка к оплате ({format_money(invoice.outstanding)} ₽): "
            "возможна двойная оплата"
        )
    return ""


def _invoice_of(provider: str, state: payments.PaymentState) -> int | None:
    known = (
        Payment.objects.filter(provider=provider, provider_payment_id=state.id)
        .values_list("invoice_id", flat=True)
        .first()
    )
    if known is not None:
        return known
    # A payment we have no row for yet (its notification overtook the redirect): ours only
    # if its metadata, set by us when it was created, names an invoice with that nonce.
    invoice_id = state.metadata.get("invoice", "")
    if not invoice_id.isdigit():
        return None
    found = Invoice.objects.filter(pk=int(invoice_id), pay_nonce=state.metadata.get("nonce", ""))
    return found.values_list("pk", flat=True).first()


def payment_notification(*, provider: str, state: payments.PaymentState) -> Payment | None:
    """Apply the verified state of an online payment (from a provider notification, the
    sandbox page, or a check on the client's return). Exactly once: a payment that is no
    longer pending never changes, and all of it runs under the invoice's row lock. A payment
    with another amount or currency, or one the invoice no longer waits for, is recorded
    without counting and the manager is told. Returns the payment, or None when the payment
    is not one of ours."""
    invoice_id = _invoice_of(provider, state)
    if invoice_id is None:
        logger.warning("payment %s:%s is not one of our invoices' payments", provider, state.id)
        return None
    with transaction.atomic():
        invoice = _lock_invoice(invoice_id)
        payment = Payment.objects.filter(provider=provider, provider_payment_id=state.id).first()
        if payment is None:
            payment = Payment.objects.create(
                invoice=invoice,
                method=Payment.Method.ONLINE,
                provider=provider,
                provider_payment_id=state.id,
                amount=state.amount,
                currency=state.currency,
            )
        if payment.status != Payment.Status.PENDING:
            return payment
        if state.status == PaymentStatus.CANCELED:
            payment.status = Payment.Status.CANCELED
            payment.save(update_fields=["status", "updated_at"])
            return payment
        if not state.succeeded:
            return payment
        expected = payment.requested_amount
        if expected is None:
            expected = invoice.outstanding
        payment.status = Payment.Status.SUCCEEDED
        payment.amount, payment.currency = state.amount, state.currency
        payment.paid_on = timezone.localdate()
        problem = _online_problem(invoice, state, expected)
        if problem:
            _problem(invoice, payment, problem)
        else:
            payment.applied = True
        payment.save()
        if payment.applied:
            _apply(invoice, payment, by=None)
        return payment


def payment_refresh(*, invoice: Invoice) -> None:
    """Ask the provider about the invoice's pending online payments and apply what it says:
    a payment whose notification is late (or lost) counts as soon as the client is back."""
    pending = list(
        invoice.payments.filter(
            method=Payment.Method.ONLINE, status=Payment.Status.PENDING
        ).order_by("-pk")[:3]
    )
    for payment in pending:
        try:
            state = payments.get_provider(payment.provider).fetch_payment(
                payment.provider_payment_id
            )
        except (payments.PaymentError, ImproperlyConfigured):
            logger.warning("could not check payment %s", payment.pk, exc_info=True)
            continue
        payment_notification(provider=payment.provider, state=state)


def _pay_key(invoice: Invoice) -> str:
    return f"inv-{invoice.pay_nonce}-{invoice.pk}-{invoice.pay_attempt}"


def _payment_attempt(invoice_pk: int, provider_code: str, *, fresh: bool) -> tuple:
    """Under the invoice lock: what to pay now and under which idempotence key. The key
    stays the same while the attempt's payment is pending for the same amount (so a
    double click or a reload gives the client the same payment); `fresh` or anything else
    starts a new attempt. Returns (invoice, amount, key, pending payment or None)."""
    with transaction.atomic():
        invoice = _lock_invoice(invoice_pk)
        if not invoice.is_open or invoice.outstanding <= 0:
            raise InvoiceNotPayable(_not_payable_text(invoice))
        amount = invoice.outstanding
        previous = invoice.payments.filter(idempotence_key=_pay_key(invoice)).first()
        if previous is not None and (
            fresh
            or previous.status != Payment.Status.PENDING
            or previous.requested_amount != amount
            or previous.provider != provider_code
        ):
            invoice.pay_attempt += 1
            invoice.save(update_fields=["pay_attempt"])
            previous = None
        elif previous is None and fresh:
            invoice.pay_attempt += 1
            invoice.save(update_fields=["pay_attempt"])
        return invoice, amount, _pay_key(invoice), previous


def _not_payable_text(invoice: Invoice) -> str:
    if invoice.is_paid:
        return "Этот счёт уже оплачен. Спасибо!"
    if invoice.is_cancelled:
        return "Этот счёт отменён: оплатить его нельзя."
    return "Этот счёт сейчас нельзя оплатить онлайн."


def invoice_payment_start(*, invoice: Invoice, return_url: str) -> str:
    """Start (or resume) the online payment of what is left to pay on the invoice; returns
    the provider's page where the client pays. Raises InvoiceNotPayable, or
    billing.payments.PaymentError when the provider cannot take the payment now."""
    provider = payments.get_provider()
    fresh = False
    for _ in range(3):
        invoice, amount, key, pending = _payment_attempt(invoice.pk, provider.code, fresh=fresh)
        if pending is not None:
            state = provider.fetch_payment(pending.provider_payment_id)
            if state.status == PaymentStatus.PENDING and pending.confirmation_url:
                return pending.confirmation_url
            payment_notification(provider=provider.code, state=state)
            continue  # that attempt is over: the next round starts another or says it is paid
        try:
            created = provider.create_payment(
                amount=amount,
                currency=invoice.currency,
                description=f"Оплата по счёту № {invoice.number} от {date_long(invoice.date)}",
                return_url=return_url,
                idempotence_key=key,
                metadata={"invoice": str(invoice.pk), "nonce": invoice.pay_nonce},
                receipt=_receipt(invoice, amount, provider),
            )
        except payments.PaymentRejected:
            # The key was used with other data (the link changed since): a new attempt.
            logger.warning("payment of invoice %s refused under %s", invoice.pk, key, exc_info=True)
            fresh = True
            continue
        payment, made = Payment.objects.get_or_create(
            provider=provider.code,
            provider_payment_id=created.provider_payment_id,
            defaults={
                "invoice": invoice,
                "method": Payment.Method.ONLINE,
                "amount": amount,
                "currency": invoice.currency,
                "requested_amount": amount,
                "idempotence_key": key,
                "confirmation_url": created.confirmation_url,
            },
        )
        if not made and not payment.idempotence_key:
            # Its notification came first and made the row: add what we asked for.
            Payment.objects.filter(pk=payment.pk).update(
                idempotence_key=key, confirmation_url=created.confirmation_url
            )
        return created.confirmation_url
    raise payments.PaymentError(f"could not start a payment of invoice {invoice.pk}")


def _receipt(invoice: Invoice, amount: Decimal, provider) -> dict | None:
    """A 54-FZ receipt for an individual buyer when the provider sends receipts; None when
    none is needed or there is nowhere to send it."""
    buyer = invoice.buyer_data
    if not getattr(provider, "receipts", False) or buyer.get("kind") != "person":
        return None
    email, phone = buyer.get("email", ""), buyer.get("phone_e164", "")
    if not email and not phone:
        return None
    no_vat = invoice.vat_mode == VatMode.NONE
    lines = invoice.line_list
    if amount == invoice.total:
        items = [
            ReceiptLine(
                description=line.name,
                quantity=line.quantity,
                amount=line.total,
                vat_rate=None if no_vat else line.vat_rate,
                payment_subject="commodity" if line.is_good else "service",
            )
            for line in lines
        ]
    else:
        # The rest of a partly paid invoice: one line for the sum, at the rate of its
        # largest line.
        largest = max(lines, key=lambda line: line.total)
        items = [
            ReceiptLine(
                description=f"Оплата по счёту № {invoice.number} от {date_long(invoice.date)}",
                quantity=Decimal("1"),
                amount=amount,
                vat_rate=None if no_vat else largest.vat_rate,
            )
        ]
    return build_receipt(
        lines=items,
        total=amount,
        email=email,
        phone=phone,
        tax_system_code=provider.tax_system_code,
    )


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    paid_on: datetime.date,
    method: str,
    by,
    comment: str = "",
) -> Payment:
    """A payment by cash or bank transfer marked by a manager (fully or partly)."""
    invoice = _lock_invoice(invoice.pk)
    if method not in Payment.MANUAL_METHODS:
        raise ValidationError({"method": "Выберите: наличными или банковским переводом."})
    if not invoice.is_open:
        raise InvoiceNotPayable(
            "Счёт не ждёт оплаты: " + invoice.get_status_display().lower() + "."
        )
    if amount <= 0:
        raise ValidationError({"amount": "Сумма должна быть больше нуля."})
    if amount > invoice.outstanding:
        raise ValidationError(
            {"amount": f"Сумма больше остатка к оплате: {format_money(invoice.outstanding)} ₽."}
        )
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "Дата оплаты не может быть в будущем."})
    payment = Payment.objects.create(
        invoice=invoice,
        method=method,
        status=Payment.Status.SUCCEEDED,
        amount=amount,
        currency=invoice.currency,
        applied=True,
        paid_on=paid_on,
        comment=comment.strip(),
        created_by=by,
    )
    _apply(invoice, payment, by=by)
    return payment


@transaction.atomic
def payment_undo(*, payment: Payment, by) -> Payment:
    """The head of sales takes back a manual payment mark; the payment stays, marked undone
    with who and when, and the invoice's paid amount and status follow."""
    if not getattr(by, "is_head", False):
        raise PermissionDenied("Отменить отметку об оплате может только руководитель.")
    invoice = _lock_invoice(payment.invoice_id)
    payment = Payment.objects.get(pk=payment.pk)
    if not payment.is_manual:
        raise ValidationError(
            "Онлайн-платёж отменить нельзя: деньги возвращают в платёжном сервисе."
        )
    if payment.is_undone:
        return payment
    if payment.applied:
        invoice.paid_amount -= payment.amount
        _settle(invoice)
        invoice.save(update_fields=["paid_amount", "status", "paid_at", "updated_at"])
    payment.applied = False
    payment.undone_at = timezone.now()
    payment.undone_by = by
    payment.save(update_fields=["applied", "undone_at", "undone_by", "updated_at"])
    timeline_add(
        deal=invoice.deal,
        kind="invoice.payment_undone",
        text=f"Отменена отметка об оплате по счёту № {invoice.number}: "
        f"{format_money(payment.amount)} ₽ {_method_text(payment)} от "
        f"{date_long(payment.paid_on)}. Статус счёта: {invoice.get_status_display().lower()}",
        actor=by,
        url=invoice.get_absolute_url(),
    )
    return payment
