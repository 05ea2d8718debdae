"""Amounts of money in Russian words, as contracts and invoices print them."""

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

KOPECK = Decimal("0.01")


def amount_in_words(amount: Decimal) -> str:
    """Decimal("123.45") → «сто двадцать три рубля 45 копеек» (kopecks stay in figures)."""
    # num2words reads an int as a number of kopecks and a float is inexact: only Decimal.
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount_in_words() needs a Decimal, got {type(amount).__name__}")
    value = amount.quantize(KOPECK, ROUND_HALF_UP)
    if value < 0:
        raise ValueError("amount_in_words() spells only amounts of zero or more")
    return num2words(value, lang="ru", to="currency", currency="RUB", cents=False, separator="")


def amount_in_words_capitalized(amount: Decimal) -> str:
    """Decimal("123.45") → «Сто двадцать три рубля 45 копеек», the invoice's summary line."""
    words = amount_in_words(amount)
    return words[:1].upper() + words[1:]
