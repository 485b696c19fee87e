"""The indicator tables as CSV (for Belgian Excel: `;` and a UTF-8 BOM) and as XLSX (openpyxl).

Numbers stay numbers: percentages as percent values (37.5 for 37,5 %), days with one decimal,
unknown values as empty cells. Text a spreadsheet would run as a formula gets a leading quote.
"""

from __future__ import annotations

import csv
import io
import re

from flask_babel import format_decimal
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dualflow.indicators.tables import COUNT, TEXT, Table

# Text a spreadsheet would run as a formula; "+32 9 123 45 67" is a phone number, not a formula.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s().\/-]*$))")
# Characters Excel refuses in a sheet name (and its length limit).
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_LENGTH = 31


def safe_text(value: str) -> str:
    """`value`, with a leading quote when a spreadsheet would take it for a formula."""
    return f"'{value}" if _FORMULA.match(value) else value


def _rounded(value, kind: str):
    """The number as exported: counts whole, everything else to one decimal."""
    if value is None or kind == TEXT:
        return value
    return int(value) if kind == COUNT else round(float(value), 1)


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == TEXT:
        return safe_text(str(value))
    number = _rounded(value, kind)
    # The decimal separator of the user's language: Belgian Excel reads "37,5" as a number.
    return str(number) if kind == COUNT else format_decimal(number, format="0.0")


def to_csv(table: Table) -> bytes:
    """`table` as `;`-separated UTF-8 with a byte-order mark, a heading row first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(column.label for column in table.columns)
    for row in table.rows:
        writer.writerow(_csv_cell(value, column.kind)
                        for value, column in zip(row.values, table.columns, strict=True))
    # The BOM makes Excel read the file as UTF-8 (accents in names).
    return buffer.getvalue().encode("utf-8-sig")


def sheet_name(title: str) -> str:
    """`title` as an Excel sheet name: no forbidden characters, at most 31 of them."""
    return _SHEET_NAME.sub("-", title)[:_SHEET_NAME_LENGTH].strip() or "dualflow"


def to_xlsx(table: Table, about: list[tuple[str, str]]) -> bytes:
    """`table` as a workbook: one sheet with the table, one with what it counts (`about`)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name(table.title))
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (
            34 if column.kind == TEXT else max(12, min(28, len(column.label) + 2)))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value, *, number_format: str | None = None, strong: bool = False):
        item = WriteOnlyCell(sheet, value=value)
        if number_format:
            item.number_format = number_format
        if strong:
            item.font = bold
        return item

    sheet.append([cell(column.label, strong=True) for column in table.columns])
    for row in table.rows:
        values = []
        for value, column in zip(row.values, table.columns, strict=True):
            if column.kind == TEXT:
                values.append(cell(None if value is None else safe_text(str(value)),
                                   strong=row.strong))
            else:
                values.append(cell(_rounded(value, column.kind), strong=row.strong,
                                   number_format="#,##0" if column.kind == COUNT else "0.0"))
        sheet.append(values)

    details = workbook.create_sheet(_("Over deze tabel"))
    details.column_dimensions["A"].width = 24
    details.column_dimensions["B"].width = 70
    details.append([cell(table.title, strong=True)])
    for title, value in about:
        details.append([title, safe_text(value)])
    if table.note:
        details.append([_("Opmerking"), table.note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
