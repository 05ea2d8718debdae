from decimal import Decimal

import pytest

from billing.words import amount_in_words, amount_in_words_capitalized


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("123.45", "сто двадцать три рубля 45 копеек"),
        ("2001.01", "две тысячи один рубль 01 копейка"),
        ("1000", "одна тысяча рублей 00 копеек"),
        ("21.22", "двадцать один рубль 22 копейки"),
        ("0", "ноль рублей 00 копеек"),
        ("1000000.50", "один миллион рублей 50 копеек"),
        ("99.999", "сто рублей 00 копеек"),
    ],
)
def test_it_spells_roubles_and_keeps_kopecks_in_figures(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_the_capitalized_form_starts_the_summary_line():
    assert amount_in_words_capitalized(Decimal("120000")) == "Сто двадцать тысяч рублей 00 копеек"


@pytest.mark.parametrize("amount", [1000, 12.5, "10"])
def test_it_refuses_anything_but_decimal_so_an_int_is_never_read_as_kopecks(amount):
    with pytest.raises(TypeError):
        amount_in_words(amount)


def test_it_refuses_negative_amounts():
    with pytest.raises(ValueError):
        amount_in_words(Decimal("-1"))
