"""Payments: online through a provider and marked by hand, applied to their invoice."""

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crm.formats import date_long
from crm.formats import money as format_money
from crm.notifications import Email, notify
from crm.webhooks import emit
from deals.models import StageAutomation
from deals.services import deal_advance, timeline_add

from .. import payments
from ..models import Invoice, Payment
from .invoices import _lock_invoice, invoice_event
from .receipts import payment_receipt

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
    """The invoice does not wait for money (a draft, annulled or paid)."""


def _settle(invoice: Invoice) -> None:
    """The status that the paid amount gives an issued invoice."""
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.ANNULLED):
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
    emit("invoice.paid", lambda: invoice_event(invoice, payment=_payment_event(payment)))
    if by is None or by.pk != deal.manager_id:
        # The manager who marked it paid knows; anybody else's mark or an online payment
        # is news for them.
        notify(
            user=deal.manager,
            event="client.paid",
            text=f"{invoice.title} оплачен · сделка {deal}",
            url=invoice.get_absolute_url(),
            dedupe_key=f"invoice.paid:{invoice.pk}:{payment.pk}",
            email=Email(
                "invoice_paid",
                {
                    "invoice": invoice,
                    "payment": payment,
                    "method": _method_text(payment),
                    "deal": deal,
                    "manager": deal.manager,
                    "by": by,
                    "deal_url": deal.get_absolute_url(),
                },
            ),
        )
    deal_advance(
        deal=deal,
        to_stage=StageAutomation.load().invoice_paid_stage,
        by=by,
        reason=f"{invoice.title} оплачен",
    )


def _payment_event(payment: Payment) -> dict:
    return {
        "id": payment.pk,
        "method": payment.method,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "paid_on": payment.paid_on,
    }


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
    emit(
        "payment.problem",
        lambda: invoice_event(invoice, payment={**_payment_event(payment), "problem": reason}),
    )
    notify(
        user=deal.manager,
        event="payment.problem",
        text=f"Платёж по счёту № {invoice.number} не засчитан: {reason}",
        url=invoice.get_absolute_url(),
        dedupe_key=f"payment.problem:{payment.pk}",
        email=Email(
            "payment_problem",
            {
                "invoice": invoice,
                "payment": payment,
                "reason": reason,
                "deal": deal,
                "manager": deal.manager,
                "deal_url": deal.get_absolute_url(),
                "invoice_url": invoice.get_absolute_url(),
            },
        ),
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
    if invoice.is_annulled:
        return "счёт аннулирован: проверьте платёж и верните деньги клиенту"
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
    if invoice.is_annulled:
        return "Этот счёт аннулирован: оплатить его нельзя."
    return "Этот счёт сейчас нельзя оплатить онлайн."


def invoice_payment_start(*, invoice: Invoice, return_url: str, email: str = "") -> str:
    """Start (or resume) the online payment of what is left to pay on the invoice; returns
    the provider's page where the client pays. `email` is where the buyer wants the
    receipt when the invoice has no address for it. Raises InvoiceNotPayable,
    ReceiptEmailNeeded, or billing.payments.PaymentError when the provider cannot take the
    payment now."""
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
        receipt = payment_receipt(invoice=invoice, amount=amount, provider=provider, email=email)
        try:
            created = provider.create_payment(
                amount=amount,
                currency=invoice.currency,
                description=f"Оплата по счёту № {invoice.number} от {date_long(invoice.date)}",
                return_url=return_url,
                idempotence_key=key,
                metadata={"invoice": str(invoice.pk), "nonce": invoice.pay_nonce},
                receipt=receipt,
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
                "receipt": receipt,
            },
        )
        if not made and not payment.idempotence_key:
            # Its notification came first and made the row: add what we asked for.
            Payment.objects.filter(pk=payment.pk).update(
                idempotence_key=key, confirmation_url=created.confirmation_url, receipt=receipt
            )
        return created.confirmation_url
    raise payments.PaymentError(f"could not start a payment of invoice {invoice.pk}")


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
