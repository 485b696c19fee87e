"""The progress report PDF, read back with pypdf: people, competencies, levels, review, scope."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from dualflow.evaluations import services as evaluations
from dualflow.reports.progress import progress_report_data, render_progress_report
from tests import factories
from tests.conftest import count_queries, login
from tests.reports.conftest import TITLES, fill, pdf_text


@pytest.fixture
def evaluated(session, scene):
    """m1 submitted and reviewed, m2 submitted, m3 still planned (the final evaluation)."""
    s = scene
    fill(session, s, s.m1, {s.c1.id: 1, s.c3.id: 2, s.c4.id: None},
         general_comment="Goed begin op de werf.", comments={s.c3.id: "Netjes gevoegd."})
    fill(session, s, s.m2, {s.c1.id: 3, s.c3.id: None, s.c4.id: 2})
    evaluations.review(session, actor=s.coordinator_a, moment=s.m1,
                       school_comment="Besproken met Anna.")
    session.commit()
    return s


def _cells(content: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text run on a page, as pypdf positions them."""
    runs: list[tuple[str, float, float]] = []
    PdfReader(io.BytesIO(content)).pages[page].extract_text(
        visitor_text=lambda text, _cm, tm, _font, _size: runs.append((text.strip(), tm[4], tm[5]))
        if text.strip() else None)
    return runs


def _level_grid(content: bytes) -> dict[str, dict[str, str]]:
    """The levels table as {competency code: {moment header: cell text}}, by position."""
    runs = _cells(content)
    top = next(y for text, _x, y in runs if text.startswith("COMPETENTIE"))
    # The header row only: the charts further down repeat "#1", "#2" as axis labels.
    headers = {text: x for text, x, y in runs if text in ("#1", "#2", "#3") and abs(y - top) < 5}
    grid: dict[str, dict[str, str]] = {}
    for code in ("C1", "C3", "C4"):
        row_y = next(y for text, _x, y in runs if text == code and y > top)
        # A centred cell starts a few points left or right of its header: take the nearest one.
        cells = [(text, x) for text, x, y in runs
                 if abs(y - row_y) < 1 and min(abs(x - hx) for hx in headers.values()) < 15]
        grid[code] = {min(headers, key=lambda h, x=x: abs(headers[h] - x)): text
                      for text, x in cells}
    return grid


def test_the_report_shows_people_competencies_levels_and_review(app, session, evaluated):
    s = evaluated
    content = render_progress_report(session, s.traj_a, language="nl")
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)

    for expected in ("Voortgangsrapport van Anna Peeters", "Mia Maes", "Ploegbaas", "Campus A",
                     "Metselaar", "sector Bouw", "Bouw A", "Schooljaar 2026-27", "Klas 5BOa",
                     "trajectbegeleider: Cor Claes"):
        assert expected in text, expected
    # Only the workplace competencies; the school competency C2 is not the mentor's.
    for code in ("C1", "C3", "C4"):
        assert f"{code} {TITLES[code]}" in text
    assert TITLES["C2"] not in text

    # Levels by position: each under its own moment's column, n.v.t. as such (not 0).
    assert _level_grid(content) == {
        "C1": {"#1": "1", "#2": "3"},
        "C3": {"#1": "2", "#2": "n.v.t."},
        "C4": {"#1": "n.v.t.", "#2": "2"},
    }
    assert "C1 Metselwerk uitvoeren 1 3 3 · verworven" in text
    assert "C3 Voegwerk afwerken 2 n.v.t. 2 · in ontwikkeling" in text

    # The timeline has all three moments; the planned one is open, with its due date.
    assert "1 nagekeken door de school, 1 ingediend en nog niet nagekeken, 1 open" in text
    assert "Eindevaluatie 09/03/2027 open · nog niet ingediend" in text
    assert "Eerste evaluatie door Mia Maes 13/10/2026 nagekeken" in text
    assert "Tweede evaluatie door Mia Maes 15/12/2026 ingediend" in text

    # The comments of the counted evaluations, and the signature lines.
    assert "Goed begin op de werf." in text
    assert "C3 Voegwerk afwerken: Netjes gevoegd." in text
    assert "SCHOOL · COR CLAES Besproken met Anna." in text
    assert "ROL NAAM DATUM HANDTEKENING Lerende Anna Peeters Mentor Mia Maes " \
           "Trajectbegeleider Cor Claes" in text
    assert "pagina 1 van 2" in text


def test_drafts_and_sent_back_evaluations_do_not_count(session, evaluated):
    s = evaluated
    fill(session, s, s.m3, {s.c1.id: 4, s.c3.id: 4, s.c4.id: 4}, submit=False,
         general_comment="Nog niet af.")
    data = progress_report_data(session, s.traj_a.id)
    assert [m["number"] for m in data["counted_moments"]] == [1, 2]
    assert [row["levels"] for row in data["competencies"]] == [[1, 3], [2, "nvt"], ["nvt", 2]]
    assert data["review"] == {"total": 3, "reviewed": 1, "submitted": 1, "open": 1,
                              "overdue": 0}
    text = pdf_text(render_progress_report(session, s.traj_a, language="nl"))
    assert "Nog niet af." not in text
    assert "Eindevaluatie 09/03/2027 open · nog niet ingediend" in text


def test_a_trajectory_without_submitted_evaluations_still_renders(session, scene):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2}, submit=False)  # a draft only
    text = pdf_text(render_progress_report(session, s.traj_a, language="nl"))
    assert "Voortgangsrapport van Anna Peeters" in text
    assert "Er is nog geen ingediende evaluatie" in text
    assert "0 nagekeken door de school, 0 ingediend en nog niet nagekeken, 3 open" in text
    assert "Verloop per competentie" not in text
    # Without moments and without a workplace the report still says what there is.
    bare = pdf_text(render_progress_report(session, s.traj_d, language="nl"))
    assert "Nog geen werkplek" in bare
    assert "Voor dit traject zijn nog geen evaluatiemomenten gepland." in bare


def test_the_report_speaks_the_requested_language(session, evaluated):
    s = evaluated
    french = pdf_text(render_progress_report(session, s.traj_a, language="fr"))
    english = pdf_text(render_progress_report(session, s.traj_a, language="en"))
    # Words the catalogues already translate; the data itself stays as entered.
    assert "APPRENANT Anna Peeters" in french and "LERENDE" not in french
    assert "examinée" in french and "Année scolaire 2026-27" in french
    assert "LEARNER Anna Peeters" in english and "School year 2026-27" in english
    for text in (french, english):
        assert "C1 Metselwerk uitvoeren" in text and "Mia Maes" in text


def test_the_data_takes_five_queries_whatever_the_number_of_moments(app, session, evaluated):
    s = evaluated
    for number in range(6):
        factories.evaluation_moment(session, s.traj_a, title=f"Extra {number}")
    session.commit()
    trajectory_id = s.traj_a.id
    session.expire_all()
    with count_queries(app) as statements:
        data = progress_report_data(session, trajectory_id)
    assert len(data["moments"]) == 9
    assert len(statements) == 5, "\n\n".join(statements)


def test_the_download_is_a_pdf_for_who_sees_the_trajectory(client, session, evaluated):
    s = evaluated
    login(client, s.coordinator_a)
    response = client.get(f"/trajectories/{s.traj_a.id}/progress-report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "Peeters_Anna_Metselaar.pdf" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    assert "Anna Peeters" in pdf_text(response.data)


def test_the_mentor_of_the_learner_downloads_it_too(client, session, evaluated):
    login(client, evaluated.mentor_user_a)
    response = client.get(f"/trajectories/{evaluated.traj_a.id}/progress-report.pdf")
    assert response.status_code == 200


def test_the_report_follows_the_interface_language(client, session, evaluated):
    login(client, evaluated.coordinator_a)
    client.post("/language", data={"language": "fr"})
    response = client.get(f"/trajectories/{evaluated.traj_a.id}/progress-report.pdf")
    assert response.status_code == 200
    assert PdfReader(io.BytesIO(response.data)).trailer["/Root"]["/Lang"] == "fr"
    assert "APPRENANT Anna Peeters" in pdf_text(response.data)


@pytest.mark.parametrize("who", ["coordinator_b", "mentor_user_b"])
def test_others_get_a_404(client, session, evaluated, who):
    s = evaluated
    login(client, getattr(s, who))
    assert client.get(f"/trajectories/{s.traj_a.id}/progress-report.pdf").status_code == 404


def test_the_trajectory_page_partial_offers_the_report(app, session, evaluated):
    from flask import render_template_string
    from flask_login import login_user

    s = evaluated
    with app.test_request_context():
        login_user(s.coordinator_a)
        html = render_template_string('{% include "reports/_trajectory_actions.html" %}',
                                      t=s.traj_a)
    assert f"/trajectories/{s.traj_a.id}/progress-report.pdf" in html
    assert "Voortgangsrapport (PDF)" in html
    assert "/reports/batches" in html


def test_the_chart_leaves_a_gap_at_n_v_t_instead_of_dropping_to_zero():
    from dualflow.reports.progress import _level_y, level_chart

    chart = level_chart([2, "nvt", 3, 4, None, 1])
    # Dots at their level, an open mark in the lane below level 1 for n.v.t., nothing for a
    # missing score; the line joins only neighbouring assessed moments (3 -> 4).
    assert [y for _x, y in chart["points"]] == [_level_y(2), _level_y(3), _level_y(4),
                                                _level_y(1)]
    assert len(chart["not_applicable"]) == 1
    assert chart["not_applicable"][0][1] > _level_y(1)
    assert [(a[1], b[1]) for a, b in chart["segments"]] == [(_level_y(3), _level_y(4))]


def test_many_competencies_make_rows_of_three_small_charts(session, evaluated):
    from dualflow.catalog.models import Competency

    s = evaluated
    for position in range(5, 17):
        session.add(Competency(programme_id=s.programme_a.id, position=position,
                               code=f"C{position}", title=f"Extra {position}",
                               location="workplace"))
    session.commit()
    data = progress_report_data(session, s.traj_a.id)
    assert len(data["competencies"]) == 15
    assert [[t["code"] for t in row["titles"]] for row in data["chart_rows"]][:2] == [
        ["C1", "C3", "C4"], ["C5", "C6", "C7"]]
    assert len(data["chart_rows"]) == 5
    text = pdf_text(render_progress_report(session, s.traj_a, language="nl"))
    assert "C16 Extra 16" in text
