"""54-ФЗ receipts of invoices: the receipt that goes with an online payment and the closing
receipt that offsets prepayments once the goods and services are handed over.

An online payment made before the hand-over is a prepayment: its receipt says
full_prepayment (the whole invoice) or partial_prepayment (a part) with the calculated VAT
rates. When the closing document is signed, invoice_deliver() stores the closing receipt
(«полный расчёт», settled by those prepayments) in a FiscalReceipt row inside the caller's
transaction and publishes billing.tasks.send_receipt after the commit. receipt_send() claims
the row with a conditional UPDATE and sends it under the row's own idempotence key, so the
task may run any number of times and the provider registers the receipt once; a provider
that does not answer leaves the row pending, and the sweeper (billing.tasks.sweep_receipts,
on beat) publishes it again.
"""

import logging
import random
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contacts.requisites import ENTREPRENEUR, LEGAL
from crm.formats import money as format_money
from deals.services import timeline_add

from .. import money, payments, tax
from ..models import FiscalReceipt, Invoice, Payment
from ..money import VatMode
from ..payments.receipt import (
    PREPAYMENT_MODES,
    ReceiptLine,
    build_receipt,
    build_settlement_receipt,
    measure_of,
)

logger = logging.getLogger(__name__)

SENDING_STALE = timedelta(minutes=10)
# After the sweeper publishes a row it waits this long before publishing it again.
REQUEUE_AFTER = timedelta(minutes=10)
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 1800
SWEEP_BATCH = 200


class ReceiptEmailNeeded(ValidationError):
    """The payment needs a receipt and there is no address the register can send it to."""


class RetryLater(Exception):
    """The provider did not answer; the receipt is pending again, due in `seconds`."""

    def __init__(self, seconds: int, error: str):
        super().__init__(error)
        self.seconds = seconds


# The receipt of an online payment ------------------------------------------------------


def receipt_lines(invoice: Invoice, amount: Decimal) -> list[ReceiptLine]:
    """The invoice's lines as a receipt for `amount` lists them: each line at its own rate
    and unit; for a part of the invoice, each line's share in proportion to its total
    (largest remainder, so that the kopecks add up to the amount)."""
    lines = invoice.line_list
    totals = [line.total for line in lines]
    shares = totals if amount == invoice.total else money.distribute(amount, totals)
    no_vat = invoice.vat_mode == VatMode.NONE
    return [
        ReceiptLine(
            description=line.name,
            quantity=line.quantity,
            amount=share,
            vat_rate=None if no_vat else line.line_rate,
            payment_subject="commodity" if line.is_good else "service",
            measure=measure_of(line.unit_code),
        )
        for line, share in zip(lines, shares, strict=True)
        if share > 0
    ]


def receipt_payment_mode(invoice: Invoice, amount: Decimal) -> str:
    """Money received before the goods and services are handed over is a prepayment: of
    the whole invoice (full_prepayment) or of a part (partial_prepayment). After the
    hand-over it pays for what the buyer already has (full_payment)."""
    if invoice.is_delivered:
        return "full_payment"
    return "full_prepayment" if amount == invoice.total else "partial_prepayment"


def _contact(invoice: Invoice, provider, email: str) -> tuple[str, str] | None:
    """(e-mail, phone) the register sends the receipt to; None when there is nowhere: the
    buyer has no e-mail and the register cannot send an SMS (or there is no phone)."""
    buyer = invoice.buyer_data
    email = (email or buyer.get("email", "")).strip()
    phone = buyer.get("phone_e164", "")
    if email:
        return email, phone
    if phone and getattr(provider, "receipt_sms", False):
        return "", phone
    return None


def receipt_email_needed(invoice: Invoice, provider) -> bool:
    """Whether the payment page asks the buyer for an e-mail for the receipt."""
    if provider is None or not getattr(provider, "receipts", False):
        return False
    return _contact(invoice, provider, "") is None


def payment_receipt(*, invoice: Invoice, amount: Decimal, provider, email: str = "") -> dict | None:
    """The 54-ФЗ receipt to send with an online payment of `amount`, or None when the
    provider sends no receipts. A card, СБП or wallet payment needs one whoever the buyer is:
    an individual, or a company or sole proprietor presenting an electronic means of payment
    (п. 9 ст. 2 54-ФЗ), who is then named on it with its INN. The tax system is the seller's
    regime. Raises ReceiptEmailNeeded when there is nowhere to send the receipt (`email`, the
    buyer's own e-mail, or a phone when the register sends SMS)."""
    if not getattr(provider, "receipts", False):
        return None
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ReceiptEmailNeeded(
                "Проверьте адрес электронной почты: на него придёт кассовый чек."
            ) from None
    contact = _contact(invoice, provider, email)
    if contact is None:
        raise ReceiptEmailNeeded("Укажите электронную почту: на неё придёт кассовый чек.")
    buyer = invoice.buyer_data
    company = buyer.get("kind") in (LEGAL, ENTREPRENEUR)
    return build_receipt(
        lines=receipt_lines(invoice, amount),
        total=amount,
        email=contact[0],
        phone=contact[1],
        full_name=buyer.get("name", "") if company else "",
        inn=buyer.get("inn", "") if company else "",
        tax_system_code=tax.seller_policy().tax_system_code,
        payment_mode=receipt_payment_mode(invoice, amount),
    )


# The hand-over and its closing receipt -------------------------------------------------


def _prepayments(invoice: Invoice) -> list[Payment]:
    """The invoice's online payments that came in with a prepayment receipt."""
    found = invoice.payments.filter(
        method=Payment.Method.ONLINE, status=Payment.Status.SUCCEEDED, applied=True
    ).order_by("pk")
    return [
        payment
        for payment in found
        if payment.receipt
        and {item.get("payment_mode") for item in payment.receipt.get("items", [])}
        <= PREPAYMENT_MODES
    ]


@transaction.atomic
def invoice_deliver(*, invoice: Invoice, by=None) -> FiscalReceipt | None:
    """The invoice's goods and services are handed over (its closing document is signed).
    From now on a payment of it is no prepayment; the online prepayments that came with a
    receipt are offset by one closing receipt («полный расчёт» of their sum, settled by
    them), stored now and sent to the provider after the commit. Safe to call again: the
    same receipt is returned. None when no prepayment had a receipt (a bank transfer, or
    receipts off)."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",)).select_related("deal").get(pk=invoice.pk)
    )
    if invoice.is_draft or invoice.is_annulled:
        raise ValidationError(
            f"{invoice.title}: {invoice.get_status_display().lower()}, передачу по нему не "
            "отметить."
        )
    if invoice.delivered_at is None:
        invoice.delivered_at = timezone.now()
        invoice.save(update_fields=["delivered_at", "updated_at"])
    existing = FiscalReceipt.objects.filter(
        invoice=invoice, kind=FiscalReceipt.Kind.CLOSING
    ).first()
    if existing is not None:
        return existing
    prepaid = _prepayments(invoice)
    if not prepaid:
        return None
    last = prepaid[-1]
    # Payments of one provider are offset together; a switch of provider in between leaves
    # the older ones to be offset in that provider's account.
    prepaid = [payment for payment in prepaid if payment.provider == last.provider]
    amount = sum((payment.amount for payment in prepaid), money.ZERO)
    # The closing receipt goes to the buyer the prepayment's went to, under its tax system.
    customer = last.receipt["customer"]
    items = build_receipt(
        lines=receipt_lines(invoice, amount),
        total=amount,
        email=customer.get("email", ""),
        phone=customer.get("phone", ""),
        full_name=customer.get("full_name", ""),
        inn=customer.get("inn", ""),
        tax_system_code=last.receipt.get("tax_system_code"),
        payment_mode="full_payment",
    )
    receipt = FiscalReceipt.objects.create(
        invoice=invoice,
        kind=FiscalReceipt.Kind.CLOSING,
        provider=last.provider,
        body=build_settlement_receipt(
            receipt=items, payment_id=last.provider_payment_id, prepaid=amount
        ),
        amount=amount,
        idempotence_key=f"rcpt-{invoice.pay_nonce}-{invoice.pk}-closing",
    )
    receipt.payments.set(prepaid)
    timeline_add(
        deal=invoice.deal,
        kind="invoice.receipt",
        text=f"Чек зачёта предоплаты по счёту № {invoice.number} на "
        f"{format_money(amount)} ₽ передаётся в кассу",
        actor=by,
        url=invoice.get_absolute_url(),
    )
    transaction.on_commit(partial(receipt_publish, receipt.pk))
    return receipt


# Sending -------------------------------------------------------------------------------


def receipt_publish(receipt_id: int) -> bool:
    """Hand the receipt to the broker; a broker that is down is logged, not raised: the
    sweeper publishes the row later."""
    from ..tasks import send_receipt

    try:
        send_receipt.apply_async(args=[receipt_id])
    except Exception:
        logger.warning(
            "receipt %s not published (broker unreachable?); the sweeper will retry",
            receipt_id,
            exc_info=True,
        )
        return False
    return True


def receipt_send(*, receipt_id: int) -> bool:
    """Send one stored receipt if it is still pending. True when the provider took it now.
    Raises RetryLater when the provider did not answer (the row is pending again with its
    next attempt time); a refusal or too many attempts mark it failed and tell the deal's
    timeline."""
    claimed = FiscalReceipt.objects.filter(
        pk=receipt_id, status=FiscalReceipt.Status.PENDING
    ).update(
        status=FiscalReceipt.Status.SENDING,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    receipt = FiscalReceipt.objects.select_related("invoice", "invoice__deal").get(pk=receipt_id)
    try:
        provider = payments.get_provider(receipt.provider)
        state = provider.create_receipt(body=receipt.body, idempotence_key=receipt.idempotence_key)
    except (payments.PaymentUnavailable, ImproperlyConfigured) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if receipt.attempts >= settings.RECEIPT_MAX_ATTEMPTS:
            _failed(receipt, error)
            return False
        delay = retry_delay(receipt.attempts)
        FiscalReceipt.objects.filter(pk=receipt_id, status=FiscalReceipt.Status.SENDING).update(
            status=FiscalReceipt.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=error,
        )
        raise RetryLater(delay, error) from exc
    except (payments.PaymentError, ValueError) as exc:
        logger.exception("receipt %s refused", receipt_id)
        _failed(receipt, f"{type(exc).__name__}: {exc}")
        return False
    status = (
        FiscalReceipt.Status.SUCCEEDED
        if state.status == "succeeded"
        else FiscalReceipt.Status.CANCELED
        if state.status == "canceled"
        else FiscalReceipt.Status.SENT
    )
    FiscalReceipt.objects.filter(pk=receipt_id).update(
        status=status, provider_receipt_id=state.id, sent_at=timezone.now(), last_error=""
    )
    return True


def _failed(receipt: FiscalReceipt, error: str) -> None:
    FiscalReceipt.objects.filter(pk=receipt.pk).update(
        status=FiscalReceipt.Status.FAILED, last_error=error[:2000]
    )
    invoice = receipt.invoice
    timeline_add(
        deal=invoice.deal,
        kind="invoice.receipt_problem",
        text=f"Чек зачёта предоплаты по счёту № {invoice.number} не принят платёжным "
        "сервисом: пробейте его в кассе вручную",
        url=invoice.get_absolute_url(),
    )


def receipt_resend(*, receipts) -> int:
    """Send failed (or stuck pending) receipts again, from the admin. Returns how many."""
    with transaction.atomic():
        ids = list(
            receipts.filter(
                status__in=[FiscalReceipt.Status.FAILED, FiscalReceipt.Status.PENDING]
            ).values_list("pk", flat=True)
        )
        FiscalReceipt.objects.filter(pk__in=ids).update(
            status=FiscalReceipt.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for pk in ids:
            transaction.on_commit(partial(receipt_publish, pk))
    return len(ids)


def receipt_sweep(*, now=None) -> int:
    """Publish again the receipts left unsent: pending ones that are due (the broker was
    down, a retry was lost) and those whose worker died mid-send. Returns how many."""
    now = now or timezone.now()
    FiscalReceipt.objects.filter(
        status=FiscalReceipt.Status.SENDING, claimed_at__lt=now - SENDING_STALE
    ).update(status=FiscalReceipt.Status.PENDING, next_attempt_at=now)
    due = list(
        FiscalReceipt.objects.filter(status=FiscalReceipt.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    FiscalReceipt.objects.filter(pk__in=due, status=FiscalReceipt.Status.PENDING).update(
        next_attempt_at=now + REQUEUE_AFTER
    )
    published = 0
    for pk in due:
        if not receipt_publish(pk):
            break
        published += 1
    return published


def retry_delay(attempts: int) -> int:
    """1 min, 2, 4 … up to 30 min, with jitter."""
    delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return int(delay * random.uniform(0.8, 1.0))
