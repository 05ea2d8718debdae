"""The seller's tax regime decides the VAT: which rate a line may carry (the calculator as
typed, the invoice typed by hand, the catalog and its import), why a document of a seller
without VAT has none, and the tax system of its receipts."""

import datetime
import re
from decimal import Decimal

import pytest
import tablib
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from billing import services, tax
from billing.admin import CatalogItemResource
from billing.models import Calculation, CatalogItem, Invoice
from billing.money import TaxRegime, UsnObject, VatMode
from billing.services import LineData
from billing.tax import TaxPolicy
from documents.tags import TAGS, Sources

from .utils import calc_post

D = Decimal
EXEMPT = "exempt"
BASIS = "пп. 26 п. 2 ст. 149 НК РФ"


def plain(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("\xa0", " ").split())


def tag(name, calculation):
    sources = Sources(
        deal=None,
        client=None,
        seller=None,
        calculation=calculation,
        document_number="",
        document_date=None,
        today=datetime.date(2026, 3, 5),
    )
    return TAGS[name].get(sources)


def set_regime(seller, regime, **kwargs):
    return tax.seller_tax_save(seller=seller, regime=regime, by=None, **kwargs)


# The table: regime × rate ----------------------------------------------------------------

RATES = ["22", "10", "7", "5", "0", EXEMPT]
ALLOWED = {
    TaxRegime.OSN: {"22", "10", "0", EXEMPT},
    TaxRegime.USN: set(),
    TaxRegime.USN_VAT_5: {"5", EXEMPT},
    TaxRegime.USN_VAT_7: {"7", EXEMPT},
    TaxRegime.USN_VAT: {"22", "10", "0", EXEMPT},
    TaxRegime.AUSN: set(),
    TaxRegime.PSN: set(),
    TaxRegime.ESHN: set(),
    TaxRegime.ESHN_VAT: {"22", "10", "0", EXEMPT},
}


@pytest.mark.parametrize(
    ("regime", "rate"), [(regime, rate) for regime in ALLOWED for rate in RATES]
)
def test_a_line_may_carry_only_the_rates_its_sellers_regime_allows(regime, rate):
    policy = TaxPolicy(regime=regime, exemption_basis=BASIS)
    exempt = rate == EXEMPT
    problem = policy.rate_problem(None if exempt else D(rate), exempt=exempt)
    if rate in ALLOWED[regime]:
        assert problem == ""
    else:
        assert problem, "refused with a message"
        assert re.search("[а-я]", problem)  # in Russian


@pytest.mark.parametrize("regime", list(ALLOWED))
def test_the_sellers_default_rate_is_always_allowed(regime):
    assert TaxPolicy(regime=regime).rate_problem(None) == ""


@pytest.mark.parametrize(
    ("regime", "rate", "message"),
    [
        (TaxRegime.OSN, "7", "Ставка НДС 7 % не применяется при ОСН: возможны 22 %, 10 %, 0 %."),
        (
            TaxRegime.USN_VAT_5,
            "22",
            "Ставка НДС 22 % не применяется при УСН с НДС 5 %: возможна только 5 %.",
        ),
        (
            TaxRegime.USN,
            "22",
            "Ставку НДС 22 % указать нельзя: продавец не платит НДС (УСН без НДС).",
        ),
    ],
)
def test_a_refused_rate_says_why(regime, rate, message):
    assert TaxPolicy(regime=regime).rate_problem(D(rate)).replace("\xa0", " ") == message


def test_a_line_without_vat_needs_the_exemption_basis():
    problem = TaxPolicy(regime=TaxRegime.OSN).rate_problem(None, exempt=True)
    assert "ст. 149 НК РФ" in problem and "«Налог»" in problem


@pytest.mark.parametrize(
    ("regime", "usn_object", "code"),
    [
        (TaxRegime.OSN, UsnObject.INCOME, 1),
        (TaxRegime.USN, UsnObject.INCOME, 2),
        (TaxRegime.USN, UsnObject.INCOME_EXPENSE, 3),
        (TaxRegime.USN_VAT_5, UsnObject.INCOME_EXPENSE, 3),
        (TaxRegime.USN_VAT_7, UsnObject.INCOME, 2),
        (TaxRegime.USN_VAT, UsnObject.INCOME, 2),
        (TaxRegime.AUSN, UsnObject.INCOME, 2),
        (TaxRegime.AUSN, UsnObject.INCOME_EXPENSE, 3),
        (TaxRegime.ESHN, UsnObject.INCOME, 5),
        (TaxRegime.ESHN_VAT, UsnObject.INCOME, 5),
        (TaxRegime.PSN, UsnObject.INCOME, 6),
    ],
)
def test_the_receipts_tax_system_follows_the_regime(regime, usn_object, code):
    assert TaxPolicy(regime=regime, usn_object=usn_object).tax_system_code == code


@pytest.mark.parametrize(
    ("regime", "reason"),
    [
        (
            TaxRegime.USN,
            "НДС не облагается в связи с применением упрощённой системы налогообложения "
            "(освобождение по п. 1 ст. 145 НК РФ)",
        ),
        (
            TaxRegime.AUSN,
            "НДС не облагается в связи с применением автоматизированной упрощённой системы "
            "налогообложения (ч. 2, 3 ст. 3 Федерального закона от 25.02.2022 № 17-ФЗ)",
        ),
        (
            TaxRegime.PSN,
            "НДС не облагается в связи с применением патентной системы налогообложения "
            "(п. 11 ст. 346.43 НК РФ)",
        ),
        (
            TaxRegime.ESHN,
            "НДС не облагается в связи с применением единого сельскохозяйственного налога "
            "(освобождение по п. 1 ст. 145 НК РФ)",
        ),
    ],
)
def test_a_seller_without_vat_gives_the_reason_an_accountant_writes(regime, reason):
    policy = TaxPolicy(regime=regime, vat_mode=VatMode.INCLUDED, default_rate=D("22"))
    assert (policy.vat_mode, policy.default_rate) == (VatMode.NONE, D("0"))
    assert policy.vat_note() == reason


def test_a_vat_payer_explains_only_its_lines_without_vat():
    policy = TaxPolicy(regime=TaxRegime.OSN, exemption_basis=BASIS)
    assert policy.vat_note() == ""
    assert policy.vat_note(exempt_lines=True) == f"НДС не облагается на основании {BASIS}"


# The «Налог» page -------------------------------------------------------------------------


def test_the_head_chooses_usn_with_vat_5_and_its_rate_is_fixed(client_head, seller):
    url = reverse("billing:seller_tax")
    page = client_head.get(url)
    for label in ["ОСН", "УСН без НДС", "УСН с НДС 5", "УСН с НДС 7", "АУСН", "ПСН", "ЕСХН"]:
        assert label in plain(page.text)
    response = client_head.post(
        url,
        {
            "regime": "usn_vat_5",
            "usn_object": "income_expense",
            "vat_mode": "included",
            "vat_rate": "22.00",
        },
        follow=True,
    )
    assert "Налог сохранён: УСН с НДС 5 %, доходы минус расходы, НДС включён в цену, 5 %" in (
        plain(response.text)
    )
    policy = tax.seller_policy()
    assert (policy.regime, policy.default_rate, policy.tax_system_code) == ("usn_vat_5", 5, 3)


def test_the_exemption_basis_names_article_149(client_head, seller):
    url = reverse("billing:seller_tax")
    data = {"regime": "osn", "vat_mode": "included", "vat_rate": "22.00"}
    response = client_head.post(url, {**data, "exemption_basis": "так решили"})
    assert response.status_code == 400
    assert "Укажите пункт статьи 149 НК РФ" in response.text
    assert 'value="так решили"' in response.text
    client_head.post(url, {**data, "exemption_basis": BASIS})
    assert tax.seller_policy().allows_exempt


# The migration that turned the stored VAT into a regime ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_each_sellers_vat_to_a_regime():
    before = [("billing", "0007_seller_tax"), ("contacts", "0004_seller_tax_moves_to_billing")]
    after = [
        ("billing", "0008_tax_regime_and_receipts"),
        ("contacts", "0004_seller_tax_moves_to_billing"),
    ]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        Seller = old.get_model("contacts", "Seller")
        SellerTax = old.get_model("billing", "SellerTax")
        stored = [("none", "0"), ("included", "22"), ("on_top", "10"), ("included", "5")]
        stored += [("on_top", "7"), ("included", "0")]
        for number, (mode, rate) in enumerate(stored):
            seller = Seller.objects.create(kind="legal", name=f"ООО «{number}»", is_active=False)
            SellerTax.objects.create(seller=seller, vat_mode=mode, vat_rate=D(rate))

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        rows = new.get_model("billing", "SellerTax").objects.order_by("seller_id")
        assert [(r.regime, r.vat_mode, r.vat_rate) for r in rows] == [
            ("usn", "none", D("0")),
            ("osn", "included", D("22")),
            ("osn", "on_top", D("10")),
            ("usn_vat_5", "included", D("5")),
            ("usn_vat_7", "on_top", D("7")),
            ("osn", "included", D("0")),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)


# The calculator, live and on save ----------------------------------------------------------


def preview(client, deal, lines):
    return client.post(reverse("calculations:preview", args=[deal.pk]), calc_post(lines))


def test_the_calculator_refuses_a_rate_of_another_regime_as_it_is_typed(client_a, deal_a, seller):
    set_regime(seller, TaxRegime.USN_VAT_5)
    response = preview(
        client_a,
        deal_a,
        [{"name": "Сайт", "price": "1000", "vat_rate": "22.00"}, {"name": "SEO", "price": "500"}],
    )
    text = plain(response.text)
    assert "Ставка НДС 22 % не применяется при УСН с НДС 5 %: возможна только 5 %." in text
    # The refused line is left out of the totals; the other one is at the regime's 5 %.
    assert "Итого, ₽ 500,00" in text
    assert "Не учтены строки с ошибками: 1." in text
    assert "В том числе НДС 5 % 23,81" in text


def test_the_calculator_offers_only_the_regimes_rates(client_a, deal_a, seller):
    set_regime(seller, TaxRegime.OSN, exemption_basis=BASIS)
    page = client_a.get(reverse("calculations:create", args=[deal_a.pk]))
    select = re.search(r'<select name="lines-0-vat_rate".*?</select>', page.text, re.S).group(0)
    assert re.findall(r'value="([^"]*)"', select) == ["", "22.00", "10.00", "0.00", "exempt"]
    set_regime(seller, TaxRegime.AUSN)
    page = client_a.get(reverse("calculations:create", args=[deal_a.pk]))
    select = re.search(r'<select name="lines-0-vat_rate".*?</select>', page.text, re.S).group(0)
    assert re.findall(r'value="([^"]*)"', select) == [""]
    assert "без НДС" in select


def test_saving_a_calculation_with_a_refused_rate_keeps_the_input(client_a, deal_a, seller):
    set_regime(seller, TaxRegime.OSN)
    url = reverse("calculations:create", args=[deal_a.pk])
    response = client_a.post(
        url, calc_post([{"name": "Сайт", "price": "1000", "vat_rate": "7.00"}])
    )
    assert response.status_code == 400
    assert "Ставка НДС 7 % не применяется при ОСН: возможны 22 %, 10 %, 0 %." in plain(
        response.text
    )
    assert 'value="Сайт"' in response.text
    assert not Calculation.objects.exists()


def test_the_service_refuses_what_a_form_would(deal_a, seller):
    set_regime(seller, TaxRegime.PSN)
    lines = [LineData(name="Сайт", quantity=D(1), price=D(1000), vat_rate=D("22"))]
    with pytest.raises(Exception) as refused:
        services.calculation_save(deal=deal_a, by=deal_a.manager, lines=lines)
    message = " ".join(refused.value.messages).replace("\xa0", " ")
    assert "Строка 1: Ставку НДС 22 % указать нельзя" in message


def test_a_seller_without_vat_saves_lines_without_vat_and_says_why(deal_a, seller):
    set_regime(seller, TaxRegime.USN)
    lines = [LineData(name="Сайт", quantity=D(1), price=D(1000))]
    calc = services.calculation_save(deal=deal_a, by=deal_a.manager, lines=lines)
    assert (calc.vat_mode, calc.total_vat, calc.total) == (VatMode.NONE, 0, D("1000"))
    assert calc.vat_note.startswith("НДС не облагается в связи с применением упрощённой")


# Invoices typed by hand, invoices from a calculation ----------------------------------------


def manual_post(lines, **extra):
    data = {
        "source": "manual",
        "date": "2026-03-05",
        "due_date": "2026-03-10",
        "basis": "",
        **calc_post(lines, make_current=False),
        **extra,
    }
    del data["title"]
    return data


def test_an_invoice_typed_by_hand_refuses_a_rate_of_another_regime(client_a, invoice_deal, seller):
    set_regime(seller, TaxRegime.USN_VAT_7, vat_mode=VatMode.ON_TOP)
    url = reverse("billing:invoice_create", args=[invoice_deal.pk]) + "?manual=1"
    response = client_a.post(
        url, manual_post([{"name": "Хостинг", "price": "990", "vat_rate": "10.00"}])
    )
    assert response.status_code == 400
    assert "Ставка НДС 10 % не применяется при УСН с НДС 7 %: возможна только 7 %." in plain(
        response.text
    )
    assert not Invoice.objects.exists()
    response = client_a.post(url, manual_post([{"name": "Хостинг", "price": "1000"}]))
    invoice = Invoice.objects.get()
    assert (invoice.total_vat, invoice.total) == (D("70.00"), D("1070.00"))


def test_a_calculation_saved_under_another_regime_must_be_saved_again(invoice_deal, seller):
    calculation = Calculation.objects.current_for(invoice_deal)  # saved at 22 % on ОСН
    set_regime(seller, TaxRegime.USN_VAT_5)
    with pytest.raises(Exception) as refused:
        services.invoice_create(deal=invoice_deal, by=invoice_deal.manager, calculation=calculation)
    assert "сохраните его заново" in " ".join(refused.value.messages)
    assert not Invoice.objects.exists()


# Lines «без НДС» of a VAT payer (ст. 149 НК РФ) ---------------------------------------------


def test_an_exempt_line_prints_without_vat_and_the_basis(client_a, invoice_deal, seller):
    set_regime(seller, TaxRegime.OSN, exemption_basis=BASIS)
    url = reverse("billing:invoice_create", args=[invoice_deal.pk]) + "?manual=1"
    client_a.post(
        url,
        manual_post(
            [
                {"name": "Разработка сайта", "price": "122000"},
                {"name": "Лицензия на CMS", "price": "50000", "vat_rate": "exempt"},
            ]
        ),
    )
    invoice = Invoice.objects.get()
    assert (invoice.total_vat, invoice.total) == (D("22000.00"), D("172000.00"))
    licence = invoice.lines.get(name="Лицензия на CMS")
    assert (licence.vat_exempt, licence.vat) == (True, 0)
    page = plain(client_a.get(invoice.get_absolute_url()).text)
    assert "Лицензия на CMS 1 шт 50 000,00 без НДС 50 000,00" in page
    assert "В том числе НДС (22 %): 22 000,00 Без налога (НДС): —" in page
    assert f"НДС не облагается на основании {BASIS}." in page


def test_a_contract_states_the_vat_and_the_exempt_part(deal_a, seller):
    set_regime(seller, TaxRegime.OSN, exemption_basis=BASIS)
    lines = [
        LineData(name="Сайт", quantity=D(1), price=D(122000)),
        LineData(name="Лицензия", quantity=D(1), price=D(50000), vat_exempt=True),
    ]
    calc = services.calculation_save(deal=deal_a, by=deal_a.manager, lines=lines)
    text = tag("calculation.vat_text", calc).replace("\xa0", " ")
    assert text == (
        "в том числе НДС 22 % — 22 000,00 руб.; без НДС — 50 000,00 руб. "
        f"(НДС не облагается на основании {BASIS})"
    )


# One wording in the invoice, the proposal and the contract ---------------------------------


@pytest.mark.parametrize("regime", [TaxRegime.USN, TaxRegime.AUSN, TaxRegime.PSN, TaxRegime.ESHN])
def test_invoice_proposal_and_contract_give_the_same_reason(
    client_a, invoice_deal, make_invoice, seller, regime
):
    set_regime(seller, regime)
    reason = TaxPolicy(regime=regime).vat_note()
    lines = [LineData(name="Сайт", quantity=D(1), price=D(1000))]
    calc = services.calculation_save(
        deal=invoice_deal, by=invoice_deal.manager, lines=lines, make_current=True
    )
    invoice = make_invoice(calculation=calc)
    assert invoice.vat_note == reason
    assert f"{reason}." in plain(client_a.get(invoice.get_absolute_url()).text)
    # A proposal prints the calculation's table; a contract states the price in words.
    table = tag("calculation", calc)
    assert f"{reason}." in plain(str(table))
    assert tag("calculation.vat_text", calc) == reason


# The catalog and its import ----------------------------------------------------------------


def test_the_catalog_import_refuses_rates_the_regime_does_not_allow(db, seller):
    set_regime(seller, TaxRegime.USN_VAT_5)
    data = tablib.Dataset(
        ["", "H-1", "Хостинг", "", "Услуга", "мес", "990", "22", "1"],
        ["", "H-2", "Домен", "", "Услуга", "год", "500", "5", "1"],
        headers=["id", "sku", "name", "group", "kind", "unit", "price", "vat_rate", "active"],
    )
    result = CatalogItemResource().import_data(data, dry_run=True)
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert "Ставка НДС 22 % не применяется при УСН с НДС 5 %" in str(invalid.error_dict).replace(
        "\\xa0", " "
    )
    set_regime(seller, TaxRegime.OSN)
    result = CatalogItemResource().import_data(data, dry_run=False)
    assert result.has_validation_errors()  # now 5 % is the one refused
    assert not CatalogItem.objects.filter(sku="H-2").exists()


def test_the_catalog_form_refuses_a_rate_of_another_regime(client_head, seller):
    set_regime(seller, TaxRegime.ESHN)
    response = client_head.post(
        reverse("billing:catalog_create"),
        {"name": "Мёд", "kind": "good", "unit": "166", "price": "500", "vat_rate": "10.00"},
    )
    assert response.status_code == 400
    assert "Ставку НДС 10 % указать нельзя: продавец не платит НДС (ЕСХН без НДС)." in plain(
        response.text
    )


def test_a_catalog_item_at_a_refused_rate_comes_in_at_the_default(client_a, deal_a, seller):
    item = CatalogItem.objects.create(name="SSL", price=D("3500"), vat_rate=D("10"))
    set_regime(seller, TaxRegime.USN_VAT_7)
    row = client_a.get(
        reverse("calculations:line", args=[deal_a.pk]),
        {"lines-TOTAL_FORMS": "1", "item": item.pk},
    )
    select = re.search(r'<select name="lines-1-vat_rate".*?</select>', row.text, re.S).group(0)
    assert re.search(r'value=""\s+selected', select)
