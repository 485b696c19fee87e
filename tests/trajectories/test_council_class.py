"""The class list of the class council: a whole class's decisions in one post, all or nothing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.trajectories.models import ClassCouncilDecision
from tests import factories
from tests.conftest import count_queries, fix_today, login

TODAY = date(2027, 6, 24)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    fix_today(monkeypatch, TODAY)


@pytest.fixture
def klas(session, world):
    """Class 6A of school A in 2026-27 (four learners), one of 6B, one of school B in 6A."""
    names = ["Aerts", "Bosmans", "Claes", "Dewulf"]
    rows = []
    for name in names:
        pupil = factories.learner(session, world.school_a, last_name=name, first_name="Kim")
        rows.append(factories.trajectory(session, pupil, world.programme_a, class_group="6A"))
    other_class = factories.trajectory(
        session, factories.learner(session, world.school_a, last_name="Elst"),
        world.programme_a, class_group="6B")
    other_school = factories.trajectory(
        session, factories.learner(session, world.school_b, last_name="Fonteyne"),
        world.programme_b, class_group="6A")
    session.commit()
    return rows, other_class, other_school


def _decisions(session) -> dict[int, str]:
    session.expire_all()
    return dict(session.execute(select(ClassCouncilDecision.trajectory_id,
                                       ClassCouncilDecision.decision)).all())


URL = "/council?school_year=2026&class_group=6A"


def test_the_class_list_shows_the_class_of_the_own_school(client, world, klas):
    login(client, world.coordinator_a)
    page = client.get(URL).get_data(as_text=True)
    for name in ("Aerts", "Bosmans", "Claes", "Dewulf"):
        assert name in page
    assert "Elst" not in page and "Fonteyne" not in page
    assert page.count('name="trajectory_id"') == 4
    assert "nog geen beslissing: 4" in page


def test_a_whole_class_is_decided_in_one_post(client, session, world, klas):
    rows, _other_class, _other_school = klas
    login(client, world.coordinator_a)
    data = {"decided_on": "2027-06-23", "trajectory_id": [str(row.id) for row in rows]}
    data.update({f"decision-{rows[0].id}": "passes", f"decision-{rows[1].id}": "qualified",
                 f"decision-{rows[2].id}": "does_not_pass", f"decision-{rows[3].id}": ""})
    response = client.post(URL, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(URL)
    assert _decisions(session) == {rows[0].id: "passes", rows[1].id: "qualified",
                                   rows[2].id: "does_not_pass"}
    page = client.get(URL).get_data(as_text=True)
    assert "Beslissingen bewaard: 3 nieuw, 0 gewijzigd, 0 verwijderd." in page
    assert '<option value="qualified" selected>' in page.split(f'id="decision-{rows[1].id}"')[1]

    # The next post changes one, removes one and leaves the rest: each change audited.
    data.update({f"decision-{rows[0].id}": "qualified", f"decision-{rows[2].id}": ""})
    assert client.post(URL, data=data).status_code == 302
    assert _decisions(session) == {rows[0].id: "qualified", rows[1].id: "qualified"}
    actions = [event.action for event in session.execute(
        select(AuditEvent).where(AuditEvent.action.like("class_council.%"))
        .order_by(AuditEvent.id)).scalars()]
    assert actions == ["class_council.decided"] * 3 + ["class_council.changed",
                                                       "class_council.removed"]


def test_saving_the_class_again_keeps_the_dates_of_unchanged_decisions(client, session, world,
                                                                       klas):
    rows, _other_class, _other_school = klas
    session.add(ClassCouncilDecision(trajectory_id=rows[0].id, decision="passes",
                                     decided_on=date(2027, 6, 20), note="Eerste zittijd."))
    session.commit()
    login(client, world.coordinator_a)
    # The page opens with today's date; the earlier decision is posted back unchanged.
    response = client.post(URL, data={
        "decided_on": "2027-06-24", "trajectory_id": [str(rows[0].id), str(rows[1].id)],
        f"decision-{rows[0].id}": "passes", f"decision-{rows[1].id}": "does_not_pass"})
    assert response.status_code == 302
    session.expire_all()
    by_trajectory = {row.trajectory_id: row for row in session.execute(
        select(ClassCouncilDecision)).scalars()}
    assert (by_trajectory[rows[0].id].decided_on, by_trajectory[rows[0].id].note) == (
        date(2027, 6, 20), "Eerste zittijd.")
    assert by_trajectory[rows[1].id].decided_on == date(2027, 6, 24)
    assert "1 nieuw, 0 gewijzigd" in client.get(URL).get_data(as_text=True)


def test_one_wrong_row_saves_nothing(client, session, world, klas):
    rows, _other_class, _other_school = klas
    # A learner who only started in March cannot have been decided on in February.
    rows[3].starts_on = date(2027, 3, 1)
    session.commit()
    login(client, world.coordinator_a)
    data = {"decided_on": "2027-02-15", "trajectory_id": [str(row.id) for row in rows]}
    data.update({f"decision-{row.id}": "passes" for row in rows})
    response = client.post(URL, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Kim Dewulf: De klassenraad kan niet beslissen vóór de start van het traject" in page
    assert _decisions(session) == {}
    # What was chosen stays on the screen.
    assert '<option value="passes" selected>' in page.split(f'id="decision-{rows[0].id}"')[1]


def test_a_date_is_needed_when_something_is_decided(client, session, world, klas):
    rows, _other_class, _other_school = klas
    login(client, world.coordinator_a)
    response = client.post(URL, data={"decided_on": "", "trajectory_id": [str(rows[0].id)],
                                      f"decision-{rows[0].id}": "passes"})
    assert response.status_code == 422
    assert "Vul de datum van de klassenraad in." in response.get_data(as_text=True)
    assert _decisions(session) == {}


def test_a_trajectory_of_another_school_in_the_post_refuses_all(client, session, world, klas):
    rows, _other_class, other_school = klas
    login(client, world.coordinator_a)
    response = client.post(URL, data={
        "decided_on": "2027-06-23", "trajectory_id": [str(rows[0].id), str(other_school.id)],
        f"decision-{rows[0].id}": "passes", f"decision-{other_school.id}": "passes"})
    assert response.status_code == 404
    assert _decisions(session) == {}


@pytest.mark.parametrize("who", ["mentor_user_a", "company_user_a", "sector_user_a"])
def test_the_class_list_is_the_school_s(client, world, klas, who):
    login(client, getattr(world, who))
    assert client.get(URL).status_code == 403


def test_filters_and_pages_in_sql(app, client, session, world, klas):
    login(client, world.coordinator_a)
    with count_queries(app) as few:
        assert client.get(URL).status_code == 200
    for index in range(30):
        pupil = factories.learner(session, world.school_a, last_name=f"Extra {index:02d}")
        factories.trajectory(session, pupil, world.programme_a, class_group="6A")
    session.commit()
    with count_queries(app) as many:
        page = client.get(URL).get_data(as_text=True)
    assert page.count('name="trajectory_id"') == 34
    assert len(many) == len(few)
    # The programme filter and the name search narrow it down.
    page = client.get(URL + "&q=Bosmans").get_data(as_text=True)
    assert page.count('name="trajectory_id"') == 1
    page = client.get(URL + f"&programme_id={world.programme_b.id}").get_data(as_text=True)
    assert 'name="trajectory_id"' not in page


def test_the_dashboard_and_the_trajectory_list_lead_to_the_class_list(app, client, world):
    login(client, world.coordinator_a)
    for url in ("/", "/trajectories"):
        page = client.get(url).get_data(as_text=True)
        assert re.search(r'href="/council"[^>]*>.*Beslissingen klassenraad', page), url
    # Not for the company: it has no class council.
    company = app.test_client()
    login(company, world.company_user_a)
    assert 'href="/council"' not in company.get("/trajectories").get_data(as_text=True)
