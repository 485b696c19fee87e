"""Placement refusals, each reason on its boundary dates, and ending a placement."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.errors import DomainError, NotAllowed
from dualflow.recognitions.models import RecognitionMentor
from dualflow.trajectories import services
from tests import factories

START, END = date(2026, 9, 1), date(2027, 6, 30)


def place(session, arena, **overrides):
    """Call the service with a placement that passes every rule unless told otherwise."""
    arguments = {
        "actor": arena.world.coordinator_a,
        "trajectory": arena.trajectory,
        "site_id": arena.site.id,
        "mentor_id": arena.mentor.id,
        "starts_on": START,
        "ends_on": END,
        "hours_per_week": 24,
    }
    arguments.update(overrides)
    return services.create_placement(session, **arguments)


def refused(session, arena, **overrides) -> DomainError:
    with pytest.raises(DomainError) as caught:
        place(session, arena, **overrides)
    session.rollback()
    return caught.value


def test_a_placement_that_meets_every_rule_is_saved_with_its_recognition(session, arena):
    placement = place(session, arena)
    assert placement.recognition_id == arena.recognition.id
    assert (placement.site_id, placement.mentor_id) == (arena.site.id, arena.mentor.id)
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "placement.created")
    ).scalar_one()
    assert event.entity_id == placement.id
    assert event.actor_id == arena.world.coordinator_a.id


# --- the recognition ------------------------------------------------------------------------

def test_recognition_valid_until_the_last_day_of_the_placement_is_enough(session, arena):
    arena.recognition.valid_until = END
    assert place(session, arena, ends_on=END).id


def test_recognition_ending_one_day_before_the_placement_is_refused(session, arena):
    arena.recognition.valid_until = date(2027, 6, 29)
    error = refused(session, arena, ends_on=END)
    assert error.field == "ends_on"
    assert "29/06/2027" in error.message and "30/06/2027" in error.message


def test_recognition_starting_on_the_first_day_is_enough(session, arena):
    arena.recognition.valid_from = START
    assert place(session, arena).id


def test_recognition_starting_one_day_after_the_placement_is_refused(session, arena):
    arena.recognition.valid_from = date(2026, 9, 2)
    error = refused(session, arena)
    assert error.field == "starts_on"
    assert "02/09/2026" in error.message and "geldt pas vanaf" in error.message


@pytest.mark.parametrize(("status", "words"), [
    ("withdrawn", "ingetrokken"),
    ("refused", "geweigerd"),
    ("submitted", "ingediend"),
    ("in_review", "in behandeling"),
])
def test_a_recognition_that_is_not_approved_is_refused(session, arena, status, words):
    arena.recognition.status = status
    error = refused(session, arena)
    assert error.field == "site_id"
    assert words in error.message and arena.world.programme_a.name in error.message


def test_an_expired_recognition_is_refused_with_its_end_date(session, arena):
    arena.recognition.status = "expired"
    arena.recognition.valid_until = date(2026, 8, 31)
    error = refused(session, arena)
    assert error.field == "site_id"
    assert "verlopen op 31/08/2026" in error.message


def test_a_site_without_recognition_for_the_programme_is_refused(session, arena):
    other_site = factories.site(session, arena.world.company_a, name="Atelier")
    # Recognised, but for another programme: that does not count.
    factories.recognition(session, other_site, arena.world.programme_b)
    error = refused(session, arena, site_id=other_site.id)
    assert error.field == "site_id"
    assert "Atelier is niet erkend" in error.message


def test_a_new_approval_after_a_withdrawal_is_used(session, arena):
    arena.recognition.status = "withdrawn"
    session.flush()
    renewed = factories.recognition(session, arena.site, arena.world.programme_a,
                                    valid_from=date(2026, 8, 1), valid_until=END)
    assert place(session, arena).recognition_id == renewed.id


# --- the mentor -----------------------------------------------------------------------------

def test_mentor_turning_25_on_the_start_date_is_eligible(session, arena):
    arena.mentor.birth_date = date(2001, 9, 1)
    assert place(session, arena).id


def test_mentor_turning_25_the_day_after_the_start_is_refused(session, arena):
    arena.mentor.birth_date = date(2001, 9, 2)
    error = refused(session, arena)
    assert error.field == "mentor_id"
    assert "Leeftijd" in error.message and "24 jaar" in error.message
    assert "01/09/2026" in error.message and arena.world.sector_a.name in error.message


def test_the_rules_of_the_programmes_sector_apply(session, arena):
    # Bouw (sector_a) asks the training within 6 months of the recognition decision naming
    # the mentor; 12 is the default.
    arena.recognition.decided_at = datetime(2026, 1, 15, 9, tzinfo=UTC)
    session.add(RecognitionMentor(recognition_id=arena.recognition.id,
                                  mentor_id=arena.mentor.id))
    arena.mentor.training_completed_on = None
    error = refused(session, arena)
    assert "Mentoropleiding" in error.message and "15/07/2026" in error.message


def test_mentor_without_record_check_is_refused(session, arena):
    arena.mentor.record_check_on = None
    error = refused(session, arena)
    assert error.field == "mentor_id" and "strafregister" in error.message


def test_mentor_of_another_company_is_refused(session, arena):
    error = refused(session, arena, mentor_id=arena.other_mentor.id)
    assert error.field == "mentor_id"
    assert "Bert" in error.message and arena.world.company_a.name in error.message


def test_inactive_mentor_is_refused(session, arena):
    arena.mentor.is_active = False
    error = refused(session, arena)
    assert error.field == "mentor_id" and "niet meer actief" in error.message


def _other_placement(session, arena, programme, period, **trajectory_fields):
    """Mia guides another learner of `programme` during `period` (committed)."""
    pupil = factories.learner(session, arena.world.school_a)
    trajectory = factories.trajectory(session, pupil, programme, **trajectory_fields)
    recognition = factories.recognition(session, factories.site(session, arena.world.company_a),
                                        programme)
    placement = factories.placement(session, trajectory, arena.mentor, recognition,
                                    starts_on=period[0], ends_on=period[1])
    session.commit()
    return placement


def test_mentor_at_the_sector_cap_with_an_overlapping_placement_is_refused(session, arena):
    # Bouw allows one learner per mentor; one day of overlap is enough to refuse.
    _other_placement(session, arena, arena.world.programme_a, (date(2026, 2, 1), START))
    error = refused(session, arena)
    assert error.field == "mentor_id"
    assert "al 1 lerende(n)" in error.message and "maximaal 1" in error.message


def test_mentor_at_the_sector_cap_with_an_adjacent_placement_is_accepted(session, arena):
    _other_placement(session, arena, arena.world.programme_a,
                     (date(2026, 2, 1), date(2026, 8, 31)))
    assert place(session, arena).id


def test_learners_of_another_sector_do_not_fill_the_cap(session, arena):
    # The company page counts a sector's cap over that sector's programmes only; so do we.
    _other_placement(session, arena, arena.world.programme_b, (START, END))
    assert place(session, arena).id


def test_a_placement_of_an_ended_trajectory_counts_only_until_that_end(session, arena):
    # Its placement was not shortened when the trajectory stopped on 31/08/2026.
    _other_placement(session, arena, arena.world.programme_a, (date(2026, 2, 1), END),
                     status="stopped", ends_on=date(2026, 8, 31), starts_on=date(2026, 2, 1),
                     school_year=2025)
    assert place(session, arena).id


def test_without_a_cap_the_mentor_takes_any_number_of_learners(session, arena):
    arena.world.sector_a.max_learners_per_mentor = None
    _other_placement(session, arena, arena.world.programme_a, (START, END))
    _other_placement(session, arena, arena.world.programme_a, (START, END))
    assert place(session, arena).id


def test_the_cap_counts_learners_at_the_same_time_not_in_the_same_period(session, arena):
    # Two learners one after another leave room for a third beside each of them when the
    # cap is 2; the period as a whole never has more than one at once.
    arena.world.sector_a.max_learners_per_mentor = 2
    _other_placement(session, arena, arena.world.programme_a, (START, date(2026, 12, 31)))
    _other_placement(session, arena, arena.world.programme_a, (date(2027, 1, 1), END))
    assert place(session, arena).id


# --- the trajectory's own placements and dates ----------------------------------------------

def test_overlap_with_another_placement_of_the_trajectory_is_refused(session, arena):
    place(session, arena, ends_on=date(2026, 12, 31))
    session.commit()
    error = refused(session, arena, starts_on=date(2026, 12, 31), ends_on=END)
    assert error.field == "starts_on"
    assert "overlapt" in error.message and "31/12/2026" in error.message


def test_a_placement_right_after_the_previous_one_is_accepted(session, arena):
    arena.world.sector_a.max_learners_per_mentor = None
    place(session, arena, ends_on=date(2026, 12, 31))
    assert place(session, arena, starts_on=date(2027, 1, 1), ends_on=END).id


@pytest.mark.parametrize(("starts_on", "ends_on", "field", "words"), [
    (date(2026, 8, 31), END, "starts_on", "vóór de start van het traject"),
    (START, date(2027, 7, 1), "ends_on", "30/06/2027"),
    (date(2026, 10, 1), date(2026, 9, 30), "ends_on", "vóór de begindatum"),
    (None, END, "starts_on", "begindatum"),
])
def test_dates_outside_the_trajectory_are_refused(session, arena, starts_on, ends_on, field,
                                                  words):
    error = refused(session, arena, starts_on=starts_on, ends_on=ends_on)
    assert error.field == field and words in error.message


def test_the_first_and_last_day_of_the_trajectory_are_inside(session, arena):
    assert place(session, arena, starts_on=START, ends_on=END).id


@pytest.mark.parametrize("hours", [0, -4, 51, None])
def test_hours_per_week_must_be_sensible(session, arena, hours):
    assert refused(session, arena, hours_per_week=hours).field == "hours_per_week"


def test_an_ended_trajectory_takes_no_placement(session, arena):
    services.end_trajectory(session, actor=arena.world.coordinator_a,
                            trajectory=arena.trajectory, status="stopped",
                            ends_on=date(2026, 9, 15), reason="Stopt met de opleiding")
    error = refused(session, arena)
    assert "afgesloten" in error.message


def test_a_coordinator_of_another_school_may_not_place(session, arena):
    with pytest.raises(NotAllowed):
        place(session, arena, actor=arena.world.coordinator_b)


# --- ending a placement early -----------------------------------------------------------------

def test_ending_a_placement_early_shortens_it_and_is_audited(session, arena):
    placement = place(session, arena)
    services.end_placement(session, actor=arena.world.coordinator_a,
                           trajectory=arena.trajectory, placement=placement,
                           ends_on=date(2027, 1, 31))
    assert placement.ends_on == date(2027, 1, 31)
    assert arena.trajectory.agreement_clock_starts_on is None  # no signed agreement was cut
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "placement.ended")
    ).scalar_one()
    assert event.changes["ends_on"] == ["2027-06-30", "2027-01-31"]


def test_cutting_a_signed_agreement_short_restarts_the_agreement_clock(session, arena):
    placement = place(session, arena)
    factories.placement_agreement(session, placement)
    services.end_placement(session, actor=arena.world.coordinator_a,
                           trajectory=arena.trajectory, placement=placement,
                           ends_on=date(2027, 1, 31))
    assert arena.trajectory.agreement_clock_starts_on == date(2027, 2, 1)


@pytest.mark.parametrize(("ends_on", "words"), [
    (date(2026, 8, 31), "vóór haar begin"),
    (END, "alleen ingekort"),
    (date(2027, 7, 15), "alleen ingekort"),
])
def test_a_placement_can_only_become_shorter(session, arena, ends_on, words):
    placement = place(session, arena)
    with pytest.raises(DomainError) as caught:
        services.end_placement(session, actor=arena.world.coordinator_a,
                               trajectory=arena.trajectory, placement=placement,
                               ends_on=ends_on)
    assert caught.value.field == "ends_on" and words in caught.value.message


def test_a_shortened_placement_frees_the_mentor(session, arena):
    other = _other_placement(session, arena, arena.world.programme_a, (START, END))
    refused(session, arena, starts_on=date(2026, 9, 2))
    other_trajectory = session.get(type(arena.trajectory), other.trajectory_id)
    services.end_placement(session, actor=arena.world.coordinator_a,
                           trajectory=other_trajectory, placement=other, ends_on=START)
    assert place(session, arena, starts_on=date(2026, 9, 2)).id
