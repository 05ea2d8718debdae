import base64
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from billing.payments import (
    PaymentError,
    PaymentNotFound,
    PaymentRejected,
    PaymentStatus,
    PaymentUnavailable,
    get_provider,
)
from billing.payments.receipt import ReceiptLine, build_receipt
from billing.payments.yookassa import YooKassaProvider, is_yookassa_address

from .fake_yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa

YOOKASSA_IP = "185.71.76.10"


@pytest.fixture
def api():
    return FakeYooKassa()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def provider(api, sleeps):
    return YooKassaProvider(
        shop_id=SHOP_ID, secret_key=SECRET_KEY, transport=api.transport, sleep=sleeps.append
    )


def create(provider, key="invoice-7-1", amount=Decimal("12345.67"), **extra):
    return provider.create_payment(
        amount=amount,
        currency="RUB",
        description="Оплата по счёту № 7 от 5 марта 2026 г.",
        return_url="https://crm.example.ru/i/token/",
        idempotence_key=key,
        metadata={"invoice_id": 7},
        **extra,
    )


def notification(payment_id, status="succeeded", value="1.00", event=None):
    return json.dumps(
        {
            "type": "notification",
            "event": event or f"payment.{status}",
            "object": {
                "id": payment_id,
                "status": status,
                "paid": status == "succeeded",
                "amount": {"value": value, "currency": "RUB"},
            },
        }
    ).encode()


# Creating a payment ------------------------------------------------------------------------


def test_it_creates_a_payment_with_basic_auth_and_the_idempotence_key(provider, api):
    created = create(provider)

    request = api.requests[0]
    assert (request.method, str(request.url)) == ("POST", "https://api.yookassa.ru/v3/payments")
    credentials = base64.b64decode(request.headers["Authorization"].removeprefix("Basic "))
    assert credentials.decode() == f"{SHOP_ID}:{SECRET_KEY}"
    assert request.headers["Idempotence-Key"] == "invoice-7-1"
    assert json.loads(request.content) == {
        "amount": {"value": "12345.67", "currency": "RUB"},
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": "https://crm.example.ru/i/token/"},
        "description": "Оплата по счёту № 7 от 5 марта 2026 г.",
        "metadata": {"invoice_id": "7"},
    }
    assert created.status == PaymentStatus.PENDING
    assert created.provider_payment_id in api.payments
    assert created.confirmation_url.endswith(f"orderId={created.provider_payment_id}")


def test_the_same_idempotence_key_gives_the_same_payment(provider, api):
    first, again = create(provider), create(provider)
    assert first.provider_payment_id == again.provider_payment_id
    assert len(api.payments) == 1
    assert create(provider, key="invoice-7-2").provider_payment_id != first.provider_payment_id


def test_it_sends_the_receipt_when_given(provider, api):
    receipt = build_receipt(
        lines=[
            ReceiptLine("Разработка сайта", Decimal("1"), Decimal("12000.00"), 22),
            ReceiptLine("Хостинг, мес.", Decimal("3"), Decimal("345.67"), 22),
        ],
        total=Decimal("12345.67"),
        email="client@example.ru",
        tax_system_code=1,
    )
    create(provider, receipt=receipt)

    sent = json.loads(api.requests[0].content)["receipt"]
    assert sent["customer"] == {"email": "client@example.ru"}
    assert sent["tax_system_code"] == 1
    assert sent["items"][0] == {
        "description": "Разработка сайта",
        "quantity": "1",
        "amount": {"value": "12000.00", "currency": "RUB"},
        "vat_code": 11,
        "payment_mode": "full_payment",
        "payment_subject": "service",
        "measure": "piece",
    }
    # 3 × 115.22 is not 345.67: one unit at the line total keeps the sum exact.
    assert (sent["items"][1]["quantity"], sent["items"][1]["amount"]["value"]) == ("1", "345.67")


def test_a_server_error_is_retried_with_the_same_key(provider, api, sleeps):
    api.fail_next(500, 503)
    created = create(provider)

    posts = [r for r in api.requests if r.method == "POST"]
    assert len(posts) == 3
    assert {r.headers["Idempotence-Key"] for r in posts} == {"invoice-7-1"}
    assert len(api.payments) == 1  # the 500 had created it: the retry got the same payment
    assert created.provider_payment_id in api.payments
    assert sleeps == [0.5, 1.0]


def test_a_dropped_connection_and_a_202_are_retried_with_the_same_key(provider, api):
    api.fail_next("drop", 202)
    create(provider)
    assert [r.headers["Idempotence-Key"] for r in api.requests] == ["invoice-7-1"] * 3
    assert len(api.payments) == 1


def test_it_gives_up_after_three_server_errors(provider, api):
    api.fail_next(500, 500, 500)
    with pytest.raises(PaymentUnavailable, match="3 attempts"):
        create(provider)
    assert len(api.requests) == 3


def test_a_client_error_is_not_retried(provider, api):
    create(provider, amount=Decimal("100"))
    with pytest.raises(PaymentRejected) as refused:
        create(provider, amount=Decimal("200"))  # the same key with other data
    assert refused.value.status_code == 400
    assert refused.value.code == "invalid_request"
    assert len(api.requests) == 2


def test_wrong_credentials_are_refused_without_retry(api):
    provider = YooKassaProvider(shop_id=SHOP_ID, secret_key="wrong", transport=api.transport)
    with pytest.raises(PaymentRejected) as refused:
        create(provider)
    assert refused.value.status_code == 401
    assert len(api.requests) == 1


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), 12.5])
def test_it_refuses_to_ask_for_a_wrong_amount(provider, api, amount):
    with pytest.raises((ValueError, TypeError)):
        create(provider, amount=amount)
    assert api.requests == []


def test_an_unexpected_answer_is_an_error(sleeps):
    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    provider = YooKassaProvider(shop_id=SHOP_ID, secret_key=SECRET_KEY, transport=transport)
    with pytest.raises(PaymentError):
        create(provider)


# Fetching ----------------------------------------------------------------------------------


def test_it_fetches_a_payment_by_id(provider, api):
    payment_id = api.add_payment(value="1500.00", metadata={"invoice_id": "7"})
    state = provider.fetch_payment(payment_id)
    assert api.paths == [("GET", f"/v3/payments/{payment_id}")]
    assert state.id == payment_id
    assert state.status == PaymentStatus.SUCCEEDED and state.paid and state.succeeded
    assert (state.amount, state.currency) == (Decimal("1500.00"), "RUB")
    assert state.metadata == {"invoice_id": "7"}


def test_an_unknown_payment_is_not_found(provider):
    with pytest.raises(PaymentNotFound):
        provider.fetch_payment("2d8f3a4e-000f-5000-8000-18db351245c7")


def test_a_payment_id_cannot_leave_the_payments_path(provider, api):
    with pytest.raises(PaymentNotFound):
        provider.fetch_payment("../refunds")
    assert api.requests == []


# Notifications -----------------------------------------------------------------------------


def test_a_notification_from_yookassa_returns_the_fetched_payment(provider, api):
    payment_id = api.add_payment(value="1500.00", metadata={"invoice_id": "7"})
    state = provider.parse_notification(body=notification(payment_id), remote_addr=YOOKASSA_IP)
    assert api.paths == [("GET", f"/v3/payments/{payment_id}")]
    assert state.succeeded
    assert state.amount == Decimal("1500.00")
    assert state.metadata == {"invoice_id": "7"}


def test_the_fetched_status_and_amount_win_over_a_forged_body(provider, api):
    payment_id = api.add_payment(value="1500.00", status="pending")
    state = provider.parse_notification(
        body=notification(payment_id, status="succeeded", value="999999.00"),
        remote_addr=YOOKASSA_IP,
    )
    assert state.status == PaymentStatus.PENDING
    assert not state.paid and not state.succeeded
    assert state.amount == Decimal("1500.00")


def test_a_notification_from_a_foreign_address_is_ignored_without_asking_the_api(provider, api):
    payment_id = api.add_payment()
    body = notification(payment_id)
    for address in ["8.8.8.8", "185.71.76.32", "77.75.156.12", "", "garbage", "2a02:5180:0:1::1"]:
        assert provider.parse_notification(body=body, remote_addr=address) is None
    assert api.requests == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"notification"',
        b"[" * 100000,
        b'{"type": "notification"}',
        b'{"type": "notification", "event": "payment.succeeded"}',
        b'{"type": "notification", "event": "payment.succeeded", "object": []}',
        b'{"type": "notification", "event": "payment.succeeded", "object": {"id": 5}}',
        b'{"type": "notification", "event": "payment.succeeded", "object": {"id": "../me"}}',
        b'{"type": "notification", "event": "refund.succeeded", "object": {"id": "abc-1"}}',
        b'{"type": "other", "event": "payment.succeeded", "object": {"id": "abc-1"}}',
    ],
)
def test_a_malformed_notification_is_ignored_without_asking_the_api(provider, api, body):
    assert provider.parse_notification(body=body, remote_addr=YOOKASSA_IP) is None
    assert api.requests == []


def test_a_notification_about_a_payment_of_another_shop_is_ignored(provider, api):
    body = notification("2d8f3a4e-000f-5000-8000-18db351245c7")
    assert provider.parse_notification(body=body, remote_addr=YOOKASSA_IP) is None
    assert len(api.requests) == 1  # asked, and the API does not know it


def test_a_notification_while_the_api_is_down_raises_so_that_it_is_delivered_again(provider, api):
    payment_id = api.add_payment()
    api.fail_next(500, 500, 500)
    with pytest.raises(PaymentUnavailable):
        provider.parse_notification(body=notification(payment_id), remote_addr=YOOKASSA_IP)


def test_a_notification_that_cannot_be_checked_with_our_credentials_raises(api):
    payment_id = api.add_payment()
    provider = YooKassaProvider(shop_id=SHOP_ID, secret_key="rotated", transport=api.transport)
    with pytest.raises(PaymentRejected) as refused:
        provider.parse_notification(body=notification(payment_id), remote_addr=YOOKASSA_IP)
    assert refused.value.status_code == 401


def test_too_many_requests_is_retried_with_the_same_key(provider, api, sleeps):
    api.fail_next(429)
    create(provider)
    assert [r.headers["Idempotence-Key"] for r in api.requests] == ["invoice-7-1"] * 2
    assert sleeps == [0.5]


@pytest.mark.parametrize(
    ("address", "trusted"),
    [
        ("185.71.76.0", True),
        ("185.71.76.31", True),
        ("185.71.76.32", False),
        ("185.71.77.5", True),
        ("77.75.153.127", True),
        ("77.75.153.128", False),
        ("77.75.154.200", True),
        ("77.75.156.11", True),
        ("77.75.156.35", True),
        ("77.75.156.36", False),
        ("::ffff:185.71.76.1", True),
        ("::ffff:8.8.8.8", False),
        ("2a02:5180:0:1509::1", True),
        ("2a02:5180:0:2655:ffff:ffff:ffff:ffff", True),
        ("2a02:5180:0:1533::abcd", True),
        ("2A02:5180:0:2669::10", True),
        ("2a02:5180:0:1510::1", False),
        ("2a02:5181:0:1509::1", False),
        ("::1", False),
        ("127.0.0.1", False),
        ("185.71.76.1, 8.8.8.8", False),
        (" 185.71.76.1 ", True),
        ("", False),
        (None, False),
    ],
)
def test_yookassa_networks(address, trusted):
    assert is_yookassa_address(address) is trusted


# Settings ----------------------------------------------------------------------------------


def test_get_provider_builds_yookassa_from_settings(settings):
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_SHOP_ID = SHOP_ID
    settings.YOOKASSA_SECRET_KEY = SECRET_KEY
    settings.YOOKASSA_RECEIPTS = True
    settings.YOOKASSA_RECEIPT_SMS = True
    settings.PAYMENT_METHODS = ["mir", "sbp"]
    provider = get_provider()
    assert isinstance(provider, YooKassaProvider)
    assert provider.receipts is True and provider.receipt_sms is True
    assert not hasattr(provider, "tax_system_code")  # the seller's regime names it
    assert [m.title for m in provider.methods] == ["Мир", "СБП"]


def test_yookassa_without_credentials_is_a_configuration_error(settings):
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_SHOP_ID = ""
    with pytest.raises(ImproperlyConfigured, match="YOOKASSA_SHOP_ID"):
        get_provider()


def test_a_leftover_tax_system_setting_is_reported_not_read(monkeypatch):
    from billing.checks import tax_system_comes_from_the_regime

    assert tax_system_comes_from_the_regime(None) == []
    monkeypatch.setenv("YOOKASSA_TAX_SYSTEM_CODE", "2")
    [warning] = tax_system_comes_from_the_regime(None)
    assert warning.id == "billing.W001" and "no longer read" in warning.msg
