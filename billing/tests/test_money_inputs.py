"""Every money input of every app reads sums as people in Russia type them: «150 000» with a
space or a no-break space, «150 000,50», «150000.50»; and a deal may be created without a
budget."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.forms import CalculationForm, CatalogItemForm, LineForm, PaymentForm
from billing.models import Calculation, CatalogItem, Invoice
from crm.fields import MoneyField, parse_number
from deals.forms import DealForm
from deals.models import Deal

from .test_invoices import manual_post
from .utils import calc_post

TYPED = [
    ("150 000", Decimal("150000")),
    ("150\u00a0000", Decimal("150000")),
    ("150\u202f000,50", Decimal("150000.50")),
    ("150 000,50", Decimal("150000.50")),
    ("150000.50", Decimal("150000.50")),
    (" 1 500 000 ₽ ", Decimal("1500000")),
]


@pytest.mark.parametrize(("typed", "value"), TYPED)
def test_a_money_field_reads_a_sum_typed_the_russian_way(typed, value):
    field = MoneyField(label="Сумма")
    assert field.clean(typed) == value


def test_parsing_leaves_what_is_not_a_number_for_the_field_to_refuse():
    assert parse_number("сто тысяч") == "стотысяч"
    field = MoneyField(label="Сумма")
    for bad in ("сто тысяч", "1,000,000", "1.500,50", "NaN", "Infinity"):
        with pytest.raises(Exception) as refused:
            field.clean(bad)
        assert "Введите сумму цифрами" in str(refused.value)
    with pytest.raises(Exception, match="не больше двух знаков"):
        field.clean("10,555")
    with pytest.raises(Exception, match="не может быть отрицательной"):
        field.clean("\u2212500")
    with pytest.raises(Exception, match="Слишком большое число"):
        field.clean("1e999999")


def test_every_money_input_is_the_one_money_field(db):
    money_inputs = {
        "сделка: бюджет": DealForm().fields["budget"],
        "расчёт: цена строки": LineForm().fields["price"],
        "расчёт: скидка строки": LineForm().fields["discount"],
        "расчёт: скидка на весь расчёт": CalculationForm().fields["discount"],
        "каталог: цена": CatalogItemForm().fields["price"],
        "оплата: сумма": PaymentForm(outstanding=Decimal("1")).fields["amount"],
    }
    for where, field in money_inputs.items():
        assert isinstance(field, MoneyField), where
        # A text box: a browser's number box would refuse «150 000» before the form could.
        assert field.widget.input_type == "text", where
        assert field.widget.attrs["inputmode"] == "decimal", where


@pytest.mark.parametrize(("typed", "value"), TYPED[:5])
def test_a_new_deal_takes_its_budget_as_typed(client_a, manager_a, stages, typed, value):
    response = client_a.post(
        reverse("deals:create"),
        {"title": "Сайт", "source": "phone", "manager": manager_a.pk, "budget": typed},
    )
    assert response.status_code == 302
    assert Deal.objects.get().budget == value


def test_a_new_deal_needs_no_budget(client_a, manager_a, stages):
    page = client_a.get(reverse("deals:create"))
    assert page.status_code == 200
    assert "Можно не указывать" in page.text
    assert 'name="budget"' in page.text and 'type="number"' not in page.text
    response = client_a.post(
        reverse("deals:create"),
        {"title": "Сайт", "source": "phone", "manager": manager_a.pk, "budget": ""},
    )
    assert response.status_code == 302
    assert Deal.objects.get().budget == Decimal("0")


def test_a_budget_that_is_not_a_sum_is_refused_and_kept(client_a, manager_a, stages):
    response = client_a.post(
        reverse("deals:create"),
        {"title": "Сайт", "source": "phone", "manager": manager_a.pk, "budget": "сто тысяч"},
    )
    assert response.status_code == 400
    assert "Введите сумму цифрами, например 150 000 или 150 000,50." in response.text
    assert 'value="сто тысяч"' in response.text and 'value="Сайт"' in response.text
    assert not Deal.objects.exists()


def test_the_calculator_reads_prices_and_discounts_with_spaces(client_a, deal_a):
    url = reverse("calculations:create", args=[deal_a.pk])
    data = calc_post(
        [
            {"name": "Сайт", "price": "150 000,50"},
            {
                "name": "Хостинг",
                "price": "12\u00a0000",
                "discount": "1 000",
                "discount_kind": "amount",
            },
        ],
        discount="1\u00a0000,00",
        discount_kind="amount",
    )
    response = client_a.post(url, data)
    assert response.status_code == 302
    calculation = Calculation.objects.get(deal=deal_a)
    assert [line.price for line in calculation.lines.all()] == [
        Decimal("150000.50"),
        Decimal("12000.00"),
    ]
    assert calculation.total == Decimal("160000.50")


def test_the_catalog_reads_a_price_with_a_no_break_space(client_head, db):
    from .test_catalog import item_post

    response = client_head.post(
        reverse("billing:catalog_create"), item_post(price="45\u00a0000.50")
    )
    assert response.status_code == 302
    assert CatalogItem.objects.get().price == Decimal("45000.50")


def test_an_invoice_line_and_a_payment_read_sums_with_spaces(client_a, invoice_deal, invoice):
    url = reverse("billing:invoice_create", args=[invoice_deal.pk]) + "?manual=1"
    response = client_a.post(url, manual_post([{"name": "Хостинг", "price": "11 880,00"}]))
    assert response.status_code == 302
    assert Invoice.objects.latest("pk").total == Decimal("11880.00")

    pay = reverse("billing:payment_create", args=[invoice.deal_id, invoice.pk])
    today = timezone.localdate().isoformat()
    response = client_a.post(
        pay, {"amount": "50\u202f000", "paid_on": today, "method": "cash", "comment": ""}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("50000.00")
