"""Belgian public holidays are no training days, without anyone typing them in."""

from __future__ import annotations

import re
from datetime import date

from dualflow.trajectories import services
from dualflow.trajectories.training_days import (
    TrainingCalendar,
    count_training_days,
    deadline,
    is_training_day,
    public_holidays,
    training_days_left,
)
from tests import factories
from tests.conftest import fix_today, login

ARMISTICE = date(2026, 11, 11)       # a Wednesday
EASTER_MONDAY = date(2027, 3, 29)


def test_the_ten_belgian_public_holidays_come_from_the_library():
    assert {day for day in public_holidays(2027) if day.weekday() < 5} == {
        date(2027, 1, 1),    # New Year (a Friday)
        EASTER_MONDAY,
        date(2027, 5, 6),    # Ascension
        date(2027, 5, 17),   # Whit Monday
        date(2027, 7, 21),   # National Day
        date(2027, 11, 1),   # All Saints
        date(2027, 11, 11),  # Armistice
    }  # 1 May, 15 August and Christmas 2027 fall on a weekend
    assert {date(2026, 5, 1), date(2026, 8, 15), date(2026, 12, 25)} <= public_holidays(2026)
    # Bank holidays are working days in Belgium.
    assert date(2027, 3, 26) not in public_holidays(2027)   # Good Friday
    assert date(2026, 12, 26) not in public_holidays(2026)


def test_public_holidays_are_no_training_days():
    assert is_training_day(ARMISTICE) is False
    assert is_training_day(EASTER_MONDAY, []) is False
    assert TrainingCalendar().is_training_day(date(2026, 11, 12)) is True


def test_a_trajectory_spanning_armistice_and_easter_monday_skips_both():
    # Monday 9/11/2026 to Friday 2/4/2027: 21 weeks, 105 weekdays.
    christmas = (date(2026, 12, 21), date(2027, 1, 1))
    # Less four public holidays on weekdays: 11/11, 25/12, 1/1 and 29/3.
    assert count_training_days(date(2026, 11, 9), date(2027, 4, 2)) == 105 - 4
    # The Christmas break holds 25/12 and 1/1: they are not left out a second time.
    assert count_training_days(date(2026, 11, 9), date(2027, 4, 2), [christmas]) == 105 - 10 - 2
    # The 20-training-day deadline moves one training day per public holiday inside it.
    assert deadline(date(2026, 11, 9), [], n=20) == date(2026, 12, 7)
    assert deadline(date(2027, 3, 22), [], n=20) == date(2027, 4, 19)
    assert training_days_left(date(2026, 11, 11), date(2026, 11, 9), [], n=20) == 18


def test_a_school_holiday_over_a_public_holiday_is_not_counted_twice():
    easter_break = (date(2027, 3, 29), date(2027, 4, 9))
    # 22-26/3 (5 days), the two weeks off, then 15 more from 12/4.
    assert deadline(date(2027, 3, 22), [easter_break], n=20) == date(2027, 4, 30)
    autumn = (date(2026, 11, 9), date(2026, 11, 13))
    assert count_training_days(date(2026, 11, 2), date(2026, 11, 20), [autumn]) == 10


def test_the_trajectory_deadline_skips_public_holidays(session, world):
    learner = factories.learner(session, world.school_a)
    trajectory = factories.trajectory(session, learner, world.programme_a,
                                      starts_on=date(2026, 11, 9))
    calendar = services.school_calendar(session, trajectory.school_id)
    state = services.agreement_deadline(trajectory, satisfied=False, calendar=calendar,
                                        today=date(2026, 12, 4), n=20)
    assert state.deadline == date(2026, 12, 7)
    assert state.days_left == 2 and state.near and not state.overdue


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_trajectory_page_counts_past_armistice_and_says_so(client, session, arena,
                                                                monkeypatch):
    fix_today(monkeypatch, date(2026, 12, 4))
    arena.trajectory.starts_on = date(2026, 11, 9)
    session.commit()
    login(client, arena.world.coordinator_a)
    body = _text(client.get(f"/trajectories/{arena.trajectory.id}"))
    assert "2 opleidingsdagen over" in body and "07/12/2026" in body
    assert "wettelijke feestdagen" in body


def test_the_school_page_tells_the_admin_public_holidays_need_no_typing(client, session, world):
    login(client, world.admin)
    body = _text(client.get(f"/admin/schools/{world.school_a.id}"))
    assert "Wettelijke feestdagen tellen vanzelf niet mee" in body
