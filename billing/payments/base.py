"""What every payment provider offers the invoices: the data it returns and the errors it raises.

A provider turns "this invoice, this amount" into a page where the client pays, tells the real
state of a payment, and turns a notification it sent into a verified state. Nothing here touches
the invoice or payment models: the provider is a client of somebody else's ledger.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol


class PaymentStatus(StrEnum):
    PENDING = "pending"
    WAITING_FOR_CAPTURE = "waiting_for_capture"  # only with capture=false, which we never send
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


FINAL_STATUSES = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED})


@dataclass(frozen=True)
class CreatedPayment:
    provider_payment_id: str
    confirmation_url: str  # where to send the client to pay
    status: PaymentStatus


@dataclass(frozen=True)
class PaymentState:
    """A payment as the provider's own ledger has it: the only state worth acting on."""

    id: str
    status: PaymentStatus
    amount: Decimal
    currency: str
    paid: bool
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.status == PaymentStatus.SUCCEEDED and self.paid


@dataclass(frozen=True)
class ReceiptState:
    """A receipt sent on its own (POST /v3/receipts) as the provider took it: "pending" until
    the register has it, then "succeeded" or "canceled"."""

    id: str
    status: str


@dataclass(frozen=True)
class PayMethod:
    code: str
    title: str

    @property
    def icon(self) -> str:
        """The path of the method's icon under the static root."""
        return f"img/pay/{self.code}.svg"


MIR = PayMethod("mir", "Мир")
VISA = PayMethod("visa", "Visa")
MASTERCARD = PayMethod("mastercard", "Mastercard")
SBP = PayMethod("sbp", "СБП")
PAY_METHODS = {m.code: m for m in (MIR, VISA, MASTERCARD, SBP)}


class PaymentError(Exception):
    """The payment could not be created or read."""


class PaymentRejected(PaymentError):
    """The provider refused the request as it stands (HTTP 4xx): repeating it will not help;
    change the data and use a new idempotence key."""

    def __init__(self, message: str, *, status_code: int | None = None, code: str = ""):
        super().__init__(message)
        self.status_code = status_code
        self.code = code


class PaymentNotFound(PaymentRejected):
    """The provider has no payment with this id."""


class PaymentUnavailable(PaymentError):
    """The provider did not answer, or answered with a server error, after the retries.
    The same request with the same idempotence key may be repeated later."""


class PaymentProvider(Protocol):
    code: str  # "sandbox", "yookassa": stored with each payment, part of the webhook URL
    title: str  # shown to staff
    methods: tuple[PayMethod, ...]  # icons on the client's invoice page
    receipts: bool  # send a 54-FZ receipt with online payments
    receipt_sms: bool  # the shop's register sends receipts by SMS too, not only by e-mail
    checkout_origins: tuple[str, ...]  # origins of the pages where clients pay (CSP)

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
    ) -> CreatedPayment: ...

    def fetch_payment(self, provider_payment_id: str) -> PaymentState: ...

    def create_receipt(self, *, body: dict, idempotence_key: str) -> ReceiptState: ...

    def parse_notification(self, *, body: bytes, remote_addr: str) -> PaymentState | None: ...


KOPECK = Decimal("0.01")
IDEMPOTENCE_KEY_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")


def money_value(amount: Decimal) -> str:
    """Decimal("1500") → "1500.00", the way payment APIs spell amounts."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"An amount must be a Decimal, not {type(amount).__name__}")
    value = Decimal(amount).quantize(KOPECK, ROUND_HALF_UP)
    if value <= 0:
        raise ValueError("A payment amount must be positive")
    return f"{value:.2f}"


def check_payment_request(*, currency: str, idempotence_key: str) -> None:
    if not isinstance(currency, str) or not CURRENCY_RE.fullmatch(currency):
        raise ValueError(f"A currency is three capital letters (ISO 4217), not {currency!r}")
    if not isinstance(idempotence_key, str) or not IDEMPOTENCE_KEY_RE.fullmatch(idempotence_key):
        raise ValueError("An idempotence key is 1 to 64 letters, digits and ._:-")


def sender_address(meta: Mapping[str, str], *, proxy_hops: int = 0) -> str:
    """The address a request came from, for checking it against a provider's networks.

    With no proxy it is REMOTE_ADDR. Behind ``proxy_hops`` trusted reverse proxies it is the
    address the outermost of them received the request from: each proxy appends to
    X-Forwarded-For the address it was talking to, so it is the proxy_hops-th entry from the
    right; anything further left was written by the sender and proves nothing. "" when the
    header is shorter than that, which no allow-list matches.
    """
    if proxy_hops <= 0:
        return meta.get("REMOTE_ADDR", "") or ""
    hops = [h.strip() for h in (meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")]
    hops = [h for h in hops if h]
    if len(hops) < proxy_hops:
        return ""
    return hops[-proxy_hops]
