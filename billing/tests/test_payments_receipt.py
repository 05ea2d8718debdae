from decimal import Decimal

import pytest

from billing.payments import sender_address
from billing.payments.receipt import ReceiptLine, build_receipt, vat_code


@pytest.mark.parametrize(
    ("rate", "mode", "code"),
    [
        (None, "full_payment", 1),
        (0, "full_payment", 2),
        (10, "full_payment", 3),
        (20, "full_payment", 4),
        (10, "full_prepayment", 5),
        (20, "full_prepayment", 6),
        (5, "full_payment", 7),
        (7, "full_payment", 8),
        (5, "advance", 9),
        (7, "partial_prepayment", 10),
        (22, "full_payment", 11),
        (Decimal("22.00"), "full_payment", 11),
        (22, "full_prepayment", 12),
        (None, "full_prepayment", 1),
    ],
)
def test_vat_codes_follow_the_yookassa_table(rate, mode, code):
    assert vat_code(rate, payment_mode=mode) == code


@pytest.mark.parametrize("rate", [18, 12, Decimal("22.5")])
def test_a_rate_yookassa_does_not_know_is_refused(rate):
    with pytest.raises(ValueError):
        vat_code(rate)


def line(amount="1000.00", quantity="1", rate=22, **extra):
    return ReceiptLine("Услуга", Decimal(quantity), Decimal(amount), rate, **extra)


def test_a_receipt_for_an_individual_with_a_phone_and_goods():
    receipt = build_receipt(
        lines=[
            line("1500.00", "3", None, payment_subject="commodity"),
            line("12.50", "0.5", None, payment_subject="commodity"),
        ],
        total=Decimal("1512.50"),
        phone="+7 916 123-45-67",
        tax_system_code=2,
    )
    assert receipt["customer"] == {"phone": "79161234567"}
    assert receipt["tax_system_code"] == 2
    assert [(i["quantity"], i["amount"]["value"]) for i in receipt["items"]] == [
        ("3", "500.00"),
        ("0.5", "25.00"),
    ]
    assert {i["vat_code"] for i in receipt["items"]} == {1}
    assert {i["payment_subject"] for i in receipt["items"]} == {"commodity"}
    assert {i["payment_mode"] for i in receipt["items"]} == {"full_payment"}


def test_items_always_add_up_to_the_payment():
    lines = [line("100.00", "3"), line("10.00", "1.2345"), line("0.01", "2")]
    receipt = build_receipt(lines=lines, total=Decimal("110.01"), email="a@example.ru")
    paid = sum(Decimal(i["quantity"]) * Decimal(i["amount"]["value"]) for i in receipt["items"])
    assert paid == Decimal("110.01")
    assert all(i["quantity"] == "1" for i in receipt["items"])


def test_without_a_tax_system_the_code_is_left_out():
    receipt = build_receipt(lines=[line()], total=Decimal("1000"), email="a@example.ru")
    assert "tax_system_code" not in receipt
    assert receipt["customer"] == {"email": "a@example.ru"}


def test_a_prepayment_receipt_uses_the_calculated_rate():
    receipt = build_receipt(
        lines=[line()], total=Decimal("1000"), email="a@example.ru", payment_mode="full_prepayment"
    )
    assert receipt["items"][0]["vat_code"] == 12


def test_a_long_description_is_cut_to_128_characters():
    receipt = build_receipt(
        lines=[ReceiptLine("Я" * 300, Decimal("1"), Decimal("5"), None)],
        total=Decimal("5"),
        email="a@example.ru",
    )
    assert receipt["items"][0]["description"] == "Я" * 128


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total": Decimal("999.99")}, "add up"),
        ({"email": "", "phone": ""}, "e-mail or phone"),
        ({"email": "", "phone": "12"}, "E.164"),
        ({"tax_system_code": 7}, "tax_system_code"),
        ({"payment_mode": "barter"}, "payment_mode"),
        ({"lines": []}, "at least one line"),
        ({"lines": [line(payment_subject="magic")]}, "payment_subject"),
        ({"lines": [line(quantity="0")]}, "positive quantity"),
        ({"lines": [line(rate=18)]}, "VAT 18"),
    ],
)
def test_a_receipt_that_would_be_refused_is_not_built(kwargs, message):
    arguments = {"lines": [line()], "total": Decimal("1000"), "email": "a@example.ru"} | kwargs
    with pytest.raises(ValueError, match=message):
        build_receipt(**arguments)


@pytest.mark.parametrize(
    ("meta", "hops", "address"),
    [
        ({"REMOTE_ADDR": "185.71.76.1"}, 0, "185.71.76.1"),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "185.71.76.1"}, 0, "10.0.0.2"),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "185.71.76.1"}, 1, "185.71.76.1"),
        # The sender wrote the first entry itself; only the proxy's own entry counts.
        (
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "185.71.76.1, 8.8.8.8"},
            1,
            "8.8.8.8",
        ),
        (
            {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 185.71.76.1, 10.0.0.2"},
            2,
            "185.71.76.1",
        ),
        ({"REMOTE_ADDR": "10.0.0.2"}, 1, ""),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "185.71.76.1"}, 2, ""),
        ({}, 0, ""),
    ],
)
def test_sender_address_trusts_only_what_the_proxies_wrote(meta, hops, address):
    assert sender_address(meta, proxy_hops=hops) == address
