from billing.checks import payment_provider_is_configured


def test_a_configured_provider_passes_the_check(settings):
    assert payment_provider_is_configured(None) == []


def test_yookassa_without_a_secret_key_fails_the_check(settings):
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_SHOP_ID = "123456"
    settings.YOOKASSA_SECRET_KEY = ""
    [error] = payment_provider_is_configured(None)
    assert error.id == "billing.E001"
    assert "YOOKASSA_SECRET_KEY" in error.msg
