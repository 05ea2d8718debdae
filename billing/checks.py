import os

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from crm.checks import START


@checks.register()
def payment_provider_is_configured(app_configs, **kwargs):
    """A wrong payment setting shows at start-up, not when a client presses «Оплатить»."""
    from .payments import get_provider

    try:
        get_provider()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="billing.E001")]
    return []


@checks.register(checks.Tags.security, START)
def sandbox_payments_in_production(app_configs, **kwargs):
    """The sandbox's page marks invoices paid with no money moving: fine on a laptop, a hole
    on a real site. Production chooses a real provider or switches online payment off; a
    staging or demo site may keep the sandbox by saying so."""
    from .payments import sandbox_in_production

    if not sandbox_in_production() or settings.PAYMENT_SANDBOX_IN_PRODUCTION:
        return []
    return [
        checks.Error(
            "PAYMENT_PROVIDER is 'sandbox' with DEBUG off: anyone with an invoice link can "
            "'pay' it on the test page and the invoice becomes paid without any money.",
            hint="Set PAYMENT_PROVIDER=yookassa with YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY, "
            "or PAYMENT_ONLINE=False to take payments by bank transfer only. A staging or demo "
            "site that must run the sandbox sets PAYMENT_SANDBOX_IN_PRODUCTION=True.",
            id="billing.E002",
        )
    ]


@checks.register()
def tax_system_comes_from_the_regime(app_configs, **kwargs):
    """The receipts' tax system used to be a setting that could contradict the seller's
    regime; it is read from the regime now, and a leftover setting should not mislead."""
    if not os.environ.get("YOOKASSA_TAX_SYSTEM_CODE"):
        return []
    return [
        checks.Warning(
            "YOOKASSA_TAX_SYSTEM_CODE is set but no longer read: 54-ФЗ receipts name the tax "
            "system of the seller's regime.",
            hint="Choose the regime on the «Налог» page (/billing/tax/) and remove the variable.",
            id="billing.W001",
        )
    ]
