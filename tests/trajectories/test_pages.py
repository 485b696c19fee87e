"""The trajectory screens through HTTP: rendering, forms, refusals, scope and query counts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from dualflow.evaluations.models import EvaluationMoment
from dualflow.trajectories.models import Placement, Trajectory
from tests import factories
from tests.conftest import count_queries, fix_today, login

TODAY = date(2026, 10, 5)  # a Monday, five weeks into the school year


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The pages count training days from a known day."""
    fix_today(monkeypatch, TODAY)


def _text(response) -> str:
    """The page's text: tags removed, whitespace collapsed."""
    return _squash(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_trajectory_page_shows_plan_moments_placements_and_countdown(client, session, arena):
    factories.programme  # noqa: B018 - the world's programme has three competencies
    from dualflow.catalog.models import Competency

    session.add(Competency(programme_id=arena.world.programme_a.id, position=4, code="C4",
                           title="Veilig werken op de werf", location="both"))
    factories.evaluation_moment(session, arena.trajectory, title="Tussentijdse evaluatie 1",
                                due_on=date(2026, 10, 13))
    session.commit()
    login(client, arena.world.coordinator_a)
    response = client.get(f"/trajectories/{arena.trajectory.id}")
    assert response.status_code == 200
    body = _text(response)
    for words in ("Anna Peeters", "Metselaar", "2026-27", "Op school", "Op de werkplek",
                  "Op school en op de werkplek", "Veilig werken op de werf",
                  "Tussentijdse evaluatie 1", "13/10/2026", "Nog geen werkplek",
                  "Erkende werkplek zoeken", "Traject afsluiten"):
        assert words in body, words
    # Started 01/09/2026, 20 training days: due 28/09/2026, so on 05/10 the term has passed.
    assert "Termijn verstreken" in body and "28/09/2026" in body


def test_the_countdown_counts_training_days_and_a_signed_agreement_stops_it(client, session,
                                                                           arena):
    arena.trajectory.starts_on = date(2026, 9, 28)  # 20th training day: Fri 23/10
    placement = factories.placement(session, arena.trajectory, arena.mentor, arena.recognition,
                                    starts_on=date(2026, 9, 28))
    session.commit()
    login(client, arena.world.coordinator_a)
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "15 opleidingsdagen over" in body and "23/10/2026" in body
    factories.placement_agreement(session, placement, status="awaiting_signatures")
    session.commit()
    assert "15 opleidingsdagen over" in _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    factories.placement_agreement(session, placement, version=2, status="signed")
    session.commit()
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "Ondertekende overeenkomst in orde" in body and "opleidingsdagen over" not in body


def test_a_signed_agreement_that_ended_no_longer_counts(client, session, arena):
    placement = factories.placement(session, arena.trajectory, arena.mentor, arena.recognition,
                                    ends_on=date(2026, 9, 30))
    factories.placement_agreement(session, placement)
    session.commit()
    login(client, arena.world.coordinator_a)
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "Termijn verstreken" in body


def test_open_a_trajectory_through_the_form(client, session, world):
    pupil = factories.learner(session, world.school_a, first_name="Chris", last_name="Claes",
                              class_group="6DL")
    session.commit()
    login(client, world.coordinator_a)
    listing = _text(client.get("/trajectories/new?q=Claes"))
    assert "Chris" in listing and "Traject openen" in listing
    assert "Bram" not in _text(client.get("/trajectories/new?q=Janssens"))  # other school
    assert client.get(f"/trajectories/new?learner_id={pupil.id}").status_code == 200
    assert client.get(f"/trajectories/new?learner_id={world.learner_b.id}").status_code == 404
    response = client.post("/trajectories/new", data={
        "learner_id": pupil.id, "programme_id": world.programme_b.id, "school_year": 2026,
        "starts_on": "2026-09-01", "coordinator_id": world.coordinator_a.id,
        "class_group": "6DL", "learning_form": "duaal", "moments_from": "fixed",
        "fixed_dates": "16/10/2026\n22/01/2027",
    })
    assert response.status_code == 302, _text(response)[:2000]
    trajectory = session.execute(
        select(Trajectory).where(Trajectory.learner_id == pupil.id)
    ).scalar_one()
    assert response.location.endswith(f"/trajectories/{trajectory.id}")
    assert session.execute(
        select(func.count()).where(EvaluationMoment.trajectory_id == trajectory.id)
    ).scalar_one() == 2


def test_the_open_form_shows_refusals_on_the_field(client, session, world):
    pupil = factories.learner(session, world.school_a)
    session.commit()
    login(client, world.coordinator_a)
    response = client.post("/trajectories/new", data={
        "learner_id": pupil.id, "programme_id": world.programme_b.id, "school_year": 2026,
        "starts_on": "2026-09-01", "coordinator_id": world.coordinator_a.id,
        "learning_form": "duaal", "moments_from": "fixed", "fixed_dates": "30/02/2027",
    })
    assert response.status_code == 422
    assert "‘30/02/2027’ is geen geldige datum" in _text(response)
    assert session.execute(
        select(func.count()).where(Trajectory.learner_id == pupil.id)
    ).scalar_one() == 0


def test_placement_form_from_the_register_to_a_refusal_and_a_placement(client, session, arena):
    arena.mentor.record_check_on = None  # Mia fails one rule
    session.commit()
    login(client, arena.world.coordinator_a)
    url = f"/trajectories/{arena.trajectory.id}/placements/new"
    register = _text(client.get(url))
    assert "Werf Gent" in register and "Kiezen" in register
    assert "Werf Gent" not in _text(client.get(url + "?on=2027-07-01"))  # not recognised then
    form = _text(client.get(f"{url}?site_id={arena.site.id}"))
    assert "voldoet niet aan de mentorregels" in form and "strafregister" in form
    data = {"site_id": arena.site.id, "mentor_id": arena.mentor.id,
            "starts_on": "2026-10-05", "ends_on": "2027-06-30", "hours_per_week": "24"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "niet aan de mentorregels van de sector Bouw" in _text(response)
    assert "strafregister" in _text(response)
    arena.mentor.record_check_on = factories.RECENT_RECORD_CHECK
    session.commit()
    response = client.post(url, data=data)
    assert response.status_code == 302
    placement = session.execute(
        select(Placement).where(Placement.trajectory_id == arena.trajectory.id)
    ).scalar_one()
    assert placement.recognition_id == arena.recognition.id
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "Werf Gent" in body and "Nog geen overeenkomst" in body
    # Shorten it from the trajectory page.
    response = client.post(
        f"/trajectories/{arena.trajectory.id}/placements/{placement.id}/end",
        data={"ends_on": "2027-07-31"})
    assert response.status_code == 422 and "alleen ingekort" in _text(response)
    response = client.post(
        f"/trajectories/{arena.trajectory.id}/placements/{placement.id}/end",
        data={"ends_on": "2027-01-29"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Placement, placement.id).ends_on == date(2027, 1, 29)


def test_a_site_of_another_company_with_the_wrong_mentor_is_refused_on_the_form(client, session,
                                                                              arena):
    login(client, arena.world.coordinator_a)
    response = client.post(f"/trajectories/{arena.trajectory.id}/placements/new", data={
        "site_id": arena.site.id, "mentor_id": arena.other_mentor.id,
        "starts_on": "2026-10-05", "ends_on": "2027-06-30", "hours_per_week": "24"})
    assert response.status_code == 422
    assert "is geen mentor van Bouw A" in _text(response)


def test_moments_are_edited_from_the_trajectory_page(client, session, arena):
    login(client, arena.world.coordinator_a)
    base = f"/trajectories/{arena.trajectory.id}"
    response = client.post(f"{base}/moments", data={"title": "Bedrijfsbezoek",
                                                    "due_on": "2027-07-02"})
    assert response.status_code == 422 and "ligt buiten het traject" in _text(response)
    assert client.post(f"{base}/moments", data={"title": "Bedrijfsbezoek",
                                                "due_on": "2026-10-20"}).status_code == 302
    moment = session.execute(
        select(EvaluationMoment).where(EvaluationMoment.trajectory_id == arena.trajectory.id)
    ).scalar_one()
    assert client.get(f"{base}/moments/{moment.id}").status_code == 200
    assert client.post(f"{base}/moments/{moment.id}", data={
        "title": "Eerste bedrijfsbezoek", "due_on": "2026-10-21"}).status_code == 302
    session.expire_all()
    assert session.get(EvaluationMoment, moment.id).due_on == date(2026, 10, 21)
    moment.status = "submitted"
    session.commit()
    response = client.post(f"{base}/moments/{moment.id}/delete")
    assert response.status_code == 422 and "evaluatie al begonnen" in _text(response)
    moment.status = "planned"
    session.commit()
    assert client.post(f"{base}/moments/{moment.id}/delete").status_code == 302
    assert session.execute(
        select(func.count()).where(EvaluationMoment.trajectory_id == arena.trajectory.id)
    ).scalar_one() == 0


def test_ending_from_the_trajectory_page(client, session, arena):
    login(client, arena.world.coordinator_a)
    url = f"/trajectories/{arena.trajectory.id}/end"
    response = client.post(url, data={"status": "stopped", "ends_on": "2026-10-02",
                                      "reason": ""})
    assert response.status_code == 422 and "Geef de reden" in _text(response)
    response = client.post(url, data={"status": "stopped", "ends_on": "2026-10-02",
                                      "reason": "Kiest voor voltijds onderwijs"})
    assert response.status_code == 302
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "gestopt" in body and "Kiest voor voltijds onderwijs" in body
    assert "Traject afsluiten" not in body and "Erkende werkplek zoeken" not in body


# --- scope ------------------------------------------------------------------------------------

def test_a_coordinator_of_another_school_gets_404(client, session, arena):
    login(client, arena.world.coordinator_b)
    base = f"/trajectories/{arena.trajectory.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/placements/new").status_code == 404
    assert client.post(f"{base}/moments", data={"title": "X", "due_on": "2026-10-20"}
                       ).status_code == 404
    assert client.post(f"{base}/end", data={"status": "stopped", "ends_on": "2026-10-02",
                                            "reason": "x"}).status_code == 404
    assert "Anna" not in _text(client.get("/trajectories"))


def test_a_mentor_sees_the_trajectory_but_cannot_change_it(client, session, arena):
    placement = factories.placement(session, arena.trajectory, arena.mentor, arena.recognition)
    moment = factories.evaluation_moment(session, arena.trajectory)
    other = session.execute(
        select(Trajectory).where(Trajectory.learner_id == arena.world.learner_b.id)
    ).scalar_one()
    session.commit()
    for user in (arena.world.mentor_user_a, arena.world.company_user_a):
        client.post("/logout")
        login(client, user)
        base = f"/trajectories/{arena.trajectory.id}"
        response = client.get(base)
        assert response.status_code == 200
        body = _text(response)
        assert "Anna Peeters" in body and "Werf Gent" in body
        assert "Plaatsing toevoegen" not in body and "Traject afsluiten" not in body
        assert "Erkende werkplek zoeken" not in body
        html = response.get_data(as_text=True)
        assert "Moment toevoegen" not in body
        assert "csrf_token" not in html.split("</nav>")[1].split("<footer")[0]
        assert client.get(f"{base}/placements/new").status_code == 403
        assert client.post(f"{base}/moments", data={"title": "X", "due_on": "2026-10-20"}
                           ).status_code == 403
        assert client.post(f"{base}/moments/{moment.id}/delete").status_code == 403
        assert client.post(f"{base}/placements/{placement.id}/end",
                           data={"ends_on": "2026-12-31"}).status_code == 403
        assert client.post(f"{base}/end", data={"status": "stopped", "ends_on": "2026-10-02",
                                                "reason": "x"}).status_code == 403
        # Not placed with this mentor or company: not there at all.
        assert client.get(f"/trajectories/{other.id}").status_code == 404


def test_the_menu_shows_trajectories_to_coordinators_and_admins_only(client, session, world):
    for user, shown in ((world.coordinator_a, True), (world.admin, True),
                        (world.mentor_user_a, False), (world.sector_user_a, False)):
        client.post("/logout")
        login(client, user)
        assert ('href="/trajectories"' in client.get("/").get_data(as_text=True)) is shown


# --- the list ---------------------------------------------------------------------------------

def test_the_list_filters(client, session, arena):
    world = arena.world
    pupil = factories.learner(session, world.school_a, first_name="Dirk", last_name="Dewulf")
    factories.trajectory(session, pupil, world.programme_b, class_group="6DL")
    ended = factories.learner(session, world.school_a, first_name="Eva", last_name="Engels")
    factories.trajectory(session, ended, world.programme_b, school_year=2025,
                         starts_on=date(2025, 9, 1), status="qualified",
                         ends_on=date(2026, 6, 30))
    placed = factories.learner(session, world.school_a, first_name="Fien", last_name="Fierens")
    fien = factories.trajectory(session, placed, world.programme_a)
    factories.placement(session, fien, arena.mentor, arena.recognition)
    session.commit()
    login(client, world.coordinator_a)

    def names(query: str) -> set[str]:
        body = _text(client.get(f"/trajectories{query}"))
        return {name for name in ("Anna", "Dirk", "Eva", "Fien", "Bram")
                if re.search(rf"\b{name}\b", body)}

    assert names("") == {"Anna", "Dirk", "Eva", "Fien"}
    assert names("?school_year=2025") == {"Eva"}
    assert names(f"?programme_id={world.programme_b.id}") == {"Dirk", "Eva"}
    assert names("?class_group=6DL") == {"Dirk"}
    assert names("?status=qualified") == {"Eva"}
    assert names("?q=dewulf") == {"Dirk"}
    assert names("?q=Dirk+Dewulf") == {"Dirk"}
    assert names("?attention=unsigned") == {"Anna", "Dirk", "Fien"}
    assert names("?attention=unplaced") == {"Anna", "Dirk"}
    assert "termijn verstreken" in _text(client.get("/trajectories?attention=unsigned"))


def _school_with(session, world, count: int):
    """`count` more active trajectories of school A, some placed, some with agreements."""
    site = factories.site(session, world.company_a)
    recognition = factories.recognition(session, site, world.programme_b)
    mentor = factories.eligible_mentor(session, world.company_a)
    factories.school_holiday(session, world.school_a)
    for index in range(count):
        pupil = factories.learner(session, world.school_a, class_group=f"K{index % 3}")
        trajectory = factories.trajectory(session, pupil, world.programme_b,
                                          starts_on=date(2026, 9, 1 + index % 20),
                                          coordinator_id=world.coordinator_a.id)
        factories.evaluation_moment(session, trajectory)
        if index % 2:
            placement = factories.placement(session, trajectory, mentor, recognition)
            if index % 4 == 1:
                factories.placement_agreement(session, placement,
                                              status="signed" if index % 8 == 1 else "draft")
    session.commit()


@pytest.mark.parametrize("path", ["/", "/trajectories", "/trajectories?attention=unsigned"])
def test_list_and_dashboard_query_counts_do_not_grow_with_the_data(client, app, session, world,
                                                                   path):
    login(client, world.coordinator_a)
    counts = []
    for size in (5, 35):
        _school_with(session, world, size)
        with count_queries(app) as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts


def test_the_trajectory_page_query_count_is_bounded(client, app, session, arena):
    login(client, arena.world.coordinator_a)
    url = f"/trajectories/{arena.trajectory.id}"
    counts = []
    for extra in (1, 6):
        for index in range(extra):
            factories.evaluation_moment(session, arena.trajectory, title=f"M{index}",
                                        due_on=date(2026, 10, 1 + index))
        session.commit()
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 14, counts
