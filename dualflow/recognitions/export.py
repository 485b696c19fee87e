"""The register as CSV (for Belgian Excel: `;` and a UTF-8 BOM) and as XLSX (openpyxl)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext as _

from dualflow import exports
from dualflow.companies.services import company_display_name, format_kbo
from dualflow.i18n import format_date
from dualflow.recognitions.services import RegisterFilters, recognition_number


def headers() -> list[str]:
    """Column titles of the register exports."""
    return [
        _("Erkenningsnummer"), _("Onderneming"), _("Ondernemingsnummer"), _("Vestiging"),
        _("Vestigingsnummer"), _("Straat"), _("Postcode"), _("Gemeente"), _("Opleiding"),
        _("Opleidingscode"), _("Sector"), _("Geldig vanaf"), _("Geldig tot"),
        _("Contactpersoon"), _("E-mail"), _("Telefoon"), _("Mentoren"), _("Vrije plaatsen"),
    ]


# Positions (in the exported row) of the identifiers shown with dots, and of the dates.
_NUMBERS = (2, 4)
_DATES = (11, 12)


def _values(row: Sequence[Any]) -> list[Any]:
    """An exported row from a `services.register_rows` row (id, columns, form, mentors, free)."""
    recognition_id, *columns, legal_form, mentors, free = row
    columns[0] = company_display_name(columns[0], legal_form)
    values = [recognition_number(recognition_id), *columns, mentors,
              _("geen maximum") if free is None else free]
    for index in _NUMBERS:
        values[index] = format_kbo(values[index])
    return values


def to_csv(rows: Iterable[Sequence[Any]]) -> bytes:
    """The register as `;`-separated UTF-8 with a byte-order mark, dates as dd/mm/yyyy."""
    return exports.csv_bytes(headers(), (_values(row) for row in rows))


def _filter_lines(filters: RegisterFilters, labels: dict[str, str]) -> list[tuple[str, str]]:
    lines = [(_("Geldig op"), format_date(filters.on))]
    for key, title in (("programme", _("Opleiding")), ("sector", _("Sector"))):
        if labels.get(key):
            lines.append((title, labels[key]))
    if filters.postcode:
        lines.append((_("Postcode"), filters.postcode))
    if filters.municipality:
        lines.append((_("Gemeente"), filters.municipality))
    if filters.q:
        lines.append((_("Zoekterm"), filters.q))
    return lines


def to_xlsx(rows: Iterable[Sequence[Any]], filters: RegisterFilters,
            labels: dict[str, str] | None = None) -> bytes:
    """The register as an XLSX workbook: one sheet of workplaces, one with the filters used."""
    workbook = exports.new_workbook()
    sheet = workbook.create_sheet(_("Register"))
    widths = [14, 32, 16, 32, 16, 30, 9, 20, 30, 14, 20, 12, 12, 24, 30, 16, 10, 14]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([exports.sheet_cell(sheet, title, bold=True) for title in headers()])
    count = 0
    for row in rows:
        values = _values(row)
        # Styled cells are slow in openpyxl; only the dates need one (Belgian day/month order).
        for index in _DATES:
            if values[index] is not None:
                values[index] = exports.sheet_cell(sheet, values[index],
                                                   number_format="DD/MM/YYYY")
        sheet.append(exports.sheet_row(values))
        count += 1
    sheet.auto_filter.ref = f"A1:{chr(ord('A') + len(widths) - 1)}{count + 1}"

    about = workbook.create_sheet(_("Filters"))
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 40
    for title, value in _filter_lines(filters, labels or {}):
        about.append(exports.sheet_row([title, value]))
    about.append(exports.sheet_row([_("Aantal"), count]))
    return exports.workbook_bytes(workbook)
