"""Cells of every CSV and XLSX file the CRM writes (admin exports, reports).

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a
formula: a client's address typed as `=HYPERLINK("http://…"&B2)` would send the row to
another site when a colleague opens the export. Such text is written with a leading
apostrophe, the OWASP rule for CSV injection, so it stays text.
"""

import re

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
