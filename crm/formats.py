"""Russian formats for money and dates, as pure functions."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

MONTHS_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
MONTHS_NOMINATIVE = [
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
]

NBSP = "\u00a0"


def money(value) -> str:
    """120000 → «120 000,00» (groups split by a no-break space, comma before kopecks)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NBSP.join(groups)},{frac}"


def date_long(value: datetime.date) -> str:
    """5 марта 2026 г."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."
