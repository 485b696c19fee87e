"""Six months of daily runs with an injected clock: exactly these notifications, on these days.

The scene and its events are described in conftest_deadlines.py. Every day from 1 September
2026 to 28 February 2027 the daily job runs at 06:30 (Brussels); people act after it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from dualflow.notifications.models import JobRun, Notification
from dualflow.trajectories.models import Placement
from tests.notifications.conftest_deadlines import (
    COMPANY_B_CONTACT,
    COMPANY_D_CONTACT,
    GUARDIAN,
    MENTOR_A2,
    MENTOR_D,
    SCHOOL_A_CONTACT,
    SCHOOL_B_ADDRESS,
    build_scene,
    every_day,
    simulate,
)

D = date

# (day, rule and occasion, recipient): the whole expected outcome of the six months.
EXPECTED = {
    # traj_a's agreement, sent 2/9: every 3 days the parties who have not signed yet.
    (D(2026, 9, 5), "agreement.signature_reminder", "coordinator_a"),
    (D(2026, 9, 5), "agreement.signature_reminder", GUARDIAN),
    (D(2026, 9, 8), "agreement.signature_reminder", GUARDIAN),
    (D(2026, 9, 11), "agreement.signature_reminder", GUARDIAN),
    (D(2026, 9, 14), "agreement.signature_reminder", GUARDIAN),
    # The guardian's link (valid 14 days) lapsed unsigned: the school is told to send a new one.
    (D(2026, 9, 17), "agreement.link_expired", "coordinator_a"),
    # Training day 15 and 20 without a signed agreement: traj_a (school_a), traj_d (school_b).
    (D(2026, 9, 21), "agreement.deadline.15", "coordinator_a"),
    (D(2026, 9, 21), "agreement.deadline.15", "coordinator_b"),
    # New link sent on 21/9: the reminders start again from that day.
    (D(2026, 9, 24), "agreement.signature_reminder", GUARDIAN),
    (D(2026, 9, 27), "agreement.signature_reminder", GUARDIAN),
    (D(2026, 9, 28), "agreement.deadline.20", "coordinator_a"),
    (D(2026, 9, 28), "agreement.deadline.20", "coordinator_b"),
    (D(2026, 9, 30), "agreement.signature_reminder", GUARDIAN),
    # rec_b (valid until 31/12): 90 days before, to company, sector and the school placed there.
    (D(2026, 10, 2), "recognition.expiring.90", COMPANY_B_CONTACT),
    (D(2026, 10, 2), "recognition.expiring.90", "sector_user_b"),
    (D(2026, 10, 2), "recognition.expiring.90", "coordinator_a"),
    # mentor_a2 must be trained by 1/11 (sector_a: 6 months): 30 days before, and on the day.
    (D(2026, 10, 2), "mentor.training.30", MENTOR_A2),
    (D(2026, 10, 2), "mentor.training.30", "company_user_a"),
    (D(2026, 10, 3), "agreement.signature_reminder", GUARDIAN),
    # m1 (due 13/10): 7 days and 1 day before; submitted on 12/10, so nothing after.
    (D(2026, 10, 6), "evaluation.reminder.7", "mentor_user_a"),
    (D(2026, 10, 12), "evaluation.reminder.1", "mentor_user_a"),
    # m6 (due 20/10, school_b offsets, nobody to remind): coordinator after 5 days, the
    # school's general address after 21.
    (D(2026, 10, 25), "evaluation.overdue.5", "coordinator_b"),
    (D(2026, 11, 1), "mentor.training.0", MENTOR_A2),
    (D(2026, 11, 1), "mentor.training.0", "company_user_a"),
    (D(2026, 11, 10), "evaluation.escalation.21", SCHOOL_B_ADDRESS),
    # m4 (due 20/11, mentor_b): reminders, coordinator on 23/11, submitted 25/11.
    (D(2026, 11, 13), "evaluation.reminder.7", "mentor_user_b"),
    (D(2026, 11, 19), "evaluation.reminder.1", "mentor_user_b"),
    (D(2026, 11, 23), "evaluation.overdue.3", "coordinator_a"),
    (D(2026, 12, 1), "recognition.expiring.30", COMPANY_B_CONTACT),
    (D(2026, 12, 1), "recognition.expiring.30", "sector_user_b"),
    (D(2026, 12, 1), "recognition.expiring.30", "coordinator_a"),
    # m2 (due 15/12) is never submitted: the whole ladder.
    (D(2026, 12, 8), "evaluation.reminder.7", "mentor_user_a"),
    (D(2026, 12, 14), "evaluation.reminder.1", "mentor_user_a"),
    # mentor_d (no sector: 12 months, deadline 15/1/2027), trained on 5/1: no mail that day.
    (D(2026, 12, 16), "mentor.training.30", MENTOR_D),
    (D(2026, 12, 16), "mentor.training.30", COMPANY_D_CONTACT),
    (D(2026, 12, 18), "evaluation.overdue.3", "coordinator_a"),
    (D(2026, 12, 29), "evaluation.escalation.14", SCHOOL_A_CONTACT),
    # rec_b lapsed: marked expired, traj_c's placement flagged, its school told.
    (D(2027, 1, 1), "recognition.expired", "coordinator_a"),
    # m5 (due 26/1, school_b: 10 and 2 days before, 5 and 21 after).
    (D(2027, 1, 16), "evaluation.reminder.10", "mentor_user_a"),
    (D(2027, 1, 24), "evaluation.reminder.2", "mentor_user_a"),
    (D(2027, 1, 31), "evaluation.overdue.5", "coordinator_b"),
    (D(2027, 2, 16), "evaluation.escalation.21", SCHOOL_B_ADDRESS),
}


def assert_same(log: set[tuple], expected: set[tuple]) -> None:
    """Equal sets, or a message listing what is missing and what is extra, by day."""
    missing, extra = sorted(expected - log), sorted(log - expected)
    assert not missing and not extra, f"missing: {missing}\nextra: {extra}"


def test_six_months_send_exactly_the_expected_notifications(session, world):
    s = build_scene(session, world)

    log = simulate(session, s, every_day())

    assert_same(log, EXPECTED)
    # One run per day, all succeeded; one row per notification.
    runs = session.execute(select(JobRun.status, func.count()).where(JobRun.job == "deadlines")
                           .group_by(JobRun.status)).all()
    assert runs == [("succeeded", 181)]
    assert session.execute(select(func.count()).select_from(Notification)).scalar_one() == len(
        EXPECTED)
    # The expiry changed the data too: rec_b expired and traj_c's placement is flagged.
    session.refresh(s.rec_b)
    assert s.rec_b.status == "expired"
    assert session.get(Placement, s.place_c.id).recognition_lost_on == D(2027, 1, 1)


def test_the_notifications_say_what_and_link_to_it(session, world):
    s = build_scene(session, world)
    simulate(session, s, every_day(D(2026, 12, 8), D(2026, 12, 8)))

    notification = session.execute(select(Notification).where(
        Notification.dedupe_key.startswith(f"evaluation.reminder.7:moment={s.m2.id}:"))
    ).scalar_one()
    assert notification.dedupe_key == (
        f"evaluation.reminder.7:moment={s.m2.id}:due=2026-12-15:user={s.mentor_user_a.id}")
    assert notification.user_id == s.mentor_user_a.id and notification.email == ""
    assert notification.kind == "evaluation.reminder"
    assert notification.subject == "Evaluatie van Anna Peeters: nog 7 dagen"
    assert "‘Tweede’" in notification.body and "15/12/2026" in notification.body
    assert notification.link == f"/evaluations/{s.m2.id}"
    assert (notification.entity_type, notification.entity_id) == ("evaluation_moments", s.m2.id)
    assert notification.read_at is None and notification.emailed_at is None


def test_after_ten_days_down_only_what_is_still_relevant_is_sent_once(session, world):
    s = build_scene(session, world)
    down = every_day(D(2026, 12, 9), D(2026, 12, 18))

    log = simulate(session, s, every_day(), down=down)

    back = D(2026, 12, 19)
    # m2's one-day reminder fell in the downtime and its due date has passed: stale, not sent.
    # What fell due while the scheduler was down and still matters comes on the first day back.
    moved = {
        (D(2026, 12, 16), "mentor.training.30", MENTOR_D),
        (D(2026, 12, 16), "mentor.training.30", COMPANY_D_CONTACT),
        (D(2026, 12, 18), "evaluation.overdue.3", "coordinator_a"),
    }
    expected = (EXPECTED - moved - {(D(2026, 12, 14), "evaluation.reminder.1", "mentor_user_a")}
                ) | {(back, rule, recipient) for _day, rule, recipient in moved}
    assert_same(log, expected)
    assert [entry for entry in log if entry[0] == back] != []


def test_a_long_downtime_drops_what_is_stale(session, world):
    s = build_scene(session, world)
    # Down from 1 October to 15 December: 76 days.
    log = simulate(session, s, every_day(D(2026, 9, 1), D(2026, 12, 16)),
                   down=every_day(D(2026, 10, 1), D(2026, 12, 15)))

    first_day_back = {entry for entry in log if entry[0] == D(2026, 12, 16)}
    # Still relevant: rec_b expires within 30 days, mentor_d's deadline is 30 days away.
    # Not: m2 (due yesterday) is past its reminders and not yet 3 days late; mentor_a2's
    # deadline (1/11) passed 45 days ago and m6's escalation threshold (10/11) 36 days ago,
    # beyond the 30 days of catch-up; m4 was submitted meanwhile.
    assert first_day_back == {
        (D(2026, 12, 16), "recognition.expiring.30", COMPANY_B_CONTACT),
        (D(2026, 12, 16), "recognition.expiring.30", "sector_user_b"),
        (D(2026, 12, 16), "recognition.expiring.30", "coordinator_a"),
        (D(2026, 12, 16), "mentor.training.30", MENTOR_D),
        (D(2026, 12, 16), "mentor.training.30", COMPANY_D_CONTACT),
    }
