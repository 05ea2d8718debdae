"""Online payment providers. ``get_provider()`` gives the configured one.

provider = get_provider()
created = provider.create_payment(amount=..., currency="RUB", description=...,
                                  return_url=..., idempotence_key=..., metadata={...})
redirect(created.confirmation_url)
...
state = get_provider(payment.provider).parse_notification(body=request.body,
                                                          remote_addr=...)
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    FINAL_STATUSES,
    PAY_METHODS,
    CreatedPayment,
    PaymentError,
    PaymentNotFound,
    PaymentProvider,
    PaymentRejected,
    PaymentState,
    PaymentStatus,
    PaymentUnavailable,
    PayMethod,
    ReceiptState,
    sender_address,
)

PROVIDER_CODES = ("sandbox", "yookassa")

__all__ = [
    "FINAL_STATUSES",
    "PAY_METHODS",
    "PROVIDER_CODES",
    "CreatedPayment",
    "PayMethod",
    "PaymentError",
    "PaymentNotFound",
    "PaymentProvider",
    "PaymentRejected",
    "PaymentState",
    "PaymentStatus",
    "PaymentUnavailable",
    "ReceiptState",
    "get_provider",
    "online_provider",
    "sandbox_in_production",
    "sender_address",
]


def get_provider(code: str | None = None) -> PaymentProvider:
    """The provider with this code, or the configured one (``PAYMENT_PROVIDER``).

    Pass the code stored with a payment when handling its notification, so that payments made
    before a switch of provider are still understood.
    """
    code = code or settings.PAYMENT_PROVIDER
    unknown = [m for m in settings.PAYMENT_METHODS if m not in PAY_METHODS]
    if unknown:
        raise ImproperlyConfigured(
            f"PAYMENT_METHODS: unknown {', '.join(unknown)}; known: {', '.join(PAY_METHODS)}"
        )
    methods = tuple(PAY_METHODS[m] for m in settings.PAYMENT_METHODS)
    if code == "sandbox":
        from .sandbox import SandboxProvider

        return SandboxProvider(methods=methods)
    if code == "yookassa":
        from .yookassa import YooKassaProvider

        return YooKassaProvider.from_settings(methods=methods)
    raise ImproperlyConfigured(
        f"PAYMENT_PROVIDER is {code!r}; it must be one of {', '.join(PROVIDER_CODES)}"
    )


def online_provider() -> PaymentProvider | None:
    """The provider clients pay invoices through, or None when online payment is off
    (``PAYMENT_ONLINE=False``) or not configured properly (the system check says why)."""
    if not settings.PAYMENT_ONLINE:
        return None
    try:
        return get_provider()
    except ImproperlyConfigured:
        return None


def sandbox_in_production() -> bool:
    """Clients pay through the sandbox with DEBUG off. The start stops on it (billing.E002)
    unless PAYMENT_SANDBOX_IN_PRODUCTION allows it; the sandbox's pages then say in large
    letters that no money moves."""
    return not settings.DEBUG and settings.PAYMENT_ONLINE and settings.PAYMENT_PROVIDER == "sandbox"
