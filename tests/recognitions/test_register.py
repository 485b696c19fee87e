"""The register: filters in SQL, CSV/XLSX exports with the same filters, bounded queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest

from dualflow.modelbase import utcnow
from tests import factories
from tests.conftest import count_queries, login


@pytest.fixture
def register(session, world):
    """Recognitions in every state, in several places and sectors."""
    gent = factories.company(session, name="Bâtiments Ségolène", contact_email="info@seg.example")
    brugge = factories.company(session, name="Zorghuis Brugge")
    sites = {
        "gent": factories.site(session, gent, name="Werf Gent", postcode="9000",
                               municipality="Gent"),
        "gentbrugge": factories.site(session, gent, name="Atelier Gentbrugge", postcode="9050",
                                     municipality="Gentbrugge"),
        "brugge": factories.site(session, brugge, name="Campus Brugge", postcode="8000",
                                 municipality="Brugge"),
        "antwerpen": factories.site(session, gent, name="Werf Antwerpen", postcode="2000",
                                    municipality="Antwerpen"),
        "leuven": factories.site(session, gent, name="Werf Leuven", postcode="3000",
                                 municipality="Leuven"),
    }
    current = {"valid_from": date(2026, 1, 1), "valid_until": date(2030, 12, 31)}
    factories.recognition(session, sites["gent"], world.programme_a, **current)
    factories.recognition(session, sites["brugge"], world.programme_b, **current)
    factories.recognition(session, sites["gentbrugge"], world.programme_a, status="expired",
                          valid_from=date(2020, 1, 1), valid_until=date(2025, 12, 31))
    factories.recognition_request(session, sites["antwerpen"], world.programme_a)
    factories.recognition(session, sites["leuven"], world.programme_a, status="withdrawn",
                          **current)
    factories.recognition(session, sites["leuven"], world.programme_b,
                          valid_from=date(2027, 9, 1), valid_until=date(2032, 8, 31))
    session.commit()
    return sites


def names(client, **query) -> set[str]:
    response = client.get("/register", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    return {name for name in ("Werf Gent", "Atelier Gentbrugge", "Campus Brugge",
                              "Werf Antwerpen", "Werf Leuven") if name in body}


def test_register_filters(client, world, register):
    login(client, world.coordinator_a)
    on = "2026-11-24"
    assert names(client, on=on) == {"Werf Gent", "Campus Brugge"}
    assert names(client, on="2025-06-01") == {"Atelier Gentbrugge"}  # expired since
    assert names(client, on="2028-01-01") == {"Werf Gent", "Campus Brugge", "Werf Leuven"}
    assert names(client, on=on, programme_id=world.programme_a.id) == {"Werf Gent"}
    assert names(client, on=on, sector_id=world.sector_b.id) == {"Campus Brugge"}
    assert names(client, on=on, postcode="8") == {"Campus Brugge"}
    assert names(client, on=on, postcode="9000") == {"Werf Gent"}
    assert names(client, on=on, municipality="brug") == {"Campus Brugge"}
    assert names(client, on=on, q="ségolène") | names(client, on=on, q="Werf") >= {"Werf Gent"}


def test_register_bad_filter_is_a_field_error(client, world, register):
    login(client, world.coordinator_a)
    response = client.get("/register", query_string={"on": "31/02/2026"})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    response = client.get("/register", query_string={"postcode": "Gent"})
    assert response.status_code == 422
    assert "postcode in cijfers" in response.get_data(as_text=True)


def test_sector_user_sees_the_own_sector_only(client, world, register):
    login(client, world.sector_user_a)
    assert names(client, on="2026-11-24") == {"Werf Gent"}


def test_company_user_has_no_register(client, world, register):
    login(client, world.company_user_a)
    assert client.get("/register").status_code == 403


def test_csv_export_with_filters(client, world, register):
    login(client, world.coordinator_a)
    response = client.get("/register/export.csv",
                          query_string={"on": "2026-11-24", "programme_id": world.programme_a.id})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "register-leerwerkplekken-2026-11-24.csv" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Erkenningsnummer", "Onderneming", "Ondernemingsnummer", "Vestiging",
                           "Vestigingsnummer"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Onderneming"] == "Bâtiments Ségolène"
    assert (row["Vestiging"], row["Postcode"], row["Gemeente"]) == ("Werf Gent", "9000", "Gent")
    assert (row["Geldig vanaf"], row["Geldig tot"]) == ("01/01/2026", "31/12/2030")
    assert row["Opleiding"] == world.programme_a.name
    assert row["E-mail"] == "info@seg.example"


def test_xlsx_export_with_filters(client, world, register):
    login(client, world.coordinator_a)
    response = client.get("/register/export.xlsx",
                          query_string={"on": "2028-01-01", "postcode": "3"})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook["Register"]
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert (row["Vestiging"], row["Postcode"], row["Opleiding"]) == (
        "Werf Leuven", "3000", world.programme_b.name)
    assert row["Geldig vanaf"].date() == date(2027, 9, 1)
    assert sheet["L2"].number_format == "DD/MM/YYYY"
    filters = dict(workbook["Filters"].iter_rows(values_only=True))
    assert filters["Geldig op"] == "01/01/2028" and filters["Postcode"] == "3"
    assert filters["Aantal"] == 1


def _approved_at_new_sites(session, world, n: int, offset: int) -> None:
    for index in range(n):
        company = factories.company(session, name=f"Schaal {offset + index}")
        site = factories.site(session, company, postcode=f"{9000 + index % 900}")
        factories.recognition(session, site, world.programme_a,
                              valid_from=date(2026, 1, 1), valid_until=date(2030, 12, 31))
    session.commit()


def _open_requests(session, world, n: int, offset: int = 0) -> None:
    for index in range(offset, offset + n):
        company = factories.company(session, name=f"Aanvrager {index}")
        site = factories.site(session, company, name=f"Vestiging {index}")
        mentor = factories.mentor(session, company)
        factories.recognition_request(session, site, world.programme_a, mentors=[mentor],
                                      submitted_at=utcnow() - timedelta(days=index))
    session.commit()


def _queries(app, client, url) -> int:
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_register_queries_do_not_grow_with_rows(app, client, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 50)
    login(client, world.coordinator_a)
    url = "/register?on=2026-11-24"
    _approved_at_new_sites(session, world, 5, 0)
    small = _queries(app, client, url)
    _approved_at_new_sites(session, world, 35, 5)
    large = _queries(app, client, url)
    body = client.get(url).get_data(as_text=True)
    assert body.count("Schaal ") >= 40
    assert small == large, (small, large)
    assert large <= 8
    print(f"register page: {large} queries for 5 and for 40 rows")


def test_inbox_queries_do_not_grow_with_rows(app, client, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 50)
    login(client, world.sector_user_a)
    _open_requests(session, world, 5)
    small = _queries(app, client, "/recognitions/inbox")
    _open_requests(session, world, 35, offset=5)
    large = _queries(app, client, "/recognitions/inbox")
    body = client.get("/recognitions/inbox").get_data(as_text=True)
    assert len(set(re.findall(r"Aanvrager \d+", body))) == 40
    assert small == large, (small, large)
    assert large <= 8
    print(f"inbox page: {large} queries for 5 and for 40 rows")


# --- nothing in an export runs as a formula ------------------------------------------------

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2+3"]


@pytest.fixture
def hostile_register(session, world):
    """Companies whose names a spreadsheet would run as formulas, each recognised once."""
    for n, name in enumerate(HOSTILE):
        company = factories.company(session, name=name, contact_phone="+32 9 123 45 67")
        site = factories.site(session, company, name=f"Werf {n}", municipality="\tGent")
        factories.recognition(session, site, world.programme_a)
    session.commit()


def test_the_register_csv_neutralises_formulas(client, world, hostile_register):
    login(client, world.coordinator_a)
    response = client.get("/register/export.csv", query_string={"on": "2027-01-15"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    by_name = {record["Onderneming"]: record for record in records}
    assert set(by_name) == {f"'{name}" for name in HOSTILE}
    for row in by_name.values():
        assert row["Telefoon"] == "+32 9 123 45 67"  # a phone number, not a formula
        assert row["Gemeente"] == "'\tGent"
        assert row["Geldig vanaf"] == "01/01/2026"


def test_the_register_xlsx_has_text_cells_never_formulas(client, world, hostile_register):
    login(client, world.coordinator_a)
    response = client.get("/register/export.xlsx", query_string={"on": "2027-01-15"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Register"]
    header = [cell.value for cell in sheet[1]]
    names = []
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        for cell in row:
            assert cell.data_type != "f", cell.value
        assert cells["Onderneming"].data_type == "s"
        names.append(cells["Onderneming"].value)
        assert cells["Telefoon"].value == "+32 9 123 45 67"
        assert cells["Geldig vanaf"].is_date
    assert sorted(names) == sorted(f"'{name}" for name in HOSTILE)
    # What the user typed as a filter is written back as text too; the count stays a number.
    searched = openpyxl.load_workbook(io.BytesIO(
        client.get("/register/export.xlsx", query_string={"on": "2027-01-15", "q": "@SUM"}).data))
    filters = {row[0].value: row[1] for row in searched["Filters"].iter_rows()}
    assert filters["Zoekterm"].value == "'@SUM" and filters["Zoekterm"].data_type == "s"
    assert filters["Aantal"].value == 1 and filters["Aantal"].data_type == "n"
