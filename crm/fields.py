"""Numbers and sums of money typed the way people in Russia type them: «150 000», «150 000,50»
with a no-break space copied from a document, «150000.50». Every money input of every app is
a MoneyField; quantities and rates use the same parsing through NumberField."""

import datetime
import re
from decimal import Decimal

from django import forms

# Group separators people type or paste: a space, a no-break space (Word, 1С, our own
# documents), a narrow no-break space (macOS, Excel), thin and figure spaces, an apostrophe.
GROUP_SEPARATORS = re.compile(r"[\s\u00a0\u2007\u2009\u202f'’]")
MINUSES = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-"})
CURRENCY = re.compile(r"(?:₽|руб\.?|р\.)$", re.IGNORECASE)


def parse_number(text: str) -> str:
    """«150 000,50 ₽» → «150000.50»: the text a Decimal reads, or the text itself with the
    separators gone when it is not a number at all (the field then says so)."""
    value = GROUP_SEPARATORS.sub("", text).translate(MINUSES)
    value = CURRENCY.sub("", value)
    return value.replace(",", ".")


def format_number(value: Decimal | int, places: int | None = None) -> str:
    """The number as the input shows it: «1,5» for 1.500, «1500,50» with places=2 (no
    groups, so that the text is easy to edit)."""
    value = Decimal(value)
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places)):f}".replace(".", ",")
    value = value.normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return f"{value:f}".replace(".", ",")


class NumberInput(forms.TextInput):
    """A text box for numbers: a phone's keyboard with a decimal key, no spinner arrows, no
    browser refusing a space or a comma before the form can explain itself."""

    def __init__(self, attrs=None, places: int | None = None):
        self.places = places
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return format_number(value, self.places)
        return super().format_value(value)


class NumberField(forms.DecimalField):
    """A non-negative decimal typed the Russian way, with Russian messages."""

    default_places = 2

    def __init__(
        self,
        *,
        places: int | None = None,
        show_places: int | None = None,
        minimum_message: str = "Число не может быть отрицательным.",
        places_message: str | None = None,
        required_message: str = "Заполните поле.",
        invalid_message: str = "Введите число, например 1,5.",
        attrs: dict | None = None,
        min_value=Decimal("0"),
        **kwargs,
    ):
        places = self.default_places if places is None else places
        kwargs.setdefault("max_digits", 14 if places == 2 else 12)
        kwargs.setdefault("widget", NumberInput(attrs, places=show_places))
        super().__init__(decimal_places=places, min_value=min_value, **kwargs)
        self.error_messages.update(
            {
                "required": required_message,
                "invalid": invalid_message,
                "min_value": minimum_message,
                "max_decimal_places": places_message or f"Не больше {places} знаков после запятой.",
                "max_digits": "Слишком большое число.",
                "max_whole_digits": "Слишком большое число.",
            }
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = parse_number(value)
        return super().to_python(value)


class MoneyField(NumberField):
    """A sum in roubles and kopecks: «150 000», «150 000,50», «150000.50», «150 000 ₽»."""

    def __init__(self, *, show_places: int | None = 2, **kwargs):
        kwargs.setdefault("minimum_message", "Сумма не может быть отрицательной.")
        kwargs.setdefault(
            "places_message", "Сумма — в рублях и копейках: не больше двух знаков после запятой."
        )
        kwargs.setdefault(
            "invalid_message", "Введите сумму цифрами, например 150 000 или 150 000,50."
        )
        kwargs.setdefault("required_message", "Укажите сумму.")
        super().__init__(places=2, show_places=show_places, **kwargs)


DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]


class DateInput(forms.DateInput):
    """The browser's own date picker: in a Russian browser it reads day.month.year. The value
    is always written ISO (the only form a date box takes), also when a refused form comes
    back with a date typed as «26.11.2026» — the box would otherwise show it empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str):
            for pattern in DATE_INPUT_FORMATS:
                try:
                    return datetime.datetime.strptime(value.strip(), pattern).date().isoformat()
                except ValueError:
                    continue
        return super().format_value(value)
