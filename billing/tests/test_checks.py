import pytest
from django.core.exceptions import ImproperlyConfigured

from billing.checks import payment_provider_is_configured, sandbox_payments_in_production
from crm.checks import refuse_unsafe_start


def test_a_configured_provider_passes_the_check(settings):
    assert payment_provider_is_configured(None) == []


def test_yookassa_without_a_secret_key_fails_the_check(settings):
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_SHOP_ID = "123456"
    settings.YOOKASSA_SECRET_KEY = ""
    [error] = payment_provider_is_configured(None)
    assert error.id == "billing.E001"
    assert "YOOKASSA_SECRET_KEY" in error.msg


def test_the_sandbox_with_debug_off_is_an_error_unless_the_site_says_so(settings):
    settings.DEBUG, settings.PAYMENT_ONLINE, settings.PAYMENT_PROVIDER = False, True, "sandbox"
    settings.PAYMENT_SANDBOX_IN_PRODUCTION = False
    [error] = sandbox_payments_in_production(None)
    assert error.id == "billing.E002" and error.is_serious()
    assert "PAYMENT_SANDBOX_IN_PRODUCTION" in error.hint
    settings.PAYMENT_SANDBOX_IN_PRODUCTION = True
    assert sandbox_payments_in_production(None) == []


def test_the_sandbox_is_no_error_with_debug_on_or_online_payment_off(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_IN_PRODUCTION = False
    settings.DEBUG, settings.PAYMENT_ONLINE = True, True
    assert sandbox_payments_in_production(None) == []
    settings.DEBUG, settings.PAYMENT_ONLINE = False, False
    assert sandbox_payments_in_production(None) == []


def test_the_start_is_refused_with_the_same_messages_as_the_check(settings):
    settings.DEBUG, settings.PAYMENT_ONLINE, settings.PAYMENT_PROVIDER = False, True, "sandbox"
    settings.PAYMENT_SANDBOX_IN_PRODUCTION = False
    settings.SECRET_KEY = "a-real-secret-key-" + "x7Q!" * 12
    with pytest.raises(ImproperlyConfigured, match=r"billing\.E002"):
        refuse_unsafe_start()
    settings.SILENCED_SYSTEM_CHECKS = ["billing.E002"]
    refuse_unsafe_start()
    settings.SILENCED_SYSTEM_CHECKS = []
    settings.PAYMENT_SANDBOX_IN_PRODUCTION = True
    refuse_unsafe_start()
