"""What a spreadsheet would run as a formula is written as text."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm.spreadsheets import safe_cell, stream_csv, stream_xlsx


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


def test_a_streamed_xlsx_opens_with_its_types_and_escaped_text():
    rows = (
        [n, f"=cmd{n}", Decimal("1234.50"), datetime.datetime(2026, 11, 30, 13, 45), None, "<&>"]
        for n in range(450)
    )
    chunks = list(
        stream_xlsx(["№", "Текст", "Сумма", "Когда", "Пусто", "Знаки"], rows, sheet="Сделки")
    )
    assert len(chunks) > 3  # sent as it is written, not at the end
    data = b"".join(chunks)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Сделки"
    assert [c.value for c in sheet[1]] == ["№", "Текст", "Сумма", "Когда", "Пусто", "Знаки"]
    assert sheet["A1"].font.b
    row = [c.value for c in sheet[451]]
    assert row == [449, "'=cmd449", 1234.5, datetime.datetime(2026, 11, 30, 13, 45), None, "<&>"]
    assert sheet["C451"].number_format == "#,##0.00"
    assert sheet.freeze_panes == "A2"


def test_a_streamed_csv_is_for_russian_excel():
    rows = [
        [1, "@SUM(A1)", Decimal("10.50"), datetime.date(2026, 11, 30), None, "+7 916 123-45-67"]
    ]
    data = b"".join(stream_csv(["№", "-минус"], rows))
    assert data.decode("utf-8") == (
        "\ufeff№;'-минус\r\n1;'@SUM(A1);10,50;30.11.2026;;+7 916 123-45-67\r\n"
    )
