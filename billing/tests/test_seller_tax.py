"""The seller's tax regime belongs to billing: the «Налог» page, the one set of VAT names,
what calculations and invoices read, and the migration that took the values over from the
seller's requisites."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from billing import money, services, tax
from billing.models import Calculation, Invoice, SellerTax
from billing.money import TaxRegime, VatMode
from billing.services import LineData
from contacts.models import RequisiteChange

URL = reverse("billing:seller_tax")


def plain(text: str) -> str:
    return text.replace("\xa0", " ")


def test_the_vat_modes_have_one_set_of_russian_names():
    assert [(m.value, m.label) for m in VatMode] == [
        ("none", "Без НДС"),
        ("included", "НДС включён в цену"),
        ("on_top", "НДС сверху цены"),
    ]
    # Every model that stores a mode offers the same choices.
    for field in (Calculation._meta.get_field("vat_mode"), Invoice._meta.get_field("vat_mode")):
        assert field.choices == VatMode.choices
    assert SellerTax._meta.get_field("vat_mode").choices == VatMode.choices


@pytest.mark.parametrize(
    ("mode", "rate", "label"),
    [
        (VatMode.NONE, Decimal("0"), "Без НДС"),
        (VatMode.INCLUDED, Decimal("22"), "НДС включён в цену, 22 %"),
        (VatMode.ON_TOP, Decimal("5.00"), "НДС сверху цены, 5 %"),
    ],
)
def test_a_mode_is_named_with_its_rate(mode, rate, label):
    assert plain(money.vat_mode_label(mode, rate)) == label


def test_without_an_active_seller_prices_include_vat_22(db):
    assert tax.seller_vat() == (VatMode.INCLUDED, Decimal("22"))


def test_a_seller_without_a_tax_row_includes_vat_22(seller):
    assert not SellerTax.objects.exists()
    assert tax.seller_vat() == (VatMode.INCLUDED, Decimal("22"))


def test_the_head_sets_the_tax_and_the_calculator_follows(client_head, seller, deal_a):
    page = client_head.get(URL)
    assert page.status_code == 200
    assert "Налог" in page.text and seller.name in page.text
    response = client_head.post(
        URL, {"regime": "osn", "vat_mode": "on_top", "vat_rate": "10.00"}, follow=True
    )
    assert "Налог сохранён: ОСН, НДС сверху цены, 10" in plain(response.text)
    assert tax.seller_vat() == (VatMode.ON_TOP, Decimal("10"))
    lines = [LineData(name="Сайт", quantity=Decimal("1"), price=Decimal("1000"))]
    calculation = services.calculation_save(deal=deal_a, by=deal_a.manager, lines=lines)
    assert (calculation.vat_mode, calculation.total) == (VatMode.ON_TOP, Decimal("1100.00"))


def test_without_vat_the_rate_is_not_asked_for_and_stored_as_zero(client_head, seller):
    client_head.post(URL, {"regime": "usn", "usn_object": "income", "vat_rate": "22.00"})
    row = SellerTax.objects.get(seller=seller)
    assert (row.regime, row.vat_mode, row.vat_rate) == ("usn", VatMode.NONE, Decimal("0"))
    assert tax.seller_vat() == (VatMode.NONE, Decimal("0"))


def test_vat_without_a_rate_gets_a_russian_message_and_keeps_the_choice(client_head, seller):
    response = client_head.post(URL, {"regime": "osn", "vat_mode": "on_top", "vat_rate": ""})
    assert response.status_code == 400
    assert "Выберите ставку НДС." in response.text
    assert re.search(r'value="on_top"[^>]*checked', response.text)
    assert not SellerTax.objects.exists()
    response = client_head.post(URL, {"regime": "osn", "vat_rate": "22.00"})
    assert "Выберите, как цены учитывают НДС." in response.text
    response = client_head.post(URL, {"regime": "osn", "vat_mode": "included", "vat_rate": "5.00"})
    assert "Ставка 5 % при этом режиме не применяется." in plain(response.text)
    response = client_head.post(URL, {"vat_rate": "22.00"})
    assert "Выберите налоговый режим." in response.text
    assert not SellerTax.objects.exists()


def test_a_change_of_tax_is_in_the_sellers_change_log(client_head, seller, head):
    client_head.post(URL, {"regime": "usn", "usn_object": "income"})
    client_head.post(URL, {"regime": "usn", "usn_object": "income"})  # no change, no entry
    change = RequisiteChange.objects.get(seller=seller, changes__0__field="vat")
    assert change.by == head
    assert [plain(v) for v in (change.changes[0]["old"], change.changes[0]["new"])] == [
        "ОСН, НДС включён в цену, 22 %",
        "УСН без НДС, доходы",
    ]
    page = client_head.get(reverse("clients:seller"))
    assert "Налог: ОСН, НДС включён в цену, 22" in plain(page.text)


def test_a_manager_may_not_change_the_tax(client_a, seller):
    response = client_a.post(URL, {"regime": "usn"})
    assert response.status_code == 403
    assert tax.seller_vat() == (VatMode.INCLUDED, Decimal("22"))


def test_without_an_active_seller_the_page_asks_for_the_requisites_first(client_head, db):
    response = client_head.get(URL)
    assert "Сначала заполните" in response.text
    assert reverse("clients:seller") in response.text


def test_the_seller_page_no_longer_has_tax_fields(client_head, seller):
    page = client_head.get(reverse("clients:seller"))
    assert 'name="vat_mode"' not in page.text


def test_the_menu_shows_the_tax_page_to_the_head_only(client_head, client_a, seller):
    assert URL in client_head.get(reverse("billing:invoice_list")).text
    assert URL not in client_a.get(reverse("billing:invoice_list")).text


def test_the_admin_saves_through_the_same_rules(admin_client, seller):
    url = reverse("admin:billing_sellertax_add")
    response = admin_client.post(
        url, {"seller": seller.pk, "regime": "psn", "usn_object": "income", "vat_rate": ""}
    )
    assert response.status_code == 302
    assert tax.seller_vat() == (VatMode.NONE, Decimal("0"))
    assert RequisiteChange.objects.filter(seller=seller, changes__0__field="vat").exists()


def test_an_issued_invoice_keeps_its_vat_after_the_tax_changes(client_a, invoice, seller):
    assert "В том числе НДС (22 %): 22 090,17" in _page(client_a, invoice)
    tax.seller_tax_save(seller=seller, regime=TaxRegime.USN, by=None)
    after = _page(client_a, invoice)
    assert "В том числе НДС (22 %): 22 090,17" in after and "Без налога" not in after


def _page(client, invoice) -> str:
    url = reverse("billing:invoice_detail", args=[invoice.deal_id, invoice.pk])
    return " ".join(plain(re.sub(r"<[^>]+>", " ", client.get(url).text)).split())


# The migration that moved the fields


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_each_sellers_tax_over_and_back():
    before = [("contacts", "0003_requisites"), ("billing", "0004_invoices")]
    after = [("contacts", "0004_seller_tax_moves_to_billing")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        Seller = old.get_model("contacts", "Seller")
        active = Seller.objects.create(
            kind="legal", name="ООО «А»", is_active=True, vat_mode="none", vat_rate=0
        )
        retired = Seller.objects.create(
            kind="legal", name="ООО «Б»", is_active=False, vat_mode="on_top", vat_rate=10
        )

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        rows = new.get_model("billing", "SellerTax").objects.order_by("seller_id")
        assert [(r.seller_id, r.vat_mode, r.vat_rate) for r in rows] == [
            (active.pk, "none", Decimal("0")),
            (retired.pk, "on_top", Decimal("10")),
        ]
        assert "vat_mode" not in {
            f.name for f in new.get_model("contacts", "Seller")._meta.get_fields()
        }

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        back = old.get_model("contacts", "Seller").objects.order_by("pk")
        assert [(s.vat_mode, s.vat_rate) for s in back] == [
            ("none", Decimal("0")),
            ("on_top", Decimal("10")),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
