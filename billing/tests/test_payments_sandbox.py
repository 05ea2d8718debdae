import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve, reverse

from billing.models import SandboxPayment
from billing.payments import (
    PaymentNotFound,
    PaymentRejected,
    PaymentStatus,
    get_provider,
)
from billing.payments.sandbox import NOTIFICATION_SALT, SandboxProvider

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def sandbox():
    return SandboxProvider()


def create(sandbox, key="invoice-7-1", amount=Decimal("1500.00"), **extra):
    return sandbox.create_payment(
        amount=amount,
        currency="RUB",
        description="Оплата по счёту № 7",
        return_url="/i/token/",
        idempotence_key=key,
        metadata={"invoice_id": 7},
        **extra,
    )


def test_nothing_configured_means_the_sandbox():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT_", "YOOKASSA_"))}
    script = (
        "import django; django.setup(); from billing.payments import get_provider; "
        "p = get_provider(); print(p.code, ','.join(m.code for m in p.methods))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "crm.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["sandbox", "mir,visa,mastercard,sbp"], result.stderr


def test_an_unknown_provider_or_method_is_a_configuration_error(settings):
    with pytest.raises(ImproperlyConfigured, match="PAYMENT_PROVIDER"):
        get_provider("paypal")
    settings.PAYMENT_METHODS = ["mir", "amex"]
    with pytest.raises(ImproperlyConfigured, match="amex"):
        get_provider()


def test_it_creates_a_pending_payment_behind_an_unguessable_page(sandbox):
    created = create(sandbox)

    assert created.status == PaymentStatus.PENDING
    assert created.provider_payment_id.startswith("sbx_")
    assert len(created.provider_payment_id) >= 40
    assert created.confirmation_url == f"/p/pay/sandbox/{created.provider_payment_id}/"
    match = resolve(created.confirmation_url)
    assert match.view_name == "billing:sandbox_payment"
    assert match.kwargs == {"payment_id": created.provider_payment_id}
    row = SandboxPayment.objects.get()
    assert (row.amount, row.currency) == (Decimal("1500.00"), "RUB")
    assert row.metadata == {"invoice_id": "7"}
    assert create(sandbox, key="invoice-7-2").provider_payment_id != created.provider_payment_id


def test_the_same_idempotence_key_gives_the_same_payment(sandbox):
    assert create(sandbox).provider_payment_id == create(sandbox).provider_payment_id
    assert SandboxPayment.objects.count() == 1


def test_the_same_key_with_another_amount_is_refused(sandbox):
    create(sandbox)
    with pytest.raises(PaymentRejected):
        create(sandbox, amount=Decimal("1600"))
    assert SandboxPayment.objects.count() == 1


def test_it_keeps_the_receipt_it_was_given(sandbox):
    receipt = {"customer": {"email": "a@example.ru"}, "items": []}
    create(sandbox, receipt=receipt)
    assert SandboxPayment.objects.get().receipt == receipt


def test_paying_on_the_page_yields_a_notification_that_verifies_to_succeeded(sandbox):
    created = create(sandbox)
    body = sandbox.complete(created.provider_payment_id, succeeded=True)

    state = sandbox.parse_notification(body=body, remote_addr="203.0.113.5")
    assert state.id == created.provider_payment_id
    assert state.status == PaymentStatus.SUCCEEDED and state.paid and state.succeeded
    assert (state.amount, state.currency) == (Decimal("1500.00"), "RUB")
    assert state.metadata == {"invoice_id": "7"}
    assert sandbox.fetch_payment(created.provider_payment_id) == state


def test_refusing_on_the_page_cancels(sandbox):
    created = create(sandbox)
    state = sandbox.parse_notification(
        body=sandbox.complete(created.provider_payment_id, succeeded=False), remote_addr=""
    )
    assert state.status == PaymentStatus.CANCELED
    assert not state.paid and state.is_final


def test_a_final_status_never_changes(sandbox):
    created = create(sandbox)
    sandbox.complete(created.provider_payment_id, succeeded=True)
    body = sandbox.complete(created.provider_payment_id, succeeded=False)
    assert sandbox.parse_notification(body=body, remote_addr="").succeeded
    assert sandbox.fetch_payment(created.provider_payment_id).status == PaymentStatus.SUCCEEDED


def test_the_ledger_wins_over_what_a_notification_says(sandbox):
    created = create(sandbox)
    # Correctly signed, but the payment is still pending in the ledger.
    body = signing.dumps(
        {"event": "payment.succeeded", "payment_id": created.provider_payment_id},
        salt=NOTIFICATION_SALT,
    ).encode()
    state = sandbox.parse_notification(body=body, remote_addr="")
    assert state.status == PaymentStatus.PENDING and not state.paid


@pytest.mark.parametrize(
    "forge",
    [
        lambda pid: b"",
        lambda pid: b"\xff\xfe",
        lambda pid: f'{{"event": "payment.succeeded", "payment_id": "{pid}"}}'.encode(),
        lambda pid: signing.dumps({"payment_id": pid}, salt="another.salt").encode(),
        lambda pid: signing.dumps({"payment_id": pid}, salt=NOTIFICATION_SALT, key="x").encode(),
        lambda pid: signing.dumps({"payment_id": pid}, salt=NOTIFICATION_SALT).encode() + b"x",
        lambda pid: signing.dumps([pid], salt=NOTIFICATION_SALT).encode(),
        lambda pid: signing.dumps({"payment_id": 5}, salt=NOTIFICATION_SALT).encode(),
        lambda pid: signing.dumps({"payment_id": "sbx_nope"}, salt=NOTIFICATION_SALT).encode(),
    ],
)
def test_a_forged_or_malformed_notification_is_ignored(sandbox, forge):
    created = create(sandbox)
    sandbox.complete(created.provider_payment_id, succeeded=True)
    body = forge(created.provider_payment_id)
    assert sandbox.parse_notification(body=body, remote_addr="") is None


def test_a_stale_notification_is_ignored(sandbox, monkeypatch):
    created = create(sandbox)
    body = sandbox.complete(created.provider_payment_id, succeeded=True)
    import time

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 2 * 24 * 60 * 60)
    assert sandbox.parse_notification(body=body, remote_addr="") is None


def test_an_unknown_payment_is_not_found(sandbox):
    with pytest.raises(PaymentNotFound):
        sandbox.fetch_payment("sbx_unknown")
    with pytest.raises(PaymentNotFound):
        sandbox.complete("sbx_unknown", succeeded=True)
    assert sandbox.payment("sbx_unknown") is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "rub"), ("idempotence_key", ""), ("idempotence_key", "k" * 65)],
)
def test_it_refuses_a_malformed_request(sandbox, field, value):
    kwargs = {"currency": "RUB", "idempotence_key": "invoice-7-1"} | {field: value}
    with pytest.raises(ValueError):
        sandbox.create_payment(
            amount=Decimal("1"), description="x", return_url="/", metadata={}, **kwargs
        )
    assert not SandboxPayment.objects.exists()


# What the client sees -------------------------------------------------------------------

LOUD = '<p class="display-6 fw-bold mb-2">Тестовый режим оплаты: деньги не списываются</p>'


def sandbox_pages(anon, invoice) -> list[str]:
    """The client's invoice page with the pay button, and the sandbox page it leads to."""
    invoice_page = anon.get(invoice.public_path())
    assert "Оплатить онлайн" in invoice_page.text
    started = anon.post(reverse("billing:invoice_public_pay", args=[invoice.token]))
    assert started["Location"].startswith("/p/pay/sandbox/sbx_")
    payment_page = anon.get(started["Location"])
    assert "Оплатить" in payment_page.text
    return [invoice_page.text, payment_page.text]


def test_a_site_running_the_sandbox_with_debug_off_says_so_in_large_letters(
    anon, invoice, sandbox_settings
):
    sandbox_settings.DEBUG = False
    sandbox_settings.PAYMENT_SANDBOX_IN_PRODUCTION = True
    for page in sandbox_pages(anon, invoice):
        assert LOUD in page
        assert "банковским переводом по реквизитам" in page


def test_a_developer_machine_shows_a_small_note(anon, invoice, sandbox_settings):
    sandbox_settings.DEBUG = True
    for page in sandbox_pages(anon, invoice):
        assert "Тестовый режим оплаты: деньги не списываются." in page
        assert "display-6" not in page


def test_no_sandbox_note_when_clients_pay_by_transfer(anon, invoice, settings):
    settings.DEBUG, settings.PAYMENT_ONLINE = False, False
    page = anon.get(invoice.public_path()).text
    assert "Скачать PDF" in page and "Оплатить онлайн" not in page
    assert "Тестовый режим оплаты" not in page
