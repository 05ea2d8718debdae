"""Russian formats for money, dates and durations, and the Russian plural, as pure functions."""

import datetime
import unicodedata
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


def nobreak(text: str) -> str:
    """«усл. ед» → «усл.\u00a0ед»: a short phrase that must not break across lines."""
    return str(text).replace(" ", NBSP)


def date_long(value: datetime.date) -> str:
    """«5 марта 2026 г.», joined by no-break spaces: a date never breaks across lines, in
    a document, on a page or in a letter."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return NBSP.join((str(value.day), MONTHS_GENITIVE[value.month - 1], str(value.year), "г."))


def plural(n: int, one: str, few: str, many: str) -> str:
    """The form of a Russian noun that goes with the number n: 1 наименование,
    2 наименования, 5 наименований, 11 наименований, 21 наименование."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


# Accusative, as after «через»: через 1 минуту, 2 минуты, 15 минут.
DURATION_UNITS = [
    (24 * 60 * 60, ("день", "дня", "дней")),
    (60 * 60, ("час", "часа", "часов")),
    (60, ("минуту", "минуты", "минут")),
    (1, ("секунду", "секунды", "секунд")),
]


def duration_words(value: datetime.timedelta) -> str:
    """timedelta(minutes=90) → «1 час 30 минут»; whole seconds, zero parts left out."""
    seconds = max(round(value.total_seconds()), 0)
    parts = []
    for size, forms in DURATION_UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {plural(count, *forms)}")
    return " ".join(parts) or f"0 {DURATION_UNITS[-1][1][2]}"


def typed_text(value: str | None) -> str:
    """What a person typed or pasted, in its compatibility form (NFKC): full-width and
    superscript digits become 0-9, full-width Latin letters plain ones. Digits of other
    scripts stay as they are, and the checks refuse them: only 0-9 is a digit here. Every
    number field (requisites, bank accounts, passports, phones) reads its value through it."""
    return unicodedata.normalize("NFKC", value or "")
