from decimal import Decimal

from django.template.loader import render_to_string

from billing import services
from billing.money import TaxRegime, VatMode
from billing.services import LineData
from billing.tax import TaxPolicy


def test_the_calculation_table_prints_lines_totals_and_vat(deal_a):
    calc = services.calculation_save(
        deal=deal_a,
        by=deal_a.manager,
        lines=[
            LineData(
                name="Разработка <b>сайта</b>",
                quantity=Decimal("1"),
                price=Decimal("120000"),
                unit_code="876",
            ),
            LineData(
                name="Поддержка",
                quantity=Decimal("7.5"),
                price=Decimal("2000"),
                unit_code="356",
                discount=Decimal("10"),
            ),
        ],
        discount=Decimal("5"),
    )
    html = render_to_string("billing/includes/_calculation_table.html", {"calculation": calc})
    text = html.replace("\xa0", " ")
    assert "Разработка &lt;b&gt;сайта&lt;/b&gt;" in html
    assert "<script" not in html and "style=" not in html and 'class="col' not in html
    assert "7,5" in text and "ч</td>" in text and "усл. ед" in text
    # A unit of two words never breaks in its narrow column.
    assert "<td>усл.\xa0ед</td>" in html
    assert "10 %" in text  # the line's discount
    # 120 000 + 13 500 = 133 500, less 5 % = 126 825, VAT 22/122 line by line
    assert "133 500,00" in text
    assert "Скидка 5 %:" in text and "−6 675,00" in text
    assert "Итого:" in text and "126 825,00" in text
    assert "В том числе НДС 22 %:" in text
    assert calc.display_totals["vat"] in html


def test_the_calculation_table_with_vat_on_top_and_without_vat(deal_a, monkeypatch):
    monkeypatch.setattr("billing.tax.seller_policy", lambda: TaxPolicy(vat_mode=VatMode.ON_TOP))
    lines = [LineData(name="Сайт", quantity=Decimal("1"), price=Decimal("100000"))]
    calc = services.calculation_save(deal=deal_a, by=deal_a.manager, lines=lines)
    text = render_to_string("billing/includes/_calculation_table.html", {"calculation": calc})
    text = text.replace("\xa0", " ")
    assert "Итого без НДС:" in text and "НДС 22 %:" in text and "22 000,00" in text
    assert "Всего:" in text and "122 000,00" in text

    monkeypatch.setattr("billing.tax.seller_policy", lambda: TaxPolicy(regime=TaxRegime.USN))
    calc = services.calculation_save(deal=deal_a, by=deal_a.manager, lines=lines)
    text = render_to_string("billing/includes/_calculation_table.html", {"calculation": calc})
    assert "Без НДС" in text
    assert calc.display_totals == {
        "vat_mode": "none",
        "subtotal": "100\xa0000,00",
        "discount": "",
        "without_vat": "100\xa0000,00",
        "vat": "0,00",
        "total": "100\xa0000,00",
        "vat_rate": "",
        "vat_lines": [{"label": "Без НДС", "amount": ""}],
        "vat_text": USN_NOTE,
        "vat_note": USN_NOTE,
    }
    # The printed table says why there is no VAT, in the words of an accountant.
    assert USN_NOTE + "." in text


USN_NOTE = (
    "НДС не облагается в связи с применением упрощённой системы налогообложения "
    "(освобождение по п. 1 ст. 145 НК РФ)"
)


def test_stored_totals_match_what_was_computed(deal_a):
    lines = [
        LineData(name="A", quantity=Decimal("0.333"), price=Decimal("1500")),
        LineData(name="B", quantity=Decimal("3"), price=Decimal("99.99"), discount=Decimal("7")),
    ]
    computed = services.calculation_compute(lines=lines, discount=Decimal("3"))
    calc = services.calculation_save(
        deal=deal_a, by=deal_a.manager, lines=lines, discount=Decimal("3")
    )
    calc.refresh_from_db()
    stored = calc.totals()
    assert (stored.subtotal, stored.discount, stored.without_vat, stored.vat, stored.total) == (
        computed.subtotal,
        computed.discount,
        computed.without_vat,
        computed.vat,
        computed.total,
    )
    assert stored.lines == computed.lines
