"""The register shows the recognition number, the named mentors and the free places."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from dualflow.recognitions.models import RecognitionMentor
from tests import factories
from tests.conftest import count_queries, login

ON = "2026-11-24"


@pytest.fixture
def placed(session, world):
    """rec_a (Bouw: one learner per mentor) names Mia, who guides a Bouw learner, and mentor_a2;
    rec_ab (Zorg: no cap) names Mia; rec_b names nobody."""
    s = factories.placed_world(session, world)
    for rec, mentor in ((s.rec_a, s.mentor_a), (s.rec_a, s.mentor_a2), (s.rec_ab, s.mentor_a)):
        session.add(RecognitionMentor(recognition_id=rec.id, mentor_id=mentor.id))
    session.commit()
    return s


def _csv(client) -> dict[str, dict[str, str]]:
    response = client.get("/register/export.csv", query_string={"on": ON})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_the_register_export_shows_number_mentors_and_free_places(client, world, placed):
    login(client, world.admin)
    rows = _csv(client)
    a, ab, b = (rows[f"ERK-{rec.id:06d}"] for rec in (placed.rec_a, placed.rec_ab, placed.rec_b))
    # Mia's place is taken by her Bouw learner (her Zorg learner does not count for Bouw).
    assert (a["Mentoren"], a["Vrije plaatsen"]) == ("2", "1")
    assert (ab["Mentoren"], ab["Vrije plaatsen"]) == ("1", "geen maximum")
    assert (b["Mentoren"], b["Vrije plaatsen"]) == ("0", "0")


def test_a_finished_placement_frees_the_place(client, session, world, placed):
    placed.place_a.ends_on = date(2026, 10, 31)
    session.commit()
    login(client, world.admin)
    assert _csv(client)[f"ERK-{placed.rec_a.id:06d}"]["Vrije plaatsen"] == "2"


def test_the_register_xlsx_has_the_numbers(client, world, placed):
    login(client, world.admin)
    response = client.get("/register/export.xlsx", query_string={"on": ON})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data))["Register"]
                .iter_rows(values_only=True))
    by_number = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    row = by_number[f"ERK-{placed.rec_a.id:06d}"]
    assert (row["Mentoren"], row["Vrije plaatsen"]) == (2, 1)


def test_the_register_page_shows_number_mentors_and_free_places(client, world, placed):
    login(client, world.admin)
    body = client.get("/register", query_string={"on": ON}).get_data(as_text=True)
    assert f"ERK-{placed.rec_a.id:06d}" in body
    assert "1 vrije plaats" in body and "geen maximum" in body
    assert "2 mentoren" in body


def _more(session, world, placed, n: int) -> None:
    for _index in range(n):
        site = factories.site(session, world.company_a)
        rec = factories.recognition(session, site, world.programme_a)
        mentor = factories.mentor(session, world.company_a)
        session.add(RecognitionMentor(recognition_id=rec.id, mentor_id=mentor.id))
    session.commit()


def test_the_register_counts_in_a_bounded_number_of_queries(app, client, session, world,
                                                             placed):
    login(client, world.admin)
    url = f"/register?on={ON}&programme_id={world.programme_a.id}"
    _more(session, world, placed, 1)  # rec_a and one more: 2 rows
    with count_queries(app) as small:
        assert client.get(url).status_code == 200
    _more(session, world, placed, 5)  # 7 rows
    with count_queries(app) as large:
        body = client.get(url).get_data(as_text=True)
    assert body.count("ERK-") == 7
    assert len(small) == len(large) <= 8, (len(small), len(large))
