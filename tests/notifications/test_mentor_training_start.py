"""The mentor-training reminders count from the recognition decision naming the mentor (or a
later appointment), and leave alone a mentor whose teaching certificate exempts him."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from dualflow.notifications.models import Notification
from dualflow.notifications.rules import mentor_training_deadlines
from tests import factories
from tests.notifications.conftest_deadlines import name_in_recognition


@pytest.fixture
def placed(session, world):
    s = factories.placed_world(session, world)
    s.company_a.sector_id = s.sector_a.id  # Bouw: 6 months, default reminders 30 and 0 days
    session.flush()
    return s


def _mentors(session) -> set[int]:
    session.expire_all()
    return {n.entity_id for n in session.execute(select(Notification)).scalars()
            if n.kind == "mentor.training"}


def test_the_reminder_counts_from_the_decision_not_the_appointment(session, placed):
    # Appointed long ago; the decision naming her was 1/5/2026: deadline 1/11/2026.
    mentor = factories.mentor(session, placed.company_a, appointed_on=date(2020, 1, 1),
                              email="a@bouw-a.test")
    never = factories.mentor(session, placed.company_a, appointed_on=date(2026, 4, 1),
                             email="n@bouw-a.test")  # named in no recognition: no clock
    name_in_recognition(session, placed.rec_a, mentor, date(2026, 5, 1))
    session.flush()
    assert mentor_training_deadlines(session, date(2026, 10, 1)) == {}
    assert mentor_training_deadlines(session, date(2026, 10, 2))["mentor.training"] >= 1
    assert _mentors(session) == {mentor.id}
    assert never.id not in _mentors(session)


def test_a_mentor_appointed_after_the_decision_counts_from_the_appointment(session, placed):
    mentor = factories.mentor(session, placed.company_a, appointed_on=date(2026, 6, 1),
                              email="b@bouw-a.test")
    name_in_recognition(session, placed.rec_a, mentor, date(2026, 1, 15))
    session.flush()
    assert mentor_training_deadlines(session, date(2026, 7, 15)) == {}  # not 15/7 - 30 days
    assert mentor_training_deadlines(session, date(2026, 11, 1))["mentor.training"] >= 1
    assert _mentors(session) == {mentor.id}


def test_a_teaching_certificate_exempts_where_the_sector_says_so(session, placed):
    mentor = factories.mentor(session, placed.company_a, appointed_on=date(2020, 1, 1),
                              has_teaching_certificate=True, email="c@bouw-a.test")
    name_in_recognition(session, placed.rec_a, mentor, date(2026, 5, 1))
    session.flush()
    assert mentor_training_deadlines(session, date(2026, 10, 2))["mentor.training"] >= 1
    session.execute(delete(Notification))
    placed.sector_a.teaching_certificate_exempts = True
    session.flush()
    assert mentor_training_deadlines(session, date(2026, 11, 1)) == {}
