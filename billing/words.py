"""Amounts in Russian words, as printed on invoices and contracts."""

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

from crm.formats import NBSP

KOPECK = Decimal("0.01")


def amount_in_words(amount: Decimal) -> str:
    """Decimal("123.45") → «сто двадцать три рубля 45 копеек» (kopecks in figures)."""
    if isinstance(amount, float | bool) or not isinstance(amount, Decimal | int):
        # num2words reads an int as kopecks and a float loses them: only exact values pass.
        raise TypeError(f"amount_in_words() needs a Decimal, not {type(amount).__name__}")
    value = Decimal(amount).quantize(KOPECK, ROUND_HALF_UP)
    if value < 0:
        raise ValueError("amount_in_words() does not spell negative amounts")
    words = num2words(value, lang="ru", to="currency", currency="RUB", cents=False, separator="")
    # «45 копеек»: the figure and its word never break across lines.
    rubles, kopecks, unit = words.rsplit(" ", 2)
    return f"{rubles} {kopecks}{NBSP}{unit}"


def amount_in_words_capitalized(amount: Decimal) -> str:
    """Decimal("123.45") → «Сто двадцать три рубля 45 копеек», the invoice's summary line."""
    words = amount_in_words(amount)
    return words[:1].upper() + words[1:]
