from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def payment_provider_is_configured(app_configs, **kwargs):
    """A wrong payment setting shows at start-up, not when a client presses «Оплатить»."""
    from .payments import get_provider

    try:
        get_provider()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="billing.E001")]
    return []
