"""The money arithmetic on its own: no database, expected kopecks pinned by hand."""

from decimal import Decimal as D

import pytest

from billing.money import (
    DiscountKind,
    Line,
    VatMode,
    calculate,
    discount_amount,
    distribute,
    format_quantity,
    format_rate,
    format_totals,
    kopecks,
    line_amount,
    vat_amount,
)

PCT = DiscountKind.PERCENT
RUB = DiscountKind.AMOUNT


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "kind", "expected"),
    [
        # 99.99 × 3 = 299.97, less 7 % = 278.9721
        (D("3"), D("99.99"), D("7"), PCT, D("278.97")),
        # a third of an hour typed as 0.333: 0.333 × 1 500 = 499.5
        (D("0.333"), D("1500.00"), D("0"), PCT, D("499.50")),
        # 1/3 of a rouble three times: the price is already rounded to 33.33
        (D("3"), D("33.33"), D("0"), PCT, D("99.99")),
        # 0.333 × 100.01 = 33.30333 → 33.30
        (D("0.333"), D("100.01"), D("0"), PCT, D("33.30")),
        # half a kopeck rounds up, not to even: 0.1 × 0.05 = 0.005
        (D("0.1"), D("0.05"), D("0"), PCT, D("0.01")),
        # 0.025 rounds up to 0.03 (bankers' rounding would give 0.02)
        (D("0.5"), D("0.05"), D("0"), PCT, D("0.03")),
        (D("1.5"), D("2500.00"), D("0"), PCT, D("3750.00")),
        # a percent with kopecks: 1 234.56 less 12.5 % = 1 080.24
        (D("1"), D("1234.56"), D("12.5"), PCT, D("1080.24")),
        (D("3"), D("1000.00"), D("500"), RUB, D("2500.00")),
        (D("2"), D("10000.00"), D("100"), PCT, D("0.00")),
        (D("2"), D("10000.00"), D("20000"), RUB, D("0.00")),
        (D("0"), D("10000.00"), D("0"), PCT, D("0.00")),
    ],
)
def test_line_amount_rounds_once_half_up(quantity, price, discount, kind, expected):
    assert line_amount(quantity, price, discount, kind) == expected


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "kind", "message"),
    [
        (D("-1"), D("100"), D("0"), PCT, "Количество не может быть отрицательным."),
        (D("1"), D("-100"), D("0"), PCT, "Цена не может быть отрицательной."),
        (D("1"), D("100"), D("100.01"), PCT, "Скидка не может быть больше 100 %."),
        (D("1"), D("100"), D("-5"), PCT, "Скидка не может быть отрицательной."),
        (D("2"), D("100"), D("200.01"), RUB, "Скидка больше суммы строки (200,00 ₽)."),
    ],
)
def test_line_amount_refuses_bad_input_in_russian(quantity, price, discount, kind, message):
    with pytest.raises(ValueError) as exc:
        line_amount(quantity, price, discount, kind)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("amount", "rate", "mode", "expected"),
    [
        (D("12345.67"), D("22"), VatMode.INCLUDED, D("2226.27")),  # 12 345.67 × 22 / 122
        (D("122000.00"), D("22"), VatMode.INCLUDED, D("22000.00")),
        (D("278.97"), D("22"), VatMode.INCLUDED, D("50.31")),  # 50.3056…
        (D("110.00"), D("10"), VatMode.INCLUDED, D("10.00")),
        (D("107.00"), D("7"), VatMode.INCLUDED, D("7.00")),
        (D("100.00"), D("5"), VatMode.INCLUDED, D("4.76")),  # 4.7619…
        (D("999.99"), D("22"), VatMode.ON_TOP, D("220.00")),  # 219.9978
        (D("0.02"), D("22"), VatMode.ON_TOP, D("0.00")),  # 0.0044
        (D("0.03"), D("22"), VatMode.INCLUDED, D("0.01")),  # 0.0054…
        (D("12345.67"), D("22"), VatMode.NONE, D("0.00")),
        (D("12345.67"), D("0"), VatMode.ON_TOP, D("0.00")),
    ],
)
def test_vat_amount_for_each_mode(amount, rate, mode, expected):
    assert vat_amount(amount, rate, mode) == expected


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        # 10 roubles over three equal lines: the odd kopeck goes to the first line
        (D("10.00"), [D("100"), D("100"), D("100")], [D("3.34"), D("3.33"), D("3.33")]),
        (D("0.02"), [D("1"), D("1"), D("1")], [D("0.01"), D("0.01"), D("0.00")]),
        # the largest remainder wins, not the first line: 1.00 × 1/6 = 0.1666…, × 5/6 = 0.8333…
        (D("1.00"), [D("1"), D("5")], [D("0.17"), D("0.83")]),
        (D("0.01"), [D("1"), D("2")], [D("0.00"), D("0.01")]),
        # a zero line takes nothing
        (D("5.00"), [D("0"), D("10.00")], [D("0.00"), D("5.00")]),
        # the whole sum: every line gets exactly its own amount
        (D("300.02"), [D("100.01"), D("200.01")], [D("100.01"), D("200.01")]),
        (D("0"), [D("10"), D("20")], [D("0.00"), D("0.00")]),
    ],
)
def test_distribute_adds_up_to_the_kopeck(amount, weights, expected):
    parts = distribute(amount, weights)
    assert parts == expected
    assert sum(parts) == amount


def test_distribute_never_takes_more_than_a_line_has():
    weights = [D("0.01"), D("0.01"), D("999.98"), D("0.03")]
    for cents in range(0, 100001, 997):
        amount = D(cents) / 100
        parts = distribute(amount, weights)
        assert sum(parts) == amount
        assert all(0 <= part <= weight for part, weight in zip(parts, weights, strict=True))


def test_discount_amount_percent_is_rounded_once():
    assert discount_amount(D("299.97"), D("7"), PCT) == D("21.00")  # 20.9979
    assert discount_amount(D("1000.00"), D("250"), RUB) == D("250.00")
    with pytest.raises(ValueError, match="Скидка больше суммы расчёта"):
        discount_amount(D("100.00"), D("100.01"), RUB)
    with pytest.raises(ValueError, match="больше 100 %"):
        discount_amount(D("100.00"), D("101"), PCT)


def test_calculation_with_vat_included():
    totals = calculate(
        [
            Line(quantity=D("3"), price=D("99.99"), discount=D("7")),
            Line(quantity=D("1"), price=D("12345.67")),
        ],
        vat_mode=VatMode.INCLUDED,
    )
    first, second = totals.lines
    assert (first.amount, first.vat, first.total) == (D("278.97"), D("50.31"), D("278.97"))
    assert (second.vat, second.without_vat) == (D("2226.27"), D("10119.40"))
    assert totals.subtotal == D("12624.64")
    assert totals.vat == D("2276.58")
    assert totals.without_vat == D("10348.06")
    assert totals.total == D("12624.64")
    assert totals.without_vat + totals.vat == totals.total


def test_calculation_with_vat_on_top_adds_vat_to_the_total():
    totals = calculate(
        [Line(quantity=D("1"), price=D("999.99")), Line(quantity=D("2"), price=D("0.01"))],
        vat_mode=VatMode.ON_TOP,
    )
    assert [line.vat for line in totals.lines] == [D("220.00"), D("0.00")]
    assert totals.without_vat == D("1000.01")
    assert totals.vat == D("220.00")
    assert totals.total == D("1220.01")


def test_calculation_without_vat():
    totals = calculate([Line(quantity=D("2"), price=D("500.50"))], vat_mode=VatMode.NONE)
    assert (totals.without_vat, totals.vat, totals.total) == (D("1001.00"), D("0"), D("1001.00"))
    assert totals.vat_by_rate == []


def test_totals_are_sums_of_rounded_lines_not_a_rounded_sum():
    # Each line: 0.30 × 22 / 122 = 0.054… → 0.05; the sum of the lines is 0.15, while the VAT
    # of the whole 0.90 would round to 0.16. The printed lines must add up, so 0.15.
    lines = [Line(quantity=D("1"), price=D("0.30")) for _ in range(3)]
    totals = calculate(lines, vat_mode=VatMode.INCLUDED)
    assert totals.vat == D("0.15")
    # and half-kopecks: two lines of 0.005 are 0.01 each, so 0.02 in all
    totals = calculate([Line(quantity=D("0.1"), price=D("0.05"))] * 2, vat_mode=VatMode.NONE)
    assert totals.total == D("0.02")


def test_discount_on_the_whole_calculation_is_spread_so_lines_add_up():
    lines = [Line(quantity=D("1"), price=D("100.00"), vat_rate=D("22")) for _ in range(3)]
    totals = calculate(lines, vat_mode=VatMode.INCLUDED, discount=D("10.00"), discount_kind=RUB)
    assert [line.discount_share for line in totals.lines] == [D("3.34"), D("3.33"), D("3.33")]
    assert [line.total for line in totals.lines] == [D("96.66"), D("96.67"), D("96.67")]
    assert totals.subtotal == D("300.00")
    assert totals.discount == D("10.00")
    assert totals.total == D("290.00")
    # VAT is taken from each line after its share: 96.66 → 17.43, 96.67 → 17.43
    assert totals.vat == D("52.29")
    assert sum(line.total for line in totals.lines) == totals.total


def test_seven_percent_off_the_whole_of_99_99_times_3():
    totals = calculate(
        [Line(quantity=D("3"), price=D("99.99"))], vat_mode=VatMode.ON_TOP, discount=D("7")
    )
    assert totals.discount == D("21.00")
    assert totals.without_vat == D("278.97")
    assert totals.vat == D("61.37")  # 278.97 × 0.22 = 61.3734
    assert totals.total == D("340.34")


def test_line_and_whole_discounts_combine():
    totals = calculate(
        [
            Line(quantity=D("10"), price=D("1500.00"), discount=D("10")),  # 13 500.00
            Line(quantity=D("1"), price=D("4990.00"), discount=D("490"), discount_kind=RUB),
        ],
        vat_mode=VatMode.NONE,
        discount=D("5"),
    )
    assert totals.subtotal == D("18000.00")
    assert totals.discount == D("900.00")
    assert totals.total == D("17100.00")
    assert [line.discount_share for line in totals.lines] == [D("675.00"), D("225.00")]


def test_whole_discount_larger_than_the_calculation_is_refused():
    with pytest.raises(ValueError, match=r"Скидка больше суммы расчёта \(100,00 ₽\)"):
        calculate(
            [Line(quantity=D("1"), price=D("100"))],
            vat_mode=VatMode.NONE,
            discount=D("150"),
            discount_kind=RUB,
        )


def test_mixed_rates_give_one_vat_line_per_rate():
    totals = calculate(
        [
            Line(quantity=D("1"), price=D("122.00"), vat_rate=D("22")),
            Line(quantity=D("1"), price=D("110.00"), vat_rate=D("10")),
            Line(quantity=D("1"), price=D("244.00"), vat_rate=D("22.00")),
        ],
        vat_mode=VatMode.INCLUDED,
    )
    assert totals.vat_by_rate == [(D("22"), D("66.00")), (D("10"), D("10.00"))]
    shown = format_totals(totals)
    assert shown["vat_lines"] == [
        {"label": "В том числе НДС 22\u00a0%", "amount": "66,00"},
        {"label": "В том числе НДС 10\u00a0%", "amount": "10,00"},
    ]
    assert shown["vat_rate"] == "22\u00a0%, 10\u00a0%"


def test_format_totals_gives_russian_strings():
    totals = calculate(
        [Line(quantity=D("1"), price=D("148500"))], vat_mode=VatMode.ON_TOP, discount=D("0")
    )
    shown = format_totals(totals)
    assert shown["without_vat"] == "148\u00a0500,00"
    assert shown["vat"] == "32\u00a0670,00"
    assert shown["total"] == "181\u00a0170,00"
    assert shown["discount"] == ""
    assert shown["vat_lines"] == [{"label": "НДС 22\u00a0%", "amount": "32\u00a0670,00"}]
    none = format_totals(calculate([Line(quantity=D("1"), price=D("5"))], vat_mode="none"))
    assert none["vat_lines"] == [{"label": "Без НДС", "amount": ""}]
    assert none["vat_rate"] == ""


def test_helpers():
    assert kopecks("2.675") == D("2.68")
    assert [format_quantity(D(q)) for q in ("1.500", "10.000", "0.333", "100")] == [
        "1,5",
        "10",
        "0,333",
        "100",
    ]
    assert format_rate(D("22.00")) == "22\u00a0%"
    assert format_rate(D("10.00")) == "10\u00a0%"
    assert format_rate(D("7.5")) == "7,5\u00a0%"
    assert calculate([], vat_mode=VatMode.INCLUDED).total == D("0")


def test_the_vat_a_contract_states_keeps_the_amount_and_rubles_together():
    totals = calculate([Line(quantity=D("1"), price=D("122000"))], vat_mode=VatMode.INCLUDED)
    assert format_totals(totals)["vat_text"] == "в том числе НДС 22\xa0% — 22\xa0000,00\xa0руб."
