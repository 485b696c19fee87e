"""The coordinator's training-day warnings fall on the days the trajectory page shows."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from dualflow.notifications.models import Notification
from dualflow.notifications.rules import agreement_deadlines
from dualflow.trajectories import services
from tests import factories


def _warning_days(session, first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if agreement_deadlines(session, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def test_warnings_come_on_the_trajectory_deadlines_across_public_holidays(session, world):
    school = world.school_a
    # Summer break of the school; 21/7 and 15/8 lie inside it and are not left out twice.
    factories.school_holiday(session, school, name="Zomervakantie",
                             starts_on=date(2027, 7, 1), ends_on=date(2027, 8, 31))
    spring = factories.trajectory(session, factories.learner(session, school),
                                  world.programme_a, starts_on=date(2027, 3, 22))
    summer = factories.trajectory(session, factories.learner(session, school),
                                  world.programme_a, starts_on=date(2027, 6, 21))
    calendar = services.school_calendar(session, school.id)

    # Spring: Easter Monday 29/3 is skipped, so day 15 is 12/4 and day 20 is 19/4.
    assert [calendar.deadline(spring.starts_on, k) for k in (15, 20)] == [
        date(2027, 4, 12), date(2027, 4, 19)]
    assert _warning_days(session, date(2027, 3, 22), date(2027, 5, 7)) == [
        date(2027, 4, 12), date(2027, 4, 19)]
    # Summer: 8 days in June, the rest from Wednesday 1/9.
    assert [calendar.deadline(summer.starts_on, k) for k in (15, 20)] == [
        date(2027, 9, 9), date(2027, 9, 16)]
    assert _warning_days(session, date(2027, 8, 30), date(2027, 9, 30)) == [
        date(2027, 9, 9), date(2027, 9, 16)]
    bodies = session.execute(select(Notification.body)).scalars().all()
    assert any("19/04/2027" in body for body in bodies)
    assert any("16/09/2027" in body for body in bodies)
