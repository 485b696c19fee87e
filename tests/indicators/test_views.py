"""The page, its CSV and XLSX exports and its PDF show the same figures, in few queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dualflow.indicators import tables as indicator_tables
from dualflow.indicators.tables import COUNT, TABLE_KEYS, TEXT
from tests import factories
from tests.conftest import count_queries, fix_today, login
from tests.indicators.conftest import REFERENCE, YEAR, Builder

FILTERS = f"school_year={YEAR}&reference_year={REFERENCE}"


def _text(html: str) -> str:
    """The page's text with tags and runs of white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def page_tables(counted_world, figures, app, monkeypatch):
    """The tables of the admin's page for the test filters, on the day the pages see."""
    today = fix_today(monkeypatch, date(2026, 12, 7))

    def build(user) -> dict[str, indicator_tables.Table]:
        with app.test_request_context():
            return indicator_tables.build_all(figures(user, today=today))

    return build


def test_the_page_shows_the_figures_and_says_how_they_are_counted(counted_world, client):
    login(client, counted_world.coordinator_a)
    response = client.get(f"/indicators?{FILTERS}")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    assert "geteld op 01/02/2023" in text
    # Totals of school A: 33 learners, 54,5 % in STEM, girls 33,3 % of the STEM learners and
    # 35,3 % of the girls in STEM; the bso row; the dual share and its change.
    for figure in ("33", "54,5%", "33,3%", "35,3%", "55,6%", "30,0%", "37,5%", "85,3%",
                   "+35,3 pp", "28,6%"):
        assert figure in text, figure
    assert "Aandeel meisjes onder de STEM-lerenden" in text
    assert "Aandeel van de meisjes dat STEM volgt" in text
    assert "Wie in maart begint of in januari stopte, telt dus niet mee." in text
    # The exports keep the page's filters.
    assert f"/indicators/export/stem.csv?school_year={YEAR}" in response.get_data(as_text=True)


def test_the_page_offers_an_admin_every_school_and_sector(counted_world, client):
    login(client, counted_world.admin)
    page = client.get(f"/indicators?{FILTERS}&school_id={counted_world.school_b.id}")
    html = page.get_data(as_text=True)
    assert 'name="school_id"' in html and 'name="sector_id"' in html
    text = _text(html)
    assert counted_world.school_b.name in text
    # School B only: four learners, all dual, so no meaningless 100 %.
    assert "enkel duale trajecten" in text


def test_without_trajectories_the_page_says_so(world, client, session):
    login(client, world.admin)
    school = factories.school(session, name="Lege school")
    page = client.get(f"/indicators?school_id={school.id}")
    assert page.status_code == 200
    assert "Deze selectie bevat geen trajecten" in page.get_data(as_text=True)


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell.replace(",", "."))


@pytest.mark.parametrize("key", TABLE_KEYS)
def test_every_csv_export_holds_the_pages_table(counted_world, client, page_tables, key):
    login(client, counted_world.admin)
    response = client.get(f"/indicators/export/{key}.csv?{FILTERS}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    table = page_tables(counted_world.admin)[key]
    assert lines[0] == [column.label for column in table.columns]
    assert len(lines) - 1 == len(table.rows) > 0
    for line, row in zip(lines[1:], table.rows, strict=True):
        for cell, value, column in zip(line, row.values, table.columns, strict=True):
            if column.kind == TEXT:
                expected = "" if value is None else str(value)
                assert cell in (expected, f"'{expected}"), (key, column.key)
            elif value is None:
                assert cell == ""
            else:
                expected = value if column.kind == COUNT else round(value, 1)
                assert _number(cell) == pytest.approx(expected), (key, column.key)


def test_text_a_spreadsheet_would_run_is_defused(counted_world, client):
    login(client, counted_world.admin)
    body = client.get(f"/indicators/export/workplaces.csv?{FILTERS}").data.decode("utf-8-sig")
    assert "'=Zorg+1;Verzorging" in body
    assert "\n=Zorg" not in body
    sheet = load_workbook(io.BytesIO(client.get(
        f"/indicators/export/lead_time.xlsx?{FILTERS}").data)).worksheets[0]
    assert "'=Zorg+1" in [row[0] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("key", ["stem", "dual", "lead_time", "timeliness", "flow"])
def test_every_xlsx_export_holds_the_pages_table(counted_world, client, page_tables, key):
    login(client, counted_world.admin)
    response = client.get(f"/indicators/export/{key}.xlsx?{FILTERS}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    table = page_tables(counted_world.admin)[key]
    assert list(rows[0]) == [column.label for column in table.columns]
    assert len(rows) - 1 == len(table.rows)
    for line, row in zip(rows[1:], table.rows, strict=True):
        for cell, value, column in zip(line, row.values, table.columns, strict=True):
            if column.kind == TEXT or value is None:
                assert cell in (value, f"'{value}"), (key, column.key)
            else:
                expected = value if column.kind == COUNT else round(value, 1)
                assert cell == pytest.approx(expected), (key, column.key)
    # The second sheet says what was counted.
    about = dict(row[:2] for row in workbook.worksheets[1].iter_rows(values_only=True)
                 if len(row) > 1)
    assert about["Geteld op"] == "01/02/2023"
    assert about["Referentiejaar"] == "2021-22"


def test_the_pdf_holds_the_whole_page(counted_world, client):
    login(client, counted_world.coordinator_a)
    response = client.get(f"/indicators.pdf?{FILTERS}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "STEM-indicatoren" in text
    assert counted_world.school_a.name in text
    for figure in ("54,5%", "33,3%", "35,3%", "85,3%", "28,6%", "Zo tellen we"):
        assert figure in text, figure


def test_the_page_is_served_in_a_bounded_number_of_queries(counted_world, client, session,
                                                            app):
    s = counted_world
    login(client, s.admin)
    client.get(f"/indicators?{FILTERS}")
    with count_queries(app) as before:
        assert client.get(f"/indicators?{FILTERS}").status_code == 200
    # Twenty more learners, a new programme and sector, more recognitions and moments.
    builder = Builder(session)
    sector = factories.sector(session, name="Nieuwe sector")
    programme = factories.programme(session, sector, competencies=0, track="doorstroom",
                                    stem_label="stem")
    company = factories.company(session)
    for number in range(20):
        pupil = builder.learner(s.school_b, "FM"[number % 2])
        trajectory = builder.trajectory(pupil, programme, year=2020 + number % 4)
        factories.evaluation_moment(session, trajectory, due_on=date(2020 + number % 4, 11, 1))
        factories.recognition(session, factories.site(session, company), programme,
                              valid_from=date(2020, 1, 1), valid_until=date(2030, 1, 1))
    session.commit()
    with count_queries(app) as after:
        assert client.get(f"/indicators?{FILTERS}").status_code == 200
    assert len(after) == len(before)
    assert len(after) <= 20


def test_bad_filter_values_fall_back_to_the_defaults(counted_world, client):
    login(client, counted_world.admin)
    response = client.get("/indicators?school_year=abc&reference_year=1800&school_id=x"
                          "&sector_id=-3")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    assert "Alle scholen en sectoren" in text
    assert client.get("/indicators/export/stem.csv?school_year=99999").status_code == 200
    assert client.get("/indicators/export/nothing.csv").status_code == 404
