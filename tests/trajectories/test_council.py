"""The class council's decision on one trajectory: recorded, changed (audited), with the mentor's
evaluations and advice in view, scoped like the trajectory, and the allowance category after it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.catalog.models import Competency
from dualflow.companies.models import Mentor
from dualflow.evaluations.models import Evaluation, EvaluationScore
from dualflow.trajectories.council import suggested_allowance_category
from dualflow.trajectories.models import ClassCouncilDecision, Trajectory
from tests import factories
from tests.conftest import count_queries, fix_today, login

# The evening of the class council, a week before the end of school year 2026-27.
TODAY = date(2027, 6, 24)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    fix_today(monkeypatch, TODAY)


@pytest.fixture
def trajectory(session, world) -> Trajectory:
    return session.execute(
        select(Trajectory).where(Trajectory.learner_id == world.learner_a.id)
    ).scalar_one()


def _url(trajectory) -> str:
    return f"/trajectories/{trajectory.id}/council"


def _decision(session, trajectory) -> ClassCouncilDecision | None:
    session.expire_all()
    return session.execute(select(ClassCouncilDecision).where(
        ClassCouncilDecision.trajectory_id == trajectory.id)).scalar_one_or_none()


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)).scalars())


def _evaluate(session, trajectory, mentor, *, due_on: date, status: str = "submitted",
              levels: dict[int, int | None], general: str = "", comments=None,
              title: str = "Evaluatie") -> Evaluation:
    moment = factories.evaluation_moment(session, trajectory, due_on=due_on, status=status,
                                         title=title)
    evaluation = Evaluation(moment_id=moment.id, mentor_id=mentor.id, general_comment=general,
                            submitted_at=datetime(due_on.year, due_on.month, due_on.day,
                                                  tzinfo=UTC) if status != "draft" else None)
    session.add(evaluation)
    session.flush()
    for competency_id, level in levels.items():
        session.add(EvaluationScore(evaluation_id=evaluation.id, competency_id=competency_id,
                                    level=level, comment=(comments or {}).get(competency_id, "")))
    session.flush()
    return evaluation


def _workplace_competencies(session, trajectory) -> list[Competency]:
    return list(session.execute(
        select(Competency).where(Competency.programme_id == trajectory.programme_id,
                                 Competency.location == "workplace")
        .order_by(Competency.position)).scalars())


def test_coordinator_records_the_decision_and_changes_it_audited(client, session, world,
                                                                  trajectory):
    login(client, world.coordinator_a)
    response = client.post(_url(trajectory), data={
        "decision": "passes", "decided_on": "2027-06-23", "note": "Goed op weg."})
    assert response.status_code == 302
    row = _decision(session, trajectory)
    assert (row.decision, row.decided_on, row.note) == ("passes", date(2027, 6, 23),
                                                        "Goed op weg.")
    assert row.decided_by_id == world.coordinator_a.id
    [created] = _events(session, "class_council.decided")
    assert created.changes["decision"] == "passes"

    page = client.get(_url(trajectory)).get_data(as_text=True)
    assert "Vastgelegd: geslaagd op 23/06/2027" in page

    response = client.post(_url(trajectory), data={
        "decision": "qualified", "decided_on": "2027-06-23", "note": "Goed op weg."})
    assert response.status_code == 302
    assert _decision(session, trajectory).decision == "qualified"
    [changed] = _events(session, "class_council.changed")
    assert changed.changes == {"decision": ["passes", "qualified"]}
    # The same values again: nothing to audit.
    client.post(_url(trajectory), data={
        "decision": "qualified", "decided_on": "2027-06-23", "note": "Goed op weg."})
    assert len(_events(session, "class_council.changed")) == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"decided_on": "2027-06-23"}, "Kies de beslissing van de klassenraad."),
    ({"decision": "passes", "decided_on": "2027-06-25"}, "ligt in de toekomst"),
    ({"decision": "passes", "decided_on": "2026-08-31"},
     "niet beslissen vóór de start van het traject (01/09/2026)"),
    ({"decision": "promoted", "decided_on": "2027-06-23"}, "Kies de beslissing"),
])
def test_a_decision_needs_a_choice_and_a_date_within_the_trajectory(client, session, world,
                                                                     trajectory, data, message):
    login(client, world.coordinator_a)
    response = client.post(_url(trajectory), data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _decision(session, trajectory) is None


@pytest.mark.parametrize(("who", "status"), [("coordinator_b", 404), ("mentor_user_a", 403),
                                             ("company_user_a", 403), ("sector_user_a", 403)])
def test_only_the_trajectory_school_decides(client, session, world, trajectory, who, status):
    login(client, getattr(world, who))
    assert client.get(_url(trajectory)).status_code == status
    response = client.post(_url(trajectory), data={"decision": "passes",
                                                   "decided_on": "2027-06-23"})
    assert response.status_code == status
    assert _decision(session, trajectory) is None


def test_the_page_shows_the_mentor_evaluations_and_advice(client, session, world, trajectory):
    mentor = session.execute(select(Mentor).where(
        Mentor.user_id == world.mentor_user_a.id)).scalar_one()
    first, second = _workplace_competencies(session, trajectory)
    _evaluate(session, trajectory, mentor, due_on=date(2026, 11, 10), title="Tussentijds",
              levels={first.id: 2, second.id: None}, general="Begint traag.")
    _evaluate(session, trajectory, mentor, due_on=date(2027, 6, 1), status="reviewed",
              title="Eindevaluatie", levels={first.id: 4, second.id: 3},
              general="Advies: laat hem overgaan.",
              comments={second.id: "Werkt netjes af."})
    # A draft is the mentor's unfinished work: its words are not shown to the council.
    _evaluate(session, trajectory, mentor, due_on=date(2027, 6, 20), status="draft",
              title="Extra", levels={first.id: 1}, general="NOG NIET KLAAR")
    session.commit()
    login(client, world.coordinator_a)
    page = client.get(_url(trajectory)).get_data(as_text=True)
    assert "Advies: laat hem overgaan." in page
    assert "Begint traag." in page
    assert "Werkt netjes af." in page
    assert "NOG NIET KLAAR" not in page
    levels = page.split('class="table table-sm align-middle mb-0 df-council-levels"')[1]
    levels = levels.split("</table>")[0]
    first_row = levels.split(first.title)[1].split("</tr>")[0]
    # 2 at the first moment, 4 at the final one, latest level 4 ("zelfstandig").
    assert [cell.split(">")[1].split("<")[0] for cell in first_row.split("df-council-level ")[1:]] \
        == ["2", "4", "4"]
    assert "zelfstandig" in first_row
    second_row = levels.split(second.title)[1].split("</tr>")[0]
    assert "n.v.t." in second_row
    assert "Nog niet ingediend" in page and "Extra" in page


def test_the_page_reads_the_evaluations_in_a_fixed_number_of_queries(app, client, session,
                                                                     world, trajectory):
    mentor = session.execute(select(Mentor).where(
        Mentor.user_id == world.mentor_user_a.id)).scalar_one()
    [first, second] = _workplace_competencies(session, trajectory)
    _evaluate(session, trajectory, mentor, due_on=date(2026, 10, 1),
              levels={first.id: 2, second.id: 2}, general="Een.")
    session.commit()
    login(client, world.coordinator_a)
    with count_queries(app) as few:
        assert client.get(_url(trajectory)).status_code == 200
    for month in range(11, 13):
        _evaluate(session, trajectory, mentor, due_on=date(2026, month, 2),
                  levels={first.id: 3, second.id: 3}, general=f"Maand {month}",
                  comments={first.id: "opmerking"})
    for month in range(1, 6):
        _evaluate(session, trajectory, mentor, due_on=date(2027, month, 3),
                  levels={first.id: 3, second.id: 4}, general=f"Maand {month}")
    session.commit()
    with count_queries(app) as many:
        page = client.get(_url(trajectory)).get_data(as_text=True)
    assert "Maand 5" in page
    assert len(many) == len(few), "\n".join(many)


def test_qualified_is_recorded_and_the_page_offers_to_end_the_trajectory(client, session, world,
                                                                         trajectory):
    login(client, world.coordinator_a)
    client.post(_url(trajectory), data={"decision": "qualified", "decided_on": "2027-06-23"})
    session.expire_all()
    # The learner still works until the end of the agreement: the trajectory runs on.
    assert session.get(Trajectory, trajectory.id).status == "active"
    page = client.get(_url(trajectory)).get_data(as_text=True)
    closing = page.split('id="close"')[1]
    assert f'action="/trajectories/{trajectory.id}/end"' in closing
    assert '<option selected value="qualified">' in closing
    assert 'value="2027-06-30"' in closing
    # Ending it from there closes it as qualified, with the council's decision as the reason.
    response = client.post(f"/trajectories/{trajectory.id}/end", data={
        "status": "qualified", "ends_on": "2027-06-30",
        "reason": "Beslissing van de klassenraad van 23/06/2027: kwalificatie behaald."})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Trajectory, trajectory.id).status == "qualified"
    assert 'id="close"' not in client.get(_url(trajectory)).get_data(as_text=True)


def test_the_trajectory_page_links_to_the_decision(client, session, world, trajectory):
    login(client, world.coordinator_a)
    page = client.get(f"/trajectories/{trajectory.id}").get_data(as_text=True)
    assert f'href="{_url(trajectory)}"' in page and "Beslissing vastleggen" in page
    client.post(_url(trajectory), data={"decision": "passes", "decided_on": "2027-06-23"})
    page = client.get(f"/trajectories/{trajectory.id}").get_data(as_text=True)
    assert "Beslissing bekijken of wijzigen" in page and "geslaagd" in page
    # Mentors see the trajectory, not the council's card.
    login(client, world.mentor_user_a)
    assert "Beslissing klassenraad" not in client.get("/").get_data(as_text=True)


# --- the allowance category of the next year --------------------------------------------------

def _with_category(session, trajectory, mentor, site, recognition, category):
    placement = factories.placement(session, trajectory, mentor, recognition,
                                    starts_on=trajectory.starts_on,
                                    ends_on=date(trajectory.school_year + 1, 6, 30))
    agreement = factories.agreement(session, placement)
    agreement.allowance_category = category
    session.flush()
    return agreement


@pytest.mark.parametrize(("decision", "last_category", "expected"), [
    ("passes", 1, 2), ("qualified", 2, 3), ("passes", 3, 3), ("passes", None, 2),
    ("does_not_pass", 1, None), (None, 1, None),
])
def test_suggested_allowance_category_after_last_year(session, world, decision, last_category,
                                                      expected):
    learner = factories.learner(session, world.school_a)
    last_year = factories.trajectory(session, learner, world.programme_a, school_year=2025,
                                     starts_on=date(2025, 9, 1), ends_on=date(2026, 6, 30),
                                     status="unqualified")
    site = factories.site(session, world.company_a)
    recognition = factories.recognition(session, site, world.programme_a,
                                        valid_from=date(2025, 1, 1))
    mentor = factories.eligible_mentor(session, world.company_a)
    if last_category is not None:
        _with_category(session, last_year, mentor, site, recognition, last_category)
    if decision:
        session.add(ClassCouncilDecision(trajectory_id=last_year.id, decision=decision,
                                         decided_on=date(2026, 6, 25)))
        session.flush()
    assert suggested_allowance_category(session, learner.id, 2026) == expected
    # Only the previous year's decision counts.
    assert suggested_allowance_category(session, learner.id, 2027) is None

