"""Paying invoices: online through the sandbox and YooKassa (its API faked at the HTTP
transport), notifications delivered many times, partial and mismatched payments, payments
marked by hand and undone by the head of sales."""

import json
import re
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice, Payment, SandboxPayment
from billing.payments import get_provider
from crm.models import OutgoingEmail
from deals.models import DealEvent, Stage, StageAutomation

from .fake_yookassa import SECRET_KEY, SHOP_ID

YOOKASSA_IP = "185.71.76.10"


@pytest.fixture
def paid_stage(db):
    stage = Stage.objects.get(name="Оплачено")
    StageAutomation.objects.update_or_create(pk=1, defaults={"invoice_paid_stage": stage})
    return stage


def pay_url(invoice):
    return reverse("billing:invoice_public_pay", args=[invoice.token])


def notify_url(provider):
    return reverse("billing:payment_notify", args=[provider])


def paid_emails():
    return [m for m in mail.outbox if "оплачен" in m.subject]


def sums_agree(invoice) -> bool:
    invoice.refresh_from_db()
    applied = sum((p.amount for p in invoice.payments.filter(applied=True)), Decimal("0"))
    return invoice.paid_amount == applied


# The sandbox, from the client's link to "paid" ---------------------------------------


def test_the_client_pays_in_the_sandbox_and_the_manager_gets_one_email(
    anon,
    invoice,
    sandbox_settings,
    paid_stage,
    manager_a,
    django_capture_on_commit_callbacks,
):
    page = anon.get(invoice.public_path())
    assert "Оплатить онлайн 122\xa0500,00 ₽" in page.text
    for icon in ("mir", "visa", "mastercard", "sbp"):
        assert f"/static/img/pay/{icon}.svg" in page.text

    response = anon.post(pay_url(invoice))
    assert response.status_code == 302
    sandbox_page = response["Location"]
    assert sandbox_page.startswith("/p/pay/sandbox/sbx_")
    payment = Payment.objects.get()
    assert (payment.status, payment.requested_amount) == ("pending", Decimal("122500.00"))

    page = anon.get(sandbox_page)
    assert page.status_code == 200
    assert "Тестовый режим оплаты: деньги не списываются" in page.text
    assert "122\xa0500,00" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(sandbox_page, {"action": "pay"})
        # The client presses again, or the provider repeats its notification: no change.
        anon.post(sandbox_page, {"action": "pay"})
    assert response.status_code == 302
    # Back to the invoice's page on the same site, whatever SITE_URL says.
    assert response["Location"] == invoice.public_path() + "?payment=return"

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.paid_amount == invoice.total
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.applied and payment.paid_on
    assert Payment.objects.count() == 1
    [message] = paid_emails()
    assert message.to == [manager_a.email]
    assert f"Счёт № {invoice.number} от" in message.subject
    assert "онлайн (тестовая оплата)" in message.body
    assert DealEvent.objects.filter(deal=invoice.deal, kind="invoice.paid").count() == 1
    invoice.deal.refresh_from_db()
    assert invoice.deal.stage == paid_stage
    page = anon.get(invoice.public_path() + "?payment=return")
    assert "Счёт оплачен." in page.text and "Оплатить онлайн" not in page.text


def test_refusing_in_the_sandbox_leaves_the_invoice_to_pay_again(anon, invoice, sandbox_settings):
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    anon.post(sandbox_page, {"action": "cancel"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert Payment.objects.get().status == "canceled"
    again = anon.post(pay_url(invoice))["Location"]
    assert again != sandbox_page  # a new attempt, a new payment
    assert Payment.objects.count() == 2 and SandboxPayment.objects.count() == 2


def test_a_double_click_gives_the_same_payment(anon, invoice, sandbox_settings):
    first = anon.post(pay_url(invoice))["Location"]
    second = anon.post(pay_url(invoice))["Location"]
    assert first == second
    assert Payment.objects.count() == 1 and SandboxPayment.objects.count() == 1


def test_the_rest_of_a_partly_paid_invoice_is_paid_online(
    anon, invoice, sandbox_settings, manager_a
):
    services.payment_record(
        invoice=invoice,
        amount=Decimal("22500"),
        paid_on=timezone.localdate(),
        method="transfer",
        by=manager_a,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTLY_PAID
    page = anon.get(invoice.public_path())
    assert "осталось" in page.text and "Оплатить онлайн 100\xa0000,00 ₽" in page.text
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    assert SandboxPayment.objects.get().amount == Decimal("100000.00")
    anon.post(sandbox_page, {"action": "pay"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_amount == Decimal("122500.00") and sums_agree(invoice)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("amount", Decimal("1000.00"), "оплачено 1 000,00 ₽ вместо 122 500,00 ₽"),
        ("currency", "USD", "валюта платежа USD"),
    ],
)
def test_a_payment_of_another_amount_or_currency_is_recorded_but_not_counted(
    anon,
    invoice,
    sandbox_settings,
    manager_a,
    django_capture_on_commit_callbacks,
    field,
    value,
    reason,
):
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    # What the provider's ledger says was paid differs from what was asked.
    SandboxPayment.objects.update(**{field: value})
    with django_capture_on_commit_callbacks(execute=True):
        anon.post(sandbox_page, {"action": "pay"})
        anon.post(sandbox_page, {"action": "pay"})
    payment = Payment.objects.get()
    assert payment.status == "succeeded" and not payment.applied
    assert reason in payment.problem.replace("\xa0", " ")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT and invoice.paid_amount == 0
    [message] = mail.outbox
    assert message.to == [manager_a.email]
    assert "не засчитан" in message.subject
    assert reason in message.body.replace("\xa0", " ")
    assert DealEvent.objects.filter(kind="invoice.payment_problem").count() == 1


def test_an_online_payment_after_a_manual_full_mark_is_flagged_as_a_double_payment(
    anon, invoice, sandbox_settings, manager_a
):
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    services.payment_record(
        invoice=invoice,
        amount=invoice.total,
        paid_on=timezone.localdate(),
        method="transfer",
        by=manager_a,
    )
    anon.post(sandbox_page, {"action": "pay"})
    online = Payment.objects.get(method="online")
    assert not online.applied and "двойная оплата" in online.problem
    invoice.refresh_from_db()
    assert invoice.paid_amount == invoice.total and sums_agree(invoice)


def test_no_online_payment_when_it_is_switched_off(anon, invoice, settings):
    settings.PAYMENT_ONLINE = False
    assert "Оплатить онлайн" not in anon.get(invoice.public_path()).text
    assert anon.post(pay_url(invoice)).status_code == 404
    assert not Payment.objects.exists()


def test_a_paid_or_annulled_invoice_is_not_paid_online(anon, invoice, sandbox_settings, manager_a):
    services.invoice_annul(invoice=invoice, by=manager_a, reason="Дубль")
    page = anon.get(invoice.public_path())
    assert "Счёт аннулирован" in page.text and "Оплатить онлайн" not in page.text
    response = anon.post(pay_url(invoice), follow=True)
    assert "Этот счёт аннулирован" in response.text
    assert not Payment.objects.exists()


def test_the_sandbox_page_does_not_exist_with_a_real_provider(anon, invoice, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY = SHOP_ID, SECRET_KEY
    assert anon.get(sandbox_page).status_code == 404
    assert anon.post(sandbox_page, {"action": "pay"}).status_code == 404
    assert anon.post(notify_url("sandbox"), b"x", content_type="text/plain").status_code == 404
    assert Payment.objects.get().status == "pending"


# Notifications -------------------------------------------------------------------------


def test_the_same_notification_ten_times_gives_one_payment_and_one_email(
    anon, invoice, sandbox_settings, django_capture_on_commit_callbacks
):
    sandbox_page = anon.post(pay_url(invoice))["Location"]
    payment_id = sandbox_page.rstrip("/").rsplit("/", 1)[-1]
    provider = get_provider("sandbox")
    body = provider.complete(payment_id, succeeded=True)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            response = anon.post(notify_url("sandbox"), body, content_type="text/plain")
            assert response.status_code == 200
    assert Payment.objects.count() == 1
    assert len(paid_emails()) == 1
    assert OutgoingEmail.objects.filter(template="invoice_paid").count() == 1
    invoice.refresh_from_db()
    assert invoice.is_paid and invoice.paid_amount == invoice.total


def test_a_forged_notification_changes_nothing(anon, invoice, sandbox_settings):
    anon.post(pay_url(invoice))
    forged = json.dumps({"event": "payment.succeeded", "payment_id": "sbx_x"}).encode()
    response = anon.post(notify_url("sandbox"), forged, content_type="application/json")
    assert response.status_code == 400
    assert anon.post(notify_url("paypal"), forged, content_type="text/plain").status_code == 404
    assert anon.get(notify_url("sandbox")).status_code == 405
    assert Payment.objects.get().status == "pending"
    invoice.refresh_from_db()
    assert invoice.paid_amount == 0


def test_a_notification_that_overtakes_the_redirect_is_still_applied(invoice, sandbox_settings):
    # The provider's payment exists, our row does not yet: the metadata names the invoice.
    provider = get_provider("sandbox")
    created = provider.create_payment(
        amount=invoice.total,
        currency="RUB",
        description="x",
        return_url="/",
        idempotence_key="early-1",
        metadata={"invoice": str(invoice.pk), "nonce": invoice.pay_nonce},
    )
    state = provider.parse_notification(
        body=provider.complete(created.provider_payment_id, succeeded=True), remote_addr=""
    )
    services.payment_notification(provider="sandbox", state=state)
    invoice.refresh_from_db()
    assert invoice.is_paid
    # A payment naming our invoice without its nonce is not ours.
    stranger = provider.create_payment(
        amount=Decimal("5"),
        currency="RUB",
        description="x",
        return_url="/",
        idempotence_key="early-2",
        metadata={"invoice": str(invoice.pk)},
    )
    state = provider.parse_notification(
        body=provider.complete(stranger.provider_payment_id, succeeded=True), remote_addr=""
    )
    assert services.payment_notification(provider="sandbox", state=state) is None
    assert Payment.objects.count() == 1


# YooKassa through its faked API --------------------------------------------------------


def yookassa_notification(payment_id, status="succeeded", value="122500.00"):
    return json.dumps(
        {
            "type": "notification",
            "event": f"payment.{status}",
            "object": {
                "id": payment_id,
                "status": status,
                "paid": status == "succeeded",
                "amount": {"value": value, "currency": "RUB"},
            },
        }
    ).encode()


def test_yookassa_payment_is_created_with_an_idempotence_key_and_applied_after_refetch(
    anon, invoice, yookassa, django_capture_on_commit_callbacks
):
    page = anon.get(invoice.public_path())
    assert "https://yoomoney.ru" in page["Content-Security-Policy"]  # form-action
    response = anon.post(pay_url(invoice))
    assert response.status_code == 302
    assert response["Location"].startswith("https://yoomoney.example/checkout?orderId=")
    [create] = yookassa.requests
    assert (create.method, create.url.path) == ("POST", "/v3/payments")
    key = create.headers["Idempotence-Key"]
    assert key == f"inv-{invoice.pay_nonce}-{invoice.pk}-1"
    body = json.loads(create.content)
    assert body["amount"] == {"value": "122500.00", "currency": "RUB"}
    assert body["confirmation"]["return_url"] == invoice.public_url() + "?payment=return"
    assert body["metadata"] == {"invoice": str(invoice.pk), "nonce": invoice.pay_nonce}
    assert "receipt" not in body  # a company pays: no 54-FZ receipt
    payment = Payment.objects.get()
    assert payment.provider == "yookassa" and payment.idempotence_key == key

    yookassa.set_status(payment.provider_payment_id, "succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(
            notify_url("yookassa"),
            yookassa_notification(payment.provider_payment_id),
            content_type="application/json",
            REMOTE_ADDR=YOOKASSA_IP,
        )
    assert response.status_code == 200
    assert yookassa.paths[-1] == ("GET", f"/v3/payments/{payment.provider_payment_id}")
    invoice.refresh_from_db()
    assert invoice.is_paid
    assert len(paid_emails()) == 1
    assert "ЮKassa" in paid_emails()[0].body


def test_a_yookassa_notification_from_a_foreign_address_does_nothing(anon, invoice, yookassa):
    anon.post(pay_url(invoice))
    payment = Payment.objects.get()
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    calls = len(yookassa.requests)
    response = anon.post(
        notify_url("yookassa"),
        yookassa_notification(payment.provider_payment_id),
        content_type="application/json",
        REMOTE_ADDR="203.0.113.5",
    )
    assert response.status_code == 400
    assert len(yookassa.requests) == calls  # not even asked
    payment.refresh_from_db()
    assert payment.status == "pending"
    invoice.refresh_from_db()
    assert invoice.paid_amount == 0


def test_a_forged_yookassa_status_does_nothing(anon, invoice, yookassa):
    anon.post(pay_url(invoice))
    payment = Payment.objects.get()  # still pending at YooKassa
    response = anon.post(
        notify_url("yookassa"),
        yookassa_notification(payment.provider_payment_id, value="1.00"),
        content_type="application/json",
        REMOTE_ADDR=YOOKASSA_IP,
    )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == "pending"
    invoice.refresh_from_db()
    assert invoice.paid_amount == 0 and invoice.status == Invoice.Status.SENT


def test_behind_a_proxy_only_the_address_the_proxy_saw_counts(anon, invoice, yookassa, settings):
    settings.PAYMENT_WEBHOOK_PROXY_HOPS = 1
    anon.post(pay_url(invoice))
    payment = Payment.objects.get()
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    body = yookassa_notification(payment.provider_payment_id)
    spoofed = anon.post(
        notify_url("yookassa"),
        body,
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"{YOOKASSA_IP}, 203.0.113.7",
    )
    assert spoofed.status_code == 400
    real = anon.post(
        notify_url("yookassa"),
        body,
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"203.0.113.7, {YOOKASSA_IP}",
    )
    assert real.status_code == 200
    invoice.refresh_from_db()
    assert invoice.is_paid


def test_back_from_yookassa_the_page_asks_for_the_payment_state(anon, invoice, yookassa):
    anon.post(pay_url(invoice))
    payment = Payment.objects.get()
    yookassa.set_status(payment.provider_payment_id, "succeeded")
    # The notification is late: the client's return shows the payment all the same.
    page = anon.get(invoice.public_path() + "?payment=return")
    assert "Счёт оплачен." in page.text
    invoice.refresh_from_db()
    assert invoice.is_paid


def test_yookassa_down_shows_a_clear_message_and_records_nothing(anon, invoice, yookassa):
    yookassa.fail_next(500, 500, 500)
    response = anon.post(pay_url(invoice), follow=True)
    assert "Платёжный сервис сейчас не отвечает" in response.text
    assert not Payment.objects.exists()
    # Later the same key is used again: YooKassa answers with the payment it may have made.
    response = anon.post(pay_url(invoice))
    assert response["Location"].startswith("https://yoomoney.example/")
    keys = {r.headers["Idempotence-Key"] for r in yookassa.requests if r.method == "POST"}
    assert len(keys) == 1


def test_a_pending_yookassa_payment_is_resumed_not_duplicated(anon, invoice, yookassa):
    first = anon.post(pay_url(invoice))["Location"]
    second = anon.post(pay_url(invoice))["Location"]
    assert first == second
    assert len(yookassa.payments) == 1
    # It expired at YooKassa: the next press starts a new payment under a new key.
    yookassa.set_status(Payment.objects.get().provider_payment_id, "canceled")
    third = anon.post(pay_url(invoice))["Location"]
    assert third != first and len(yookassa.payments) == 2
    assert Payment.objects.filter(status="canceled").count() == 1


def test_an_individual_gets_a_54fz_receipt_when_receipts_are_on(
    anon, make_invoice, invoice_deal, person_buyer, yookassa, settings
):
    settings.YOOKASSA_RECEIPTS = True
    invoice_deal.client = person_buyer
    invoice_deal.save()
    invoice = make_invoice()
    anon.post(pay_url(invoice))
    receipt = json.loads(yookassa.requests[0].content)["receipt"]
    assert receipt["customer"] == {"email": "kuzmin@example.ru", "phone": "79031234510"}
    assert receipt["tax_system_code"] == 1  # the seller has no regime row: ОСН
    assert [item["description"] for item in receipt["items"]] == [
        "Разработка сайта",
        "Дизайн страницы",
    ]
    # Paid before the work is done: a full prepayment at the calculated rate 22/122.
    assert {item["payment_mode"] for item in receipt["items"]} == {"full_prepayment"}
    assert {item["vat_code"] for item in receipt["items"]} == {12}
    total = sum(Decimal(i["amount"]["value"]) * Decimal(i["quantity"]) for i in receipt["items"])
    assert total == invoice.total


# Payments marked by hand ---------------------------------------------------------------


def test_a_manager_marks_partial_payments_that_add_up(
    client_a, invoice, paid_stage, manager_a, django_capture_on_commit_callbacks
):
    url = reverse("billing:payment_create", args=[invoice.deal_id, invoice.pk])
    page = client_a.get(url)
    assert 'value="122500,00"' in page.text  # the rest to pay is offered
    today = timezone.localdate().isoformat()
    response = client_a.post(
        url, {"amount": "50 000,00", "paid_on": today, "method": "cash", "comment": "В кассу"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTLY_PAID
    assert invoice.paid_amount == Decimal("50000.00")

    response = client_a.post(url, {"amount": "80000", "paid_on": today, "method": "transfer"})
    assert response.status_code == 400
    assert "Сумма больше остатка к оплате: 72\xa0500,00 ₽." in response.text
    assert 'value="80000"' in response.text

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(url, {"amount": "72500", "paid_on": today, "method": "transfer"})
    invoice.refresh_from_db()
    assert invoice.is_paid and invoice.paid_amount == invoice.total and sums_agree(invoice)
    payment = invoice.payments.order_by("pk").first()
    assert (payment.method, payment.comment, payment.created_by) == ("cash", "В кассу", manager_a)
    # The manager marked it: nobody needs an e-mail about it.
    assert not paid_emails()
    events = DealEvent.objects.filter(deal=invoice.deal, kind="invoice.paid")
    assert events.count() == 2
    invoice.deal.refresh_from_db()
    assert invoice.deal.stage == paid_stage
    assert client_a.get(url).status_code == 302  # nothing left to mark


def mark_paid_in_full(client, invoice, capture):
    url = reverse("billing:payment_create", args=[invoice.deal_id, invoice.pk])
    today = timezone.localdate().isoformat()
    with capture(execute=True):
        response = client.post(url, {"amount": "122500", "paid_on": today, "method": "cash"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.is_paid


def test_payment_never_moves_a_deal_back_to_an_earlier_stage(
    client_a, invoice, manager_a, django_capture_on_commit_callbacks
):
    from deals.services import deal_move

    StageAutomation.objects.update_or_create(
        pk=1, defaults={"invoice_paid_stage": Stage.objects.get(name="Договор")}
    )
    later = Stage.objects.get(name="Счёт выставлен")
    deal_move(deal=invoice.deal, stage=later, by=manager_a)
    mark_paid_in_full(client_a, invoice, django_capture_on_commit_callbacks)
    invoice.deal.refresh_from_db()
    assert invoice.deal.stage == later
    card = client_a.get(invoice.deal.get_absolute_url()).text
    assert "«Счёт выставлен» → «Договор»" not in card


@pytest.mark.parametrize("closed", ["Оплачено", "Проиграна"])
def test_payment_never_moves_a_won_or_lost_deal(
    client_a, invoice, paid_stage, manager_a, closed, django_capture_on_commit_callbacks
):
    from deals.models import LossReason
    from deals.services import deal_move

    StageAutomation.objects.update_or_create(
        pk=1, defaults={"invoice_paid_stage": Stage.objects.get(name="Счёт выставлен")}
    )
    stage = Stage.objects.get(name=closed)
    deal_move(
        deal=invoice.deal,
        stage=stage,
        by=manager_a,
        loss_reason=LossReason.objects.first(),
        comment="Клиент ушёл",
    )
    mark_paid_in_full(client_a, invoice, django_capture_on_commit_callbacks)
    invoice.deal.refresh_from_db()
    assert invoice.deal.stage == stage


def test_payment_moves_the_deal_on_and_says_why_in_the_timeline(
    client_a, invoice, paid_stage, django_capture_on_commit_callbacks
):
    mark_paid_in_full(client_a, invoice, django_capture_on_commit_callbacks)
    invoice.deal.refresh_from_db()
    assert invoice.deal.stage == paid_stage
    event = DealEvent.objects.filter(deal=invoice.deal, kind="stage").latest("pk")
    assert event.text.endswith(f"«Оплачено»: {invoice.title} оплачен")
    assert (
        f"«Оплачено»: {invoice.title} оплачен" in client_a.get(invoice.deal.get_absolute_url()).text
    )


def test_bad_manual_input_is_answered_in_russian(client_a, invoice):
    url = reverse("billing:payment_create", args=[invoice.deal_id, invoice.pk])
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = client_a.post(url, {"amount": "0", "paid_on": tomorrow, "method": ""})
    assert response.status_code == 400
    for message in (
        "Сумма должна быть больше нуля.",
        "Дата оплаты не может быть в будущем.",
        "Выберите способ оплаты.",
    ):
        assert message in response.text
    assert not Payment.objects.exists()


def test_a_payment_marked_by_the_head_emails_the_manager(
    client_head, invoice, manager_a, django_capture_on_commit_callbacks
):
    url = reverse("billing:payment_create", args=[invoice.deal_id, invoice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client_head.post(
            url, {"amount": "122500", "paid_on": timezone.localdate(), "method": "transfer"}
        )
    [message] = paid_emails()
    assert message.to == [manager_a.email]
    assert "банковским переводом, отметил Ольга" in message.body


def test_only_the_head_of_sales_undoes_a_manual_payment(
    client_a, client_head, invoice, manager_a, head
):
    payment = services.payment_record(
        invoice=invoice,
        amount=invoice.total,
        paid_on=timezone.localdate(),
        method="cash",
        by=manager_a,
    )
    url = reverse("billing:payment_undo", args=[invoice.deal_id, invoice.pk, payment.pk])
    assert "Отменить отметку" not in client_a.get(invoice.get_absolute_url()).text
    assert client_a.post(url).status_code == 403
    payment.refresh_from_db()
    assert payment.applied and not payment.is_undone

    assert "Отменить отметку" in client_head.get(invoice.get_absolute_url()).text
    response = client_head.post(url, follow=True)
    assert "Отметка об оплате отменена." in response.text
    payment.refresh_from_db()
    assert payment.is_undone and payment.undone_by == head and not payment.applied
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT and invoice.paid_amount == 0
    assert invoice.paid_at is None
    event = DealEvent.objects.get(kind="invoice.payment_undone")
    assert event.actor == head and "Отменена отметка об оплате" in event.text
    # The undone payment stays in the history, struck out.
    assert f'id="payment-{payment.pk}"' in response.text and "Отметка отменена" in response.text
    client_head.post(url)  # twice changes nothing
    invoice.refresh_from_db()
    assert invoice.paid_amount == 0


def test_an_online_payment_cannot_be_undone(anon, client_head, invoice, sandbox_settings):
    anon.post(anon.post(pay_url(invoice))["Location"], {"action": "pay"})
    payment = Payment.objects.get()
    url = reverse("billing:payment_undo", args=[invoice.deal_id, invoice.pk, payment.pk])
    response = client_head.post(url, follow=True)
    assert "Онлайн-платёж отменить нельзя" in response.text
    invoice.refresh_from_db()
    assert invoice.is_paid


def test_the_invoice_page_lists_payments_with_who_and_when(client_a, invoice, manager_a):
    services.payment_record(
        invoice=invoice,
        amount=Decimal("1000"),
        paid_on=timezone.localdate(),
        method="cash",
        comment="Аванс <b>наличными</b>",
        by=manager_a,
    )
    html = client_a.get(invoice.get_absolute_url()).text
    assert "1\xa0000,00 ₽</strong> наличными" in html
    assert "отметил Анна" in html
    assert "Аванс &lt;b&gt;наличными&lt;/b&gt;" in html
    assert re.search(r"осталось <strong>121\xa0500,00 ₽", html)


# Concurrency (PostgreSQL) -------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent row locks need PostgreSQL; SQLite serialises whole-database writes",
)
threads_db = pytest.mark.django_db(transaction=True)


def race(workers, job):
    """Runs job(i) in `workers` threads released at the same moment; returns results or
    the exceptions they raised."""
    start = threading.Barrier(workers)
    results = [None] * workers

    def run(i):
        try:
            start.wait()
            results[i] = job(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@postgres_only
@threads_db
def test_ten_concurrent_deliveries_give_one_payment_and_one_email(make_invoice, sandbox_settings):
    invoice = make_invoice()
    provider = get_provider("sandbox")
    services.invoice_payment_start(invoice=invoice, return_url="/")
    payment = Payment.objects.get()
    body = provider.complete(payment.provider_payment_id, succeeded=True)
    state = provider.parse_notification(body=body, remote_addr="")

    results = race(10, lambda i: services.payment_notification(provider="sandbox", state=state))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Payment.objects.count() == 1
    assert OutgoingEmail.objects.filter(template="invoice_paid").count() == 1
    assert DealEvent.objects.filter(kind="invoice.paid").count() == 1
    invoice.refresh_from_db()
    assert invoice.is_paid and invoice.paid_amount == invoice.total


@postgres_only
@threads_db
def test_a_manual_mark_racing_an_online_payment_keeps_the_totals_consistent(
    make_invoice, sandbox_settings, manager_a
):
    invoice = make_invoice()
    provider = get_provider("sandbox")
    services.invoice_payment_start(invoice=invoice, return_url="/")
    online = Payment.objects.get()
    state = provider.parse_notification(
        body=provider.complete(online.provider_payment_id, succeeded=True), remote_addr=""
    )

    def job(i):
        if i % 2:
            return services.payment_notification(provider="sandbox", state=state)
        return services.payment_record(
            invoice=invoice,
            amount=invoice.total,
            paid_on=timezone.localdate(),
            method="transfer",
            by=manager_a,
        )

    results = race(6, job)
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, services.InvoiceNotPayable) for r in refused), refused
    invoice.refresh_from_db()
    assert invoice.is_paid and invoice.paid_amount == invoice.total
    assert Payment.objects.filter(applied=True).count() == 1
    assert sums_agree(invoice)
    online.refresh_from_db()
    assert online.status == "succeeded"
    if not online.applied:
        assert "двойная оплата" in online.problem
    assert OutgoingEmail.objects.filter(template="invoice_paid").count() <= 1


@postgres_only
@threads_db
def test_invoices_issued_at_once_get_distinct_numbers_without_gaps(invoice_deal):
    from billing.models import Calculation

    calculation = Calculation.objects.current_for(invoice_deal)
    drafts = [
        services.invoice_create(deal=invoice_deal, by=invoice_deal.manager, calculation=calculation)
        for _ in range(8)
    ]
    assert {draft.number for draft in drafts} == {None}  # a draft has no number yet
    results = race(
        8,
        lambda i: services.invoice_issue(invoice=drafts[i], by=invoice_deal.manager).number,
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == list(range(1, 9))
