"""What a spreadsheet would run as a formula is written as text."""

import datetime
from decimal import Decimal

import pytest

from crm.spreadsheets import safe_cell


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "-2+A1",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "=1",
    ],
)
def test_formulas_get_a_leading_apostrophe(typed):
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize(
    "value", ["+7 916 123-45-67", "-1,5", "-(3)", "ООО «Ромашка»", "", 5, -3, Decimal("-1.50")]
)
def test_plain_text_figures_and_numbers_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_dates_and_empty_cells_stay_as_they_are():
    day = datetime.date(2026, 3, 5)
    assert safe_cell(day) is day
    assert safe_cell(None) is None


def test_control_characters_an_xlsx_cannot_hold_are_replaced():
    assert safe_cell("Москва\x01\x0b") == "Москва\ufffd\ufffd"
    assert safe_cell("строка\nвторая\tтретья") == "строка\nвторая\tтретья"
