"""Opening and ending trajectories, and the evaluation moments of the training plan."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.errors import DomainError, NotAllowed
from dualflow.evaluations.models import Evaluation, EvaluationMoment
from dualflow.trajectories import services
from dualflow.trajectories.models import Placement
from dualflow.trajectories.training_days import TrainingCalendar
from tests import factories

AUTUMN = (date(2026, 11, 2), date(2026, 11, 6))
CHRISTMAS = (date(2026, 12, 21), date(2027, 1, 1))
KROKUS = (date(2027, 2, 8), date(2027, 2, 12))
EASTER = (date(2027, 3, 29), date(2027, 4, 9))
YEAR = [AUTUMN, CHRISTMAS, KROKUS, EASTER]
JUNE_30 = date(2027, 6, 30)


# --- generating the moments ---------------------------------------------------------------

@pytest.mark.parametrize(("start", "weeks", "holidays", "until", "expected"), [
    # Every 6 weeks from Tue 1/9; 30/3 lies in the Easter holiday and moves to Mon 12/4.
    (date(2026, 9, 1), 6, YEAR, JUNE_30, [
        date(2026, 10, 13), date(2026, 11, 24), date(2027, 1, 5), date(2027, 2, 16),
        date(2027, 4, 12), date(2027, 5, 11), date(2027, 6, 22)]),
    # Every 9 weeks: 3/11 is in the autumn holiday -> Mon 9/11.
    (date(2026, 9, 1), 9, YEAR, JUNE_30, [
        date(2026, 11, 9), date(2027, 1, 5), date(2027, 3, 9), date(2027, 5, 11)]),
    # A start on a Saturday: every date is a Saturday and moves to the Monday.
    (date(2026, 9, 5), 13, [], JUNE_30, [
        date(2026, 12, 7), date(2027, 3, 8), date(2027, 6, 7)]),
    # Weekly through two weeks of Christmas: 21/12 and 28/12 both move to 4/1, once.
    (date(2026, 12, 14), 1, [CHRISTMAS], date(2027, 1, 15), [
        date(2027, 1, 4), date(2027, 1, 11)]),
    # The last date on 30 June itself is kept ...
    (date(2026, 9, 1), 43, [], JUNE_30, [date(2027, 6, 29)]),
    (date(2026, 9, 2), 43, [], JUNE_30, [date(2027, 6, 30)]),
    # ... and nothing after it, not even a date moved past it by a holiday.
    (date(2026, 9, 1), 43, [(date(2027, 6, 28), date(2027, 8, 31))], JUNE_30, []),
    (date(2026, 9, 3), 43, [], JUNE_30, []),
])
def test_moment_dates(start, weeks, holidays, until, expected):
    calendar = TrainingCalendar(holidays)
    assert services.moment_dates(start, interval_weeks=weeks, until=until,
                                 calendar=calendar) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("16/10/2026\n22/01/2027", [date(2026, 10, 16), date(2027, 1, 22)]),
    ("2027-01-22, 16.10.2026; 16/10/2026", [date(2026, 10, 16), date(2027, 1, 22)]),
    ("  ", []),
])
def test_fixed_dates_are_read_in_the_belgian_way(text, expected):
    assert services.parse_dates(text) == expected


@pytest.mark.parametrize("text", ["31/02/2027", "16/10", "morgen"])
def test_a_fixed_date_that_is_no_date_is_refused(text):
    with pytest.raises(DomainError) as caught:
        services.parse_dates(text)
    assert caught.value.field == "fixed_dates"


# --- opening ----------------------------------------------------------------------------------

def _open(session, world, **overrides):
    pupil = overrides.pop("learner", None) or factories.learner(session, world.school_a,
                                                                class_group="5DL")
    arguments = {"actor": world.coordinator_a, "learner_id": pupil.id,
                 "programme_id": world.programme_b.id, "school_year": 2026,
                 "starts_on": date(2026, 9, 1)}
    arguments.update(overrides)
    return services.open_trajectory(session, **arguments)


def _moments(session, trajectory):
    return session.execute(
        select(EvaluationMoment).where(EvaluationMoment.trajectory_id == trajectory.id)
        .order_by(EvaluationMoment.due_on)
    ).scalars().all()


def test_opening_plans_the_moments_from_the_school_default(session, world):
    world.school_a.evaluation_interval_weeks = 6
    for start, end in YEAR:
        factories.school_holiday(session, world.school_a, starts_on=start, ends_on=end)
    trajectory = _open(session, world)
    assert trajectory.coordinator_id == world.coordinator_a.id  # default: the actor
    assert trajectory.class_group == "5DL"  # default: the learner's class
    assert trajectory.learning_form == "duaal"
    moments = _moments(session, trajectory)
    assert [m.due_on for m in moments][4] == date(2027, 4, 12)  # moved past Easter
    assert len(moments) == 7 and moments[-1].due_on <= JUNE_30
    assert moments[0].title == "Tussentijdse evaluatie 1"
    assert moments[-1].title == "Eindevaluatie"
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "trajectory.opened")
    ).scalar_one()
    assert event.entity_id == trajectory.id and len(event.changes["evaluation_moments"]) == 7


def test_opening_with_fixed_dates(session, world):
    trajectory = _open(session, world, fixed_dates=[date(2027, 1, 22), date(2026, 10, 16)])
    assert [m.due_on for m in _moments(session, trajectory)] == [date(2026, 10, 16),
                                                                 date(2027, 1, 22)]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"fixed_dates": [date(2027, 7, 1)]}, "fixed_dates"),
    ({"fixed_dates": [date(2026, 8, 31)]}, "fixed_dates"),
    ({"starts_on": date(2026, 8, 31)}, "starts_on"),
    ({"starts_on": date(2027, 7, 1)}, "starts_on"),
    ({"starts_on": None}, "starts_on"),
    ({"programme_id": None}, "programme_id"),
    ({"school_year": None}, "school_year"),
    ({"learning_form": "per_post"}, "learning_form"),
])
def test_opening_refusals(session, world, overrides, field):
    with pytest.raises(DomainError) as caught:
        _open(session, world, **overrides)
    assert caught.value.field == field


def test_a_learner_of_another_school_is_refused(session, world):
    with pytest.raises(DomainError) as caught:
        _open(session, world, learner=world.learner_b)
    assert caught.value.field == "learner_id"


def test_the_coordinator_must_be_an_active_coordinator_of_the_school(session, world):
    with pytest.raises(DomainError) as caught:
        _open(session, world, coordinator_id=world.coordinator_b.id)
    assert caught.value.field == "coordinator_id"


def test_the_same_programme_twice_in_a_year_is_refused(session, world):
    with pytest.raises(DomainError) as caught:
        _open(session, world, learner=world.learner_a, programme_id=world.programme_a.id)
    assert caught.value.field == "programme_id" and "Anna Peeters" in caught.value.message


def test_mentors_and_companies_open_no_trajectories(session, world):
    with pytest.raises(NotAllowed):
        _open(session, world, actor=world.mentor_user_a)


# --- editing the moments ----------------------------------------------------------------------

def test_add_change_and_delete_a_planned_moment(session, arena):
    actor, trajectory = arena.world.coordinator_a, arena.trajectory
    moment = services.add_moment(session, actor=actor, trajectory=trajectory,
                                 title="Bedrijfsbezoek", due_on=date(2026, 10, 7))
    services.update_moment(session, actor=actor, trajectory=trajectory, moment=moment,
                           title="Eerste bedrijfsbezoek", due_on=date(2026, 10, 8))
    assert (moment.title, moment.due_on) == ("Eerste bedrijfsbezoek", date(2026, 10, 8))
    services.delete_moment(session, actor=actor, trajectory=trajectory, moment=moment)
    assert _moments(session, trajectory) == []
    actions = session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_type == "evaluation_moments")
        .order_by(AuditEvent.id)
    ).scalars().all()
    assert actions == ["evaluation_moment.added", "evaluation_moment.updated",
                       "evaluation_moment.deleted"]


@pytest.mark.parametrize(("due_on", "title", "field"), [
    (date(2026, 8, 31), "Te vroeg", "due_on"),
    (date(2027, 7, 1), "Te laat", "due_on"),
    (date(2026, 10, 8), "  ", "title"),
])
def test_a_moment_outside_the_trajectory_or_without_title_is_refused(session, arena, due_on,
                                                                     title, field):
    with pytest.raises(DomainError) as caught:
        services.add_moment(session, actor=arena.world.coordinator_a,
                            trajectory=arena.trajectory, title=title, due_on=due_on)
    assert caught.value.field == field


@pytest.mark.parametrize("with_row", [True, False])
def test_a_moment_with_an_evaluation_can_be_neither_changed_nor_deleted(session, arena,
                                                                         with_row):
    moment = factories.evaluation_moment(session, arena.trajectory,
                                         status="planned" if with_row else "submitted")
    if with_row:
        session.add(Evaluation(moment_id=moment.id))
        session.flush()
    for action in (services.delete_moment, services.update_moment):
        extra = {} if action is services.delete_moment else {"title": "X",
                                                            "due_on": date(2026, 10, 20)}
        with pytest.raises(DomainError) as caught:
            action(session, actor=arena.world.coordinator_a, trajectory=arena.trajectory,
                   moment=moment, **extra)
        assert "evaluatie al begonnen" in caught.value.message


# --- ending -----------------------------------------------------------------------------------

def test_ending_shortens_placements_and_drops_later_planned_moments(session, arena):
    world, trajectory = arena.world, arena.trajectory
    placement = factories.placement(session, trajectory, arena.mentor, arena.recognition)
    later = factories.placement(session, trajectory, arena.mentor, arena.recognition,
                                starts_on=date(2027, 3, 1), ends_on=date(2027, 6, 30))
    placement.ends_on = date(2027, 2, 28)
    kept = factories.evaluation_moment(session, trajectory, due_on=date(2026, 10, 15))
    dropped = factories.evaluation_moment(session, trajectory, due_on=date(2027, 1, 15))
    session.commit()
    ids = {"placement": placement.id, "later": later.id, "kept": kept.id, "dropped": dropped.id}
    services.end_trajectory(session, actor=world.coordinator_a, trajectory=trajectory,
                            status="reoriented", ends_on=date(2026, 12, 18),
                            reason="Overstap naar een andere opleiding")
    session.commit()
    session.expire_all()
    assert trajectory.status == "reoriented" and trajectory.ends_on == date(2026, 12, 18)
    assert session.get(Placement, ids["placement"]).ends_on == date(2026, 12, 18)
    assert session.get(Placement, ids["later"]) is None
    assert session.get(EvaluationMoment, ids["kept"]) is not None
    assert session.get(EvaluationMoment, ids["dropped"]) is None
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "trajectory.ended")
    ).scalar_one()
    assert event.changes["status"] == ["active", "reoriented"]
    assert event.changes["placements_removed"] == [ids["later"]]


@pytest.mark.parametrize(("status", "ends_on", "reason", "field"), [
    ("active", date(2026, 12, 18), "x", "status"),
    ("finished", date(2026, 12, 18), "x", "status"),
    ("stopped", date(2026, 8, 31), "x", "ends_on"),
    ("stopped", date(2027, 7, 1), "x", "ends_on"),
    ("stopped", None, "x", "ends_on"),
    ("stopped", date(2026, 12, 18), " ", "reason"),
])
def test_ending_refusals(session, arena, status, ends_on, reason, field):
    with pytest.raises(DomainError) as caught:
        services.end_trajectory(session, actor=arena.world.coordinator_a,
                                trajectory=arena.trajectory, status=status, ends_on=ends_on,
                                reason=reason)
    assert caught.value.field == field


def test_an_ended_trajectory_does_not_end_twice(session, arena):
    kwargs = {"actor": arena.world.coordinator_a, "trajectory": arena.trajectory,
              "status": "qualified", "ends_on": date(2027, 6, 30), "reason": "Diploma"}
    services.end_trajectory(session, **kwargs)
    with pytest.raises(DomainError) as caught:
        services.end_trajectory(session, **kwargs)
    assert "al afgesloten" in caught.value.message


def test_a_later_placement_with_an_agreement_blocks_ending(session, arena):
    later = factories.placement(session, arena.trajectory, arena.mentor, arena.recognition,
                                starts_on=date(2027, 3, 1))
    factories.placement_agreement(session, later, status="draft")
    with pytest.raises(DomainError) as caught:
        services.end_trajectory(session, actor=arena.world.coordinator_a,
                                trajectory=arena.trajectory, status="stopped",
                                ends_on=date(2026, 12, 18), reason="Stopt")
    assert "beëindig eerst die overeenkomst" in caught.value.message
