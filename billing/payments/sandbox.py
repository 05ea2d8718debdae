"""The sandbox provider: online payment that works offline, in the demo and in tests.

It behaves like a real provider with its own ledger (``SandboxPayment``):

- ``create_payment`` records a pending payment under an unguessable id (``sbx_`` and 256 random
  bits) and answers with the project's own payment page, ``billing:sandbox_payment``
  (``payment_id`` in the URL), as the confirmation URL. The same idempotence key gives back the
  same payment.
- That page shows ``payment(payment_id)`` and two buttons. Pressing one calls
  ``complete(payment_id, succeeded=...)``, which moves the payment in the ledger and returns the
  notification this provider "sends": a body signed with the project's SECRET_KEY. The page
  hands that body to the same code the webhook endpoint runs.
- ``parse_notification`` checks the signature (and age), takes the payment id from it and
  re-reads the ledger, exactly as the YooKassa provider re-fetches from the API: the status,
  amount and currency come from the ledger, never from the notification.
"""

import secrets
from collections.abc import Callable
from decimal import Decimal

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ..models import SandboxPayment
from .base import (
    MASTERCARD,
    MIR,
    SBP,
    VISA,
    CreatedPayment,
    PaymentNotFound,
    PaymentRejected,
    PaymentState,
    PaymentStatus,
    PayMethod,
    ReceiptState,
    check_payment_request,
    money_value,
)

NOTIFICATION_SALT = "billing.payments.sandbox.notification"
# A provider that cannot deliver gives up after a day; a notification older than that is stale.
NOTIFICATION_MAX_AGE = 24 * 60 * 60


def default_page_url(payment_id: str) -> str:
    return reverse("billing:sandbox_payment", kwargs={"payment_id": payment_id})


class SandboxProvider:
    code = "sandbox"
    title = "Тестовая оплата"
    checkout_origins = ()  # the payment page is the project's own

    def __init__(
        self,
        *,
        methods: tuple[PayMethod, ...] = (MIR, VISA, MASTERCARD, SBP),
        page_url: Callable[[str], str] = default_page_url,
        receipts: bool = False,
        receipt_sms: bool = False,
    ):
        self.methods = methods
        # A receipt passed to create_payment is kept in the ledger, so tests can read it.
        self.receipts = receipts
        self.receipt_sms = receipt_sms
        self._page_url = page_url

    def create_payment(
        self,
        *,
        amount: Decimal,
        currency: str,
        description: str,
        return_url: str,
        idempotence_key: str,
        metadata: dict[str, str],
        receipt: dict | None = None,
    ) -> CreatedPayment:
        value = Decimal(money_value(amount))
        check_payment_request(currency=currency, idempotence_key=idempotence_key)
        fields = {
            "amount": value,
            "currency": currency,
            "description": description[:128],
            "return_url": return_url,
            "metadata": {str(k): str(v) for k, v in metadata.items()},
            "receipt": receipt,
        }
        try:
            with transaction.atomic():
                payment = SandboxPayment.objects.create(
                    payment_id=f"sbx_{secrets.token_urlsafe(32)}",
                    idempotence_key=idempotence_key,
                    **fields,
                )
        except IntegrityError:
            # The key was used before (a repeated request): answer with that payment, as a real
            # provider does, unless the request now says something else.
            payment = SandboxPayment.objects.get(idempotence_key=idempotence_key)
            if any(getattr(payment, name) != v for name, v in fields.items()):
                raise PaymentRejected(
                    "The idempotence key was already used for another request",
                    status_code=400,
                    code="invalid_request",
                ) from None
        return CreatedPayment(
            provider_payment_id=payment.payment_id,
            confirmation_url=self._page_url(payment.payment_id),
            status=PaymentStatus(payment.status),
        )

    def create_receipt(self, *, body: dict, idempotence_key: str) -> ReceiptState:
        """There is no register behind the sandbox: a receipt is taken and registered at once
        under an id made from its key, so the same key gives the same receipt."""
        check_payment_request(currency="RUB", idempotence_key=idempotence_key)
        return ReceiptState(id=f"sbx_rcpt_{idempotence_key}", status="succeeded")

    def fetch_payment(self, provider_payment_id: str) -> PaymentState:
        payment = self.payment(provider_payment_id)
        if payment is None:
            raise PaymentNotFound("No such sandbox payment", status_code=404, code="not_found")
        return _state(payment)

    def parse_notification(self, *, body: bytes, remote_addr: str) -> PaymentState | None:
        # The sender is the project itself, so its address proves nothing: the signature does.
        try:
            data = signing.loads(
                body.decode("ascii"), salt=NOTIFICATION_SALT, max_age=NOTIFICATION_MAX_AGE
            )
        except (UnicodeDecodeError, signing.BadSignature, ValueError):
            return None
        payment_id = data.get("payment_id") if isinstance(data, dict) else None
        if not isinstance(payment_id, str):
            return None
        payment = self.payment(payment_id)
        return _state(payment) if payment is not None else None

    # The sandbox page's side -----------------------------------------------------------

    def payment(self, payment_id: str) -> SandboxPayment | None:
        """The ledger row behind the sandbox page, or None for an unknown id."""
        return SandboxPayment.objects.filter(payment_id=payment_id).first()

    def complete(self, payment_id: str, *, succeeded: bool) -> bytes:
        """The client paid (or refused) on the sandbox page: the ledger moves a pending payment
        to its final status (a final status never changes again) and the notification to
        deliver comes back. Pressing twice sends the same news twice, as real providers do."""
        status = SandboxPayment.Status.SUCCEEDED if succeeded else SandboxPayment.Status.CANCELED
        SandboxPayment.objects.filter(
            payment_id=payment_id, status=SandboxPayment.Status.PENDING
        ).update(status=status, finished_at=timezone.now())
        payment = self.payment(payment_id)
        if payment is None:
            raise PaymentNotFound("No such sandbox payment", status_code=404, code="not_found")
        return self.notification_body(payment)

    def notification_body(self, payment: SandboxPayment) -> bytes:
        event = f"payment.{payment.status}"
        return signing.dumps(
            {"event": event, "payment_id": payment.payment_id}, salt=NOTIFICATION_SALT
        ).encode("ascii")


def _state(payment: SandboxPayment) -> PaymentState:
    status = PaymentStatus(payment.status)
    return PaymentState(
        id=payment.payment_id,
        status=status,
        amount=payment.amount,
        currency=payment.currency,
        paid=status == PaymentStatus.SUCCEEDED,
        metadata=dict(payment.metadata),
    )
