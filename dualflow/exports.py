"""Every download of tabular data leaves through here.

One writer for CSV (for Belgian Excel: `;`, UTF-8 with a byte-order mark, dates as dd/mm/yyyy)
and XLSX (openpyxl), which never lets a cell run as a formula: text a spreadsheet would take
for one gets a leading quote. Numbers stay numbers.

One way to stream a body: a streamed download reads from a database session of its own,
which goes back to the pool when the body ends, when the client goes away half-way, and when
writing it fails.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from sqlmodel import Session

from dualflow.extensions import db
from dualflow.i18n import format_date, format_datetime

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text a spreadsheet would run as a formula; "+32 9 123 45 67" is a phone number and "-3,5" a
# number, not formulas.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s().,\/-]*$))")
_BOLD = Font(bold=True)


class NumberText(str):
    """A number already written out in the user's language ("37,5"): goes out as it is."""


def safe_text(value: str) -> str:
    """`value`, with a leading quote when a spreadsheet would take it for a formula."""
    return f"'{value}" if _FORMULA.match(value) else value


def csv_cell(value: Any) -> str:
    """One value as CSV text: dates as dd/mm/yyyy, numbers as they are, text never a formula."""
    if value is None:
        return ""
    if isinstance(value, NumberText):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return safe_text(str(value))


class CsvWriter:
    """Rows to `;`-separated text, collected until taken (for whole files and for streams)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=";", lineterminator="\r\n")

    def row(self, values: Iterable[Any]) -> None:
        """Add one row."""
        self._writer.writerow([csv_cell(value) for value in values])

    def take(self) -> str:
        """The text written since the last call."""
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A whole CSV file: the header row, then `rows`; UTF-8 with a byte-order mark."""
    writer = CsvWriter()
    writer.row(header)
    for row in rows:
        writer.row(row)
    # The BOM makes Excel read the file as UTF-8 (accents in names).
    return writer.take().encode("utf-8-sig")


def csv_chunks(header: Sequence[str], rows: Iterable[Iterable[Any]], *,
               batch: int = 500) -> Iterator[str]:
    """A CSV file in pieces of `batch` rows, for a streamed body; the byte-order mark first."""
    yield "\ufeff"
    writer = CsvWriter()
    writer.row(header)
    for number, row in enumerate(rows, start=1):
        writer.row(row)
        if number % batch == 0:
            yield writer.take()
    yield writer.take()


# --- XLSX ---------------------------------------------------------------------------------

def sheet_value(value: Any) -> Any:
    """A value for a worksheet cell: text never a formula, everything else as it is."""
    if isinstance(value, str):
        return safe_text(value)
    return value


def sheet_row(values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append`: each value through `sheet_value` (styled cells kept)."""
    return [value if isinstance(value, Cell) else sheet_value(value) for value in values]


def sheet_cell(sheet: Any, value: Any, *, number_format: str | None = None,
               bold: bool = False) -> Cell:
    """A styled cell of a write-only `sheet`; text is stored as text, never as a formula."""
    cell = WriteOnlyCell(sheet, value=sheet_value(value))
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = _BOLD
    return cell


def new_workbook() -> Workbook:
    """An empty write-only workbook (fast for large sheets)."""
    return Workbook(write_only=True)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- responses ----------------------------------------------------------------------------

def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store"}


def download(content: bytes, *, filename: str, mimetype: str) -> Response:
    """A finished file as an attachment."""
    return Response(content, mimetype=mimetype, headers=_attachment(filename))


def streamed_download(body: Callable[[Session], Iterable[str]], *, filename: str,
                      mimetype: str = CSV_MIMETYPE) -> Response:
    """An attachment whose body `body(session)` writes while it is sent.

    The body runs after the request's own session has been closed, so it gets a session of
    its own, opened when the first piece is asked for and closed however the body ends: read
    to the end, cut off by the client (the server closes the response), or broken by an error.
    """
    opened: list[Session] = []

    def release() -> None:
        while opened:
            opened.pop().close()

    def pieces() -> Iterator[str]:
        session = db.sessionmaker()
        opened.append(session)
        try:
            yield from body(session)
        finally:
            release()

    response = Response(stream_with_context(pieces()), mimetype=mimetype,
                        headers=_attachment(filename))
    # A body closed before its first piece never runs its `finally`; this covers that too.
    response.call_on_close(release)
    return response
