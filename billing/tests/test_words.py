from decimal import Decimal

import pytest

from billing.words import amount_in_words, amount_in_words_capitalized
from crm.formats import plural


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.01", "ноль рублей 01 копейка"),
        ("0", "ноль рублей 00 копеек"),
        ("1", "один рубль 00\xa0копеек"),
        ("2", "два рубля 00 копеек"),
        ("5", "пять рублей 00 копеек"),
        ("11", "одиннадцать рублей 00 копеек"),
        ("21", "двадцать один рубль 00 копеек"),
        ("101", "сто один рубль 00 копеек"),
        ("123.45", "сто двадцать три рубля 45 копеек"),
        ("1000", "одна тысяча рублей 00\xa0копеек"),
        ("2001.01", "две тысячи один рубль 01 копейка"),
        ("2002.02", "две тысячи два рубля 02 копейки"),
        ("1000000", "один миллион рублей 00 копеек"),
        ("12345.67", "двенадцать тысяч триста сорок пять рублей 67 копеек"),
        ("122000.00", "сто двадцать две тысячи рублей 00 копеек"),
        ("0.5", "ноль рублей 50 копеек"),
    ],
)
def test_it_spells_rubles_in_words_and_kopecks_in_figures(amount, words):
    # The kopecks stay with their figure (a no-break space, see the test below).
    assert amount_in_words(Decimal(amount)) == words.replace(" коп", "\xa0коп")


def test_the_kopecks_never_break_away_from_their_figure():
    assert amount_in_words(Decimal("38085.65")) == (
        "тридцать восемь тысяч восемьдесят пять рублей 65\xa0копеек"
    )


def test_it_rounds_to_the_kopeck_half_up():
    assert amount_in_words(Decimal("1.005")) == "один рубль 01\xa0копейка"
    assert amount_in_words(Decimal("1.004")) == "один рубль 00\xa0копеек"


def test_an_int_means_rubles_not_kopecks():
    # num2words alone would read 1000 as ten rubles.
    assert amount_in_words(1000) == "одна тысяча рублей 00\xa0копеек"


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_inexact_or_non_numeric_amounts_are_refused(bad):
    with pytest.raises(TypeError):
        amount_in_words(bad)


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError):
        amount_in_words(Decimal("-1"))


def test_the_summary_line_starts_with_a_capital():
    assert amount_in_words_capitalized(Decimal("123.45")) == "Сто двадцать три рубля 45\xa0копеек"
    assert amount_in_words_capitalized(Decimal("12345.67")) == (
        "Двенадцать тысяч триста сорок пять рублей 67\xa0копеек"
    )


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (0, "наименований"),
        (1, "наименование"),
        (2, "наименования"),
        (4, "наименования"),
        (5, "наименований"),
        (11, "наименований"),
        (12, "наименований"),
        (14, "наименований"),
        (21, "наименование"),
        (22, "наименования"),
        (101, "наименование"),
        (111, "наименований"),
        (112, "наименований"),
        (1001, "наименование"),
        (-3, "наименования"),
    ],
)
def test_plural_picks_the_form_for_the_number(n, form):
    assert plural(n, "наименование", "наименования", "наименований") == form
