"""54-ФЗ receipts match the money: a payment before the hand-over is a prepayment, a part of
an invoice lists its lines in proportion at their own rates and units, the tax system is the
seller's regime, every online payer gets a receipt somewhere it can be sent, and the closing
receipt that offsets the prepayments goes to YooKassa (POST /v3/receipts) through a stored,
retried row. YooKassa is the local fake of its HTTP API."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from billing import money, services, tax
from billing.models import FiscalReceipt, Invoice, Payment, Unit
from billing.money import TaxRegime, UsnObject
from billing.payments.receipt import MEASURE_VALUES, measure_of
from billing.services import LineData
from contacts import services as contact_services
from contacts.models import Client
from deals.models import DealEvent

from .conftest import PERSON

D = Decimal
BASIS = "пп. 26 п. 2 ст. 149 НК РФ"


@pytest.fixture
def receipts_on(yookassa, settings):
    settings.YOOKASSA_RECEIPTS = True
    return yookassa


def pay_url(invoice):
    return reverse("billing:invoice_public_pay", args=[invoice.token])


def payment_bodies(api):
    return [json.loads(r.content) for r in api.requests if r.url.path == "/v3/payments"]


def receipt_posts(api):
    return [r for r in api.requests if r.url.path == "/v3/receipts"]


def items_of(receipt):
    return [
        (
            i["description"],
            i["quantity"],
            i["amount"]["value"],
            i["vat_code"],
            i["payment_mode"],
            i["measure"],
        )
        for i in receipt["items"]
    ]


def pay_online(anon, invoice, api, **data) -> Payment:
    """The client pays what is left online and YooKassa says it succeeded."""
    response = anon.post(pay_url(invoice), data)
    assert response.status_code == 302, response.content.decode()[:500]
    payment = Payment.objects.filter(invoice=invoice, method="online").latest("pk")
    api.set_status(payment.provider_payment_id, "succeeded")
    services.payment_refresh(invoice=invoice)
    payment.refresh_from_db()
    assert payment.applied
    return payment


def mark_paid(invoice, amount):
    return services.payment_record(
        invoice=invoice,
        amount=D(amount),
        paid_on=timezone.localdate(),
        method=Payment.Method.TRANSFER,
        by=invoice.deal.manager,
    )


@pytest.fixture
def person_invoice(make_invoice, invoice_deal, person_buyer):
    invoice_deal.client = person_buyer
    invoice_deal.save()
    return make_invoice()


# The unit of a line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "measure"),
    [
        (Unit.PIECE, "piece"),
        (Unit.SERVICE, "piece"),
        (Unit.HOUR, "hour"),
        (Unit.MAN_HOUR, "hour"),
        (Unit.DAY, "day"),
        (Unit.WEEK, "another"),
        (Unit.MONTH, "another"),
        (Unit.YEAR, "another"),
        (Unit.SET, "piece"),
        (Unit.PACKAGE, "piece"),
        (Unit.PERSON, "piece"),
        (Unit.METRE, "meter"),
        (Unit.SQUARE_METRE, "square_meter"),
        (Unit.KILOGRAM, "kilogram"),
        (Unit.LITRE, "liter"),
    ],
)
def test_a_receipt_line_takes_its_measure_from_the_okei_unit(unit, measure):
    assert measure_of(unit) == measure
    assert measure in MEASURE_VALUES


def test_every_unit_of_the_catalog_has_a_measure():
    assert {measure_of(unit) for unit in Unit} <= MEASURE_VALUES


# What kind of payment a receipt says -------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_before", "delivered", "amount", "mode", "code"),
    [
        ("0", False, "122500.00", "full_prepayment", 12),
        ("22500", False, "100000.00", "partial_prepayment", 12),
        ("0", True, "122500.00", "full_payment", 11),
        ("22500", True, "100000.00", "full_payment", 11),
    ],
)
def test_a_payment_before_the_hand_over_is_a_prepayment(
    anon, person_invoice, receipts_on, paid_before, delivered, amount, mode, code
):
    if paid_before != "0":
        mark_paid(person_invoice, paid_before)
    if delivered:
        assert services.invoice_deliver(invoice=person_invoice) is None  # nothing to offset
    anon.post(pay_url(person_invoice))
    [body] = payment_bodies(receipts_on)
    assert body["amount"]["value"] == amount
    assert {i["payment_mode"] for i in body["receipt"]["items"]} == {mode}
    assert {i["vat_code"] for i in body["receipt"]["items"]} == {code}
    assert Payment.objects.get(method="online").receipt == body["receipt"]


def test_a_part_lists_the_lines_in_proportion_each_at_its_rate_and_unit(
    anon, make_invoice, invoice_deal, person_buyer, seller, receipts_on
):
    tax.seller_tax_save(seller=seller, regime=TaxRegime.OSN, exemption_basis=BASIS, by=None)
    invoice_deal.client = person_buyer
    invoice_deal.save()
    invoice = make_invoice(
        lines=[
            LineData(name="Сайт", quantity=D(1), price=D(100000), unit_code=Unit.SERVICE),
            LineData(
                name="Поддержка",
                quantity=D(10),
                price=D(2000),
                unit_code=Unit.HOUR,
                vat_rate=D("10"),
            ),
            LineData(
                name="Лицензия", quantity=D(1), price=D(1000), unit_code=Unit.MONTH, vat_exempt=True
            ),
        ]
    )
    assert invoice.total == D("121000.00")
    mark_paid(invoice, "21000")
    anon.post(pay_url(invoice))
    [body] = payment_bodies(receipts_on)
    # 100 000 of 121 000: 82 644,628…, 16 528,925…, 826,446…; the two kopecks the cut-off
    # leaves go to the largest remainders (the first and the last line).
    assert items_of(body["receipt"]) == [
        ("Сайт", "1", "82644.63", 12, "partial_prepayment", "piece"),
        ("Поддержка", "1", "16528.92", 5, "partial_prepayment", "hour"),
        ("Лицензия", "1", "826.45", 1, "partial_prepayment", "another"),
    ]
    assert sum(D(i["amount"]["value"]) for i in body["receipt"]["items"]) == D("100000.00")


def test_a_share_that_divides_evenly_keeps_its_quantity(anon, person_invoice, receipts_on):
    mark_paid(person_invoice, "22500")
    anon.post(pay_url(person_invoice))
    [body] = payment_bodies(receipts_on)
    # 100 000 × 100 000 / 122 500 and 100 000 × 22 500 / 122 500, largest remainder
    assert items_of(body["receipt"]) == [
        ("Разработка сайта", "1", "81632.65", 12, "partial_prepayment", "piece"),
        ("Дизайн страницы", "3", "6122.45", 12, "partial_prepayment", "piece"),
    ]


def test_the_distribution_always_adds_up():
    weights = [D("0.01"), D("99999.99"), D("333.33"), D("1")]
    for amount in [D("0.01"), D("0.03"), D("1000.00"), D("100333.32")]:
        assert sum(money.distribute(amount, weights)) == amount


# The tax system and who the receipt names --------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "usn_object", "code"),
    [
        (TaxRegime.OSN, UsnObject.INCOME, 1),
        (TaxRegime.USN, UsnObject.INCOME_EXPENSE, 3),
        (TaxRegime.AUSN, UsnObject.INCOME, 2),
        (TaxRegime.PSN, UsnObject.INCOME, 6),
    ],
)
def test_the_tax_system_is_the_sellers_regime(
    anon, invoice_deal, make_invoice, person_buyer, seller, receipts_on, regime, usn_object, code
):
    tax.seller_tax_save(seller=seller, regime=regime, usn_object=usn_object, by=None)
    invoice_deal.client = person_buyer
    invoice_deal.save()
    invoice = make_invoice(lines=[LineData(name="Сайт", quantity=D(1), price=D(1000))])
    anon.post(pay_url(invoice))
    [body] = payment_bodies(receipts_on)
    assert body["receipt"]["tax_system_code"] == code
    if regime != TaxRegime.OSN:
        assert {i["vat_code"] for i in body["receipt"]["items"]} == {1}  # без НДС


def test_a_company_paying_by_card_gets_a_receipt_with_its_name_and_inn(anon, invoice, receipts_on):
    anon.post(pay_url(invoice))
    [body] = payment_bodies(receipts_on)
    assert body["receipt"]["customer"] == {
        "full_name": "ООО «Ромашка»",
        "inn": "5003123458",
        "email": "office@romashka.example.ru",
        "phone": "74957654321",
    }


def test_without_receipts_turned_on_no_receipt_is_sent(anon, invoice, yookassa):
    anon.post(pay_url(invoice))
    [body] = payment_bodies(yookassa)
    assert "receipt" not in body


@pytest.fixture
def phone_only_invoice(make_invoice, invoice_deal, manager_a):
    client = contact_services.client_save(
        client=Client(**{**PERSON, "emails": []}, created_by=manager_a), by=manager_a
    )
    invoice_deal.client = client
    invoice_deal.save()
    return make_invoice()


def test_a_buyer_with_a_phone_only_is_asked_for_an_email(anon, phone_only_invoice, receipts_on):
    page = anon.get(phone_only_invoice.public_path())
    assert 'name="email"' in page.text and "На неё придёт кассовый чек" in page.text

    refused = anon.post(pay_url(phone_only_invoice))
    assert refused.status_code == 400
    assert "Укажите электронную почту: на неё придёт кассовый чек." in refused.text
    wrong = anon.post(pay_url(phone_only_invoice), {"email": "kuzmin@"})
    assert "Проверьте адрес электронной почты" in wrong.text and 'value="kuzmin@"' in wrong.text
    assert payment_bodies(receipts_on) == []

    response = anon.post(pay_url(phone_only_invoice), {"email": "a.kuzmin@example.ru"})
    assert response.status_code == 302
    [body] = payment_bodies(receipts_on)
    assert body["receipt"]["customer"] == {"email": "a.kuzmin@example.ru", "phone": "79031234510"}


def test_with_sms_receipts_a_phone_is_enough(anon, phone_only_invoice, receipts_on, settings):
    settings.YOOKASSA_RECEIPT_SMS = True
    page = anon.get(phone_only_invoice.public_path())
    assert 'name="email"' not in page.text
    anon.post(pay_url(phone_only_invoice))
    [body] = payment_bodies(receipts_on)
    assert body["receipt"]["customer"] == {"phone": "79031234510"}


def test_a_buyer_with_an_email_is_not_asked(anon, person_invoice, receipts_on):
    assert 'name="email"' not in anon.get(person_invoice.public_path()).text


# The closing receipt -----------------------------------------------------------------------


def test_the_hand_over_offsets_the_prepayment_with_a_closing_receipt(
    anon, person_invoice, receipts_on, django_capture_on_commit_callbacks
):
    payment = pay_online(anon, person_invoice, receipts_on)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.invoice_deliver(invoice=person_invoice, by=person_invoice.deal.manager)

    [post] = receipt_posts(receipts_on)
    assert post.headers["Idempotence-Key"] == receipt.idempotence_key
    body = json.loads(post.content)
    assert {k: v for k, v in body.items() if k != "items"} == {
        "type": "payment",
        "payment_id": payment.provider_payment_id,
        "send": True,
        "customer": {"email": "kuzmin@example.ru", "phone": "79031234510"},
        "settlements": [
            {"type": "prepayment", "amount": {"value": "122500.00", "currency": "RUB"}}
        ],
        "tax_system_code": 1,
    }
    assert items_of(body) == [
        ("Разработка сайта", "1", "100000.00", 11, "full_payment", "piece"),
        ("Дизайн страницы", "3", "7500.00", 11, "full_payment", "piece"),
    ]
    receipt.refresh_from_db()
    assert receipt.status == FiscalReceipt.Status.SENT
    assert receipt.provider_receipt_id in receipts_on.receipts
    assert list(receipt.payments.all()) == [payment]
    person_invoice.refresh_from_db()
    assert person_invoice.is_delivered
    assert DealEvent.objects.filter(
        deal=person_invoice.deal, kind="invoice.receipt", text__contains="Чек зачёта предоплаты"
    ).exists()

    # The act saved again: the same receipt, nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.invoice_deliver(invoice=person_invoice)
    assert again.pk == receipt.pk and len(receipt_posts(receipts_on)) == 1


def test_a_partial_prepayment_is_offset_for_its_amount(
    anon, person_invoice, receipts_on, django_capture_on_commit_callbacks
):
    mark_paid(person_invoice, "22500")  # by bank transfer: no receipt of ours
    pay_online(anon, person_invoice, receipts_on)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.invoice_deliver(invoice=person_invoice)
    body = json.loads(receipt_posts(receipts_on)[0].content)
    assert receipt.amount == D("100000.00")
    assert body["settlements"][0]["amount"]["value"] == "100000.00"
    assert items_of(body) == [
        ("Разработка сайта", "1", "81632.65", 11, "full_payment", "piece"),
        ("Дизайн страницы", "3", "6122.45", 11, "full_payment", "piece"),
    ]


def test_a_closing_receipt_waits_out_a_provider_that_is_down(
    anon, person_invoice, receipts_on, django_capture_on_commit_callbacks
):
    pay_online(anon, person_invoice, receipts_on)
    receipts_on.fail_next(500, 500, 500)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.invoice_deliver(invoice=person_invoice)
    receipt.refresh_from_db()
    assert receipt.status == FiscalReceipt.Status.PENDING
    assert receipt.attempts == 1 and len(receipt_posts(receipts_on)) == 3
    assert "HTTP 500" in receipt.last_error
    assert receipt.next_attempt_at > timezone.now()

    # Not due yet: the sweeper leaves it; later it sends it under the same key.
    assert services.receipt_sweep() == 0
    later = timezone.now() + datetime.timedelta(hours=1)
    assert services.receipt_sweep(now=later) == 1
    receipt.refresh_from_db()
    assert receipt.status == FiscalReceipt.Status.SENT
    keys = {r.headers["Idempotence-Key"] for r in receipt_posts(receipts_on)}
    assert keys == {receipt.idempotence_key}
    # The 500s may have created it at YooKassa: the same key gave that one back.
    assert len(receipts_on.receipts) == 1
    assert not services.receipt_send(receipt_id=receipt.pk)  # sent: a late task does nothing


def test_a_receipt_whose_worker_died_is_sent_again(anon, person_invoice, receipts_on):
    pay_online(anon, person_invoice, receipts_on)
    receipt = services.invoice_deliver(invoice=person_invoice)  # not published: no commit
    FiscalReceipt.objects.filter(pk=receipt.pk).update(
        status=FiscalReceipt.Status.SENDING, claimed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert services.receipt_sweep() == 1
    receipt.refresh_from_db()
    assert receipt.status == FiscalReceipt.Status.SENT


def test_a_refused_closing_receipt_is_marked_and_the_deal_is_told(
    anon, person_invoice, receipts_on, django_capture_on_commit_callbacks
):
    payment = pay_online(anon, person_invoice, receipts_on)
    del receipts_on.payments[payment.provider_payment_id]  # YooKassa no longer knows it
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.invoice_deliver(invoice=person_invoice)
    receipt.refresh_from_db()
    assert receipt.status == FiscalReceipt.Status.FAILED
    assert "Payment not found" in receipt.last_error
    assert len(receipt_posts(receipts_on)) == 1  # a 4xx is not retried
    assert DealEvent.objects.filter(
        deal=person_invoice.deal, kind="invoice.receipt_problem", text__contains="вручную"
    ).exists()


def test_without_a_prepayment_receipt_the_hand_over_sends_nothing(invoice, yookassa):
    mark_paid(invoice, "122500")
    assert services.invoice_deliver(invoice=invoice) is None
    assert receipt_posts(yookassa) == []
    assert Invoice.objects.get(pk=invoice.pk).is_delivered
    assert not FiscalReceipt.objects.exists()


def test_a_draft_cannot_be_handed_over(make_invoice):
    draft = make_invoice(issue=False)
    with pytest.raises(ValidationError, match="передачу по нему не отметить"):
        services.invoice_deliver(invoice=draft)
    assert not Invoice.objects.get(pk=draft.pk).is_delivered


def test_the_admin_sends_a_failed_receipt_again(
    anon, admin_client, person_invoice, receipts_on, django_capture_on_commit_callbacks
):
    pay_online(anon, person_invoice, receipts_on)
    receipt = services.invoice_deliver(invoice=person_invoice)
    FiscalReceipt.objects.filter(pk=receipt.pk).update(
        status=FiscalReceipt.Status.FAILED, attempts=10, last_error="HTTP 500"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:billing_fiscalreceipt_changelist"),
            {"action": "send_again", "_selected_action": [receipt.pk]},
            follow=True,
        )
    assert "Поставлено в отправку: 1." in response.text
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (FiscalReceipt.Status.SENT, 1)
