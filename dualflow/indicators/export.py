"""The indicator tables as CSV (for Belgian Excel: `;` and a UTF-8 BOM) and as XLSX (openpyxl).

Numbers stay numbers: percentages as percent values (37.5 for 37,5 %), days with one decimal,
unknown values as empty cells. The shared writer (`dualflow.exports`) keeps text from running as
a formula.
"""

from __future__ import annotations

import re

from flask_babel import format_decimal
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from dualflow import exports
from dualflow.indicators.tables import COUNT, TEXT, Table

# Characters Excel refuses in a sheet name (and its length limit).
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_LENGTH = 31


def _rounded(value, kind: str):
    """The number as exported: counts whole, everything else to one decimal."""
    if value is None or kind == TEXT:
        return value
    return int(value) if kind == COUNT else round(float(value), 1)


def _csv_cell(value, kind: str):
    if value is None or kind == TEXT:
        return None if value is None else str(value)
    number = _rounded(value, kind)
    # The decimal separator of the user's language: Belgian Excel reads "37,5" as a number.
    return number if kind == COUNT else exports.NumberText(format_decimal(number, format="0.0"))


def to_csv(table: Table) -> bytes:
    """`table` as `;`-separated UTF-8 with a byte-order mark, a heading row first."""
    return exports.csv_bytes(
        [column.label for column in table.columns],
        ([_csv_cell(value, column.kind)
          for value, column in zip(row.values, table.columns, strict=True)]
         for row in table.rows))


def sheet_name(title: str) -> str:
    """`title` as an Excel sheet name: no forbidden characters, at most 31 of them."""
    return _SHEET_NAME.sub("-", title)[:_SHEET_NAME_LENGTH].strip() or "dualflow"


def to_xlsx(table: Table, about: list[tuple[str, str]]) -> bytes:
    """`table` as a workbook: one sheet with the table, one with what it counts (`about`)."""
    workbook = exports.new_workbook()
    sheet = workbook.create_sheet(sheet_name(table.title))
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (
            34 if column.kind == TEXT else max(12, min(28, len(column.label) + 2)))
    sheet.freeze_panes = "A2"

    def cell(value, *, number_format: str | None = None, strong: bool = False):
        return exports.sheet_cell(sheet, value, number_format=number_format, bold=strong)

    sheet.append([cell(column.label, strong=True) for column in table.columns])
    for row in table.rows:
        values = []
        for value, column in zip(row.values, table.columns, strict=True):
            if column.kind == TEXT:
                values.append(cell(None if value is None else str(value),
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
        details.append(exports.sheet_row([title, value]))
    if table.note:
        details.append(exports.sheet_row([_("Opmerking"), table.note]))
    return exports.workbook_bytes(workbook)
