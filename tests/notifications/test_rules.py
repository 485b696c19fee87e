"""The deadline rules one by one: who is told, when, and when not."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import get_locale
from sqlalchemy import select

from dualflow.notifications import rules
from dualflow.notifications.models import Notification
from dualflow.notifications.recipients import Recipient
from dualflow.notifications.rules import (
    Emitter,
    Notice,
    agreement_deadlines,
    evaluation_deadlines,
    mentor_training_deadlines,
    recognition_deadlines,
    signature_reminders,
)
from dualflow.notifications.services import notify
from tests import factories
from tests.conftest import count_queries
from tests.notifications.conftest_deadlines import (
    at_six_thirty,
    build_scene,
    name_in_recognition,
)


def _sent(session) -> list[tuple[str, int | None, str]]:
    """(rule and occasion, user id, e-mail) of every notification, in key order."""
    session.expire_all()
    return [(n.dedupe_key.split(":", 1)[0], n.user_id, n.email) for n in session.execute(
        select(Notification).order_by(Notification.dedupe_key)).scalars()]


@pytest.fixture
def placed(session, world):
    """factories.placed_world: traj_a (school_a, Mia), traj_c (school_a, mentor_b), ..."""
    return factories.placed_world(session, world)


# --- notify ---------------------------------------------------------------------------------

def test_notify_inserts_once_per_dedupe_key(session, world):
    first = notify(session, dedupe_key="test:1", kind="test", subject="Eén",
                   user=world.coordinator_a, entity=world.learner_a)
    again = notify(session, dedupe_key="test:1", kind="test", subject="Twee",
                   user=world.coordinator_b)
    bare = notify(session, dedupe_key="test:2", kind="test", subject="Drie",
                  email="contact@school.test", link="/learners/1")

    assert (first, again, bare) == (True, False, True)
    rows = session.execute(select(Notification).order_by(Notification.dedupe_key)).scalars().all()
    assert [(r.subject, r.user_id, r.email) for r in rows] == [
        ("Eén", world.coordinator_a.id, ""), ("Drie", None, "contact@school.test")]
    assert (rows[0].entity_type, rows[0].entity_id) == ("learners", world.learner_a.id)
    assert rows[1].link == "/learners/1" and rows[1].created_at is not None


def test_notify_needs_a_recipient_and_a_key_that_fits(session, world):
    with pytest.raises(ValueError, match="user or an e-mail"):
        notify(session, dedupe_key="test:nobody", kind="test", subject="?")
    with pytest.raises(ValueError, match="dedupe key longer"):
        notify(session, dedupe_key="x" * 201, kind="test", subject="?", email="a@b.test")
    # A subject that is too long is cut, not refused: the run must not fail on a long name.
    assert notify(session, dedupe_key="test:long", kind="test", subject="s" * 400,
                  email="a@b.test")
    row = session.execute(select(Notification)).scalar_one()
    assert len(row.subject) == 300 and row.subject.endswith("…")


def test_each_notification_is_rendered_in_its_recipients_language(app, session, world):
    emitter = Emitter(session, datetime(2026, 10, 1, tzinfo=UTC), session.flush)
    recipients = [Recipient(user=world.coordinator_a, language="nl"),
                  Recipient(email="parent@home.test", language="fr"),
                  Recipient(email="mentor@abroad.test", language="en")]

    emitter.emit([Notice(f"test:{r.key}", "test", r, lambda: (str(get_locale()), ""))
                  for r in recipients])

    subjects = {(n.user_id, n.email): n.subject for n in session.execute(
        select(Notification)).scalars()}
    assert subjects == {(world.coordinator_a.id, ""): "nl", (None, "parent@home.test"): "fr",
                        (None, "mentor@abroad.test"): "en"}


# --- evaluations ----------------------------------------------------------------------------

def test_a_late_first_run_sends_only_the_latest_reminder(session, placed):
    factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13))

    counts = evaluation_deadlines(session, date(2026, 10, 12))

    assert counts == {"evaluation.reminder": 1}
    assert _sent(session) == [("evaluation.reminder.1", placed.mentor_user_a.id, "")]
    # Nothing for the mentor once the due date has passed: the coordinator takes over.
    assert evaluation_deadlines(session, date(2026, 10, 14)) == {}


@pytest.mark.parametrize("status", ["submitted", "reviewed"])
def test_an_evaluation_handed_in_is_never_chased(session, placed, status):
    factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13), status=status)
    for day in (date(2026, 10, 6), date(2026, 10, 12), date(2026, 10, 16), date(2026, 10, 27)):
        assert evaluation_deadlines(session, day) == {}


def test_a_draft_is_still_chased(session, placed):
    factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13), status="draft")
    assert evaluation_deadlines(session, date(2026, 10, 6)) == {"evaluation.reminder": 1}


def test_a_moved_due_date_is_a_new_occasion(session, placed):
    moment = factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13))
    evaluation_deadlines(session, date(2026, 10, 6))
    moment.due_on = date(2026, 10, 27)
    session.flush()

    assert evaluation_deadlines(session, date(2026, 10, 13)) == {}
    assert evaluation_deadlines(session, date(2026, 10, 20)) == {"evaluation.reminder": 1}
    keys = [n.dedupe_key for n in session.execute(select(Notification)).scalars()]
    assert sorted(k.split(":")[2] for k in keys) == ["due=2026-10-13", "due=2026-10-27"]


def test_a_mentor_without_account_is_reminded_by_mail_and_one_without_address_not(
        session, placed):
    placed.mentor_a2.email = "jonas@bouw-a.test"
    factories.placement(session, placed.traj_d, placed.mentor_a2, placed.rec_a)
    factories.evaluation_moment(session, placed.traj_d, due_on=date(2026, 10, 13))
    factories.evaluation_moment(session, placed.traj_c, due_on=date(2026, 10, 13))
    placed.mentor_b.user_id = None
    session.flush()

    evaluation_deadlines(session, date(2026, 10, 6))

    assert _sent(session) == [("evaluation.reminder.7", None, "jonas@bouw-a.test")]


def test_an_ended_trajectory_is_not_chased(session, placed):
    factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13))
    placed.traj_a.status, placed.traj_a.ends_on = "stopped", date(2026, 10, 1)
    session.flush()
    for day in (date(2026, 10, 6), date(2026, 10, 16), date(2026, 10, 27)):
        assert evaluation_deadlines(session, day) == {}


def test_overdue_goes_to_the_active_coordinators_then_to_the_escalation_address(
        session, placed):
    placed.traj_a.coordinator_id = placed.inactive_coordinator_a.id
    other = factories.user(session, "coordinator", school_id=placed.school_a.id)
    factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13))
    placed.school_a.email = "info@campus-a.test"
    session.flush()

    evaluation_deadlines(session, date(2026, 10, 16))
    # The trajectory's coordinator left: every active coordinator of the school is told.
    assert set(_sent(session)) == {("evaluation.overdue.3", placed.coordinator_a.id, ""),
                                   ("evaluation.overdue.3", other.id, "")}
    evaluation_deadlines(session, date(2026, 10, 27))
    # No escalation address: the school's general address.
    assert _sent(session)[0] == ("evaluation.escalation.14", None, "info@campus-a.test")
    body = session.execute(select(Notification.body).where(
        Notification.kind == "evaluation.escalation")).scalar_one()
    mentor = f"{placed.mentor_a.first_name} {placed.mentor_a.last_name}"
    assert f"Mentor: {mentor} ({placed.company_a.name})." in body
    assert placed.coordinator_a.full_name in body and other.full_name in body


def test_a_school_sets_its_own_offsets_and_bad_values_fall_back(session, placed, caplog,
                                                                monkeypatch):
    monkeypatch.setattr(rules, "_warned", set())
    placed.school_a.reminder_offsets = {"evaluation_reminder_days": [3],
                                        "evaluation_overdue_days": "soon"}
    factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13))
    session.flush()

    assert evaluation_deadlines(session, date(2026, 10, 6)) == {}
    assert evaluation_deadlines(session, date(2026, 10, 10)) == {"evaluation.reminder": 1}
    with caplog.at_level(logging.WARNING, logger="dualflow.notifications.rules"):
        # "soon" is not a number of days: the default (3 days late) applies.
        assert evaluation_deadlines(session, date(2026, 10, 16)) == {"evaluation.overdue": 1}
    assert "evaluation_overdue_days='soon'" in caplog.text


def test_the_evaluation_rule_reads_a_bounded_number_of_queries(app, session, placed):
    def statements_for(count: int, day: date) -> list[str]:
        for n in range(count):
            learner = factories.learner(session, placed.school_a)
            trajectory = factories.trajectory(session, learner, placed.programme_a)
            mentor = factories.mentor(session, placed.company_a,
                                      factories.user(session, "mentor",
                                                     company_id=placed.company_a.id))
            factories.placement(session, trajectory, mentor, placed.rec_a)
            factories.evaluation_moment(session, trajectory, title=f"M{n}",
                                        due_on=day + timedelta(days=7))
        session.flush()
        with count_queries(app) as statements:
            counts = evaluation_deadlines(session, day)
        assert counts == {"evaluation.reminder": count}
        return [s for s in statements if not s.lstrip().upper().startswith("INSERT")]

    few = statements_for(2, date(2026, 10, 1))
    many = statements_for(25, date(2027, 3, 1))
    assert len(many) == len(few) <= 8


# --- agreements -----------------------------------------------------------------------------

def test_signature_reminders_link_users_to_the_agreement_but_not_bare_addresses(
        session, world):
    s = build_scene(session, world)
    signature_reminders(session, date(2026, 9, 5), now=at_six_thirty(date(2026, 9, 5)))

    links = {(n.user_id, n.email): n.link for n in session.execute(
        select(Notification)).scalars()}
    detail = f"/agreements/{s.agreement_a.id}"
    assert links == {(s.coordinator_a.id, ""): detail, (s.company_user_a.id, ""): detail,
                     (None, "anna@leerling.test"): "", (None, "ouder@leerling.test"): ""}


def test_no_reminders_for_a_document_that_was_replaced(session, world):
    s = build_scene(session, world)
    # Reopened for changes: the sent document is no longer the agreement's.
    s.agreement_a.document_id, s.agreement_a.status = None, "draft"
    session.flush()
    day = date(2026, 9, 5)
    assert signature_reminders(session, day, now=at_six_thirty(day)) == {}


def test_the_training_day_warning_skips_holidays(session, placed):
    # traj_c (school_a) lost its agreement: the clock restarts in the autumn break (2-6/11).
    placed.traj_c.agreement_clock_starts_on = date(2026, 11, 2)
    session.flush()

    assert agreement_deadlines(session, date(2026, 11, 27)) == {}
    # Day 1 is Monday 9/11, Wednesday 11/11 is a public holiday; day 15 is Monday 30/11.
    assert agreement_deadlines(session, date(2026, 11, 30)) == {"agreement.deadline": 1}
    body = session.execute(select(Notification.body)).scalar_one()
    assert "07/12/2026" in body  # day 20, the deadline
    factories.placement_agreement(session, placed.place_c)
    assert agreement_deadlines(session, date(2026, 12, 7)) == {}


# --- recognitions and mentors ---------------------------------------------------------------

def test_expiry_marks_the_recognition_flags_placements_and_names_the_learners(session, placed):
    placed.rec_a.valid_until = date(2026, 12, 31)
    session.flush()

    counts = recognition_deadlines(session, date(2027, 1, 1))

    assert counts == {"recognition.marked_expired": 1, "recognition.expired": 1}
    session.refresh(placed.rec_a)
    session.refresh(placed.place_a)
    assert placed.rec_a.status == "expired"
    assert placed.place_a.recognition_lost_on == date(2027, 1, 1)
    notification = session.execute(select(Notification)).scalar_one()
    assert notification.user_id == placed.coordinator_a.id
    assert "Anna Peeters" in notification.body
    assert notification.link == f"/recognitions/{placed.rec_a.id}"
    # The next days: nothing new, nothing twice.
    assert recognition_deadlines(session, date(2027, 1, 2)) == {}


def test_a_sector_sets_its_own_training_reminders(session, placed):
    placed.company_a.sector_id = placed.sector_a.id
    placed.company_a.contact_email = placed.company_user_a.email
    placed.sector_a.reminder_offsets = {"mentor_training_days": [60, 7]}
    # sector_a: 6 months after the recognition decision of 1/5/2026, so 1/11/2026.
    placed.mentor_a2.email = "jonas@bouw-a.test"
    trained = factories.mentor(session, placed.company_a, appointed_on=date(2026, 5, 1),
                               training_completed_on=date(2026, 9, 1), email="t@bouw-a.test")
    gone = factories.mentor(session, placed.company_a, appointed_on=date(2026, 5, 1),
                            is_active=False, email="g@bouw-a.test")
    for named in (placed.mentor_a2, trained, gone):
        name_in_recognition(session, placed.rec_a, named, date(2026, 5, 1))
    session.flush()

    assert mentor_training_deadlines(session, date(2026, 9, 1)) == {}
    assert mentor_training_deadlines(session, date(2026, 9, 2)) == {"mentor.training": 2}
    assert mentor_training_deadlines(session, date(2026, 10, 25)) == {"mentor.training": 2}
    assert mentor_training_deadlines(session, date(2026, 11, 1)) == {}
    assert [rule for rule, *_ in _sent(session)] == ["mentor.training.60"] * 2 + [
        "mentor.training.7"] * 2
    # The trained and the deactivated mentor are left alone.
    assert {email for _rule, _user, email in _sent(session)} == {"jonas@bouw-a.test", ""}
    assert {trained.email, gone.email}.isdisjoint(email for *_r, email in _sent(session))

