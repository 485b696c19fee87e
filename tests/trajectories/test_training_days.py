"""The 20-training-day rule, counted by hand on the 2026-27 calendar (table-driven)."""

from __future__ import annotations

from datetime import date

import pytest

from dualflow.trajectories.training_days import (
    TrainingCalendar,
    clock_start,
    count_training_days,
    deadline,
    is_training_day,
    next_training_day,
    training_days_left,
)

AUTUMN = (date(2026, 11, 2), date(2026, 11, 6))  # Monday to Friday
CHRISTMAS = (date(2026, 12, 21), date(2027, 1, 1))


@pytest.mark.parametrize(("day", "holidays", "expected"), [
    (date(2026, 9, 1), [], True),           # a Tuesday
    (date(2026, 9, 5), [], False),          # Saturday
    (date(2026, 9, 6), [], False),          # Sunday
    (date(2026, 11, 2), [AUTUMN], False),   # first day of the holiday
    (date(2026, 11, 6), [AUTUMN], False),   # last day of the holiday (included)
    (date(2026, 11, 9), [AUTUMN], True),    # the Monday after
    (date(2026, 10, 30), [AUTUMN], True),   # the Friday before
])
def test_training_days_are_weekdays_outside_holidays(day, holidays, expected):
    assert is_training_day(day, holidays) is expected


@pytest.mark.parametrize(("start", "holidays", "n", "expected"), [
    # Day 1 is the start itself when it is a training day: Tue 1/9 + 19 training days.
    (date(2026, 9, 1), [], 20, date(2026, 9, 28)),
    # A clock starting on a weekend counts from the Monday.
    (date(2026, 9, 5), [], 20, date(2026, 10, 2)),
    (date(2026, 9, 6), [], 20, date(2026, 10, 2)),
    (date(2026, 9, 7), [], 20, date(2026, 10, 2)),
    # The autumn holiday week does not count: one week later than without it (both also
    # skip Wednesday 11/11, a public holiday).
    (date(2026, 10, 19), [], 20, date(2026, 11, 16)),
    (date(2026, 10, 19), [AUTUMN], 20, date(2026, 11, 23)),
    # A clock starting inside the holiday counts from the first training day after it.
    (date(2026, 11, 4), [AUTUMN], 20, date(2026, 12, 7)),
    # Two weeks of Christmas holiday: 14/12 + 5 days, then 4/1 + 15 more.
    (date(2026, 12, 14), [CHRISTMAS], 20, date(2027, 1, 22)),
    # The number of days is configuration.
    (date(2026, 9, 1), [], 1, date(2026, 9, 1)),
    (date(2026, 9, 1), [], 5, date(2026, 9, 7)),
    (date(2026, 9, 1), [], 10, date(2026, 9, 14)),
])
def test_deadline_is_the_nth_training_day(start, holidays, n, expected):
    assert deadline(start, holidays, n=n) == expected


@pytest.mark.parametrize(("today", "start", "holidays", "expected"), [
    (date(2026, 8, 20), date(2026, 9, 1), [], 20),   # before the clock starts: all of them
    (date(2026, 9, 1), date(2026, 9, 1), [], 20),    # the first day counts itself
    (date(2026, 9, 2), date(2026, 9, 1), [], 19),
    (date(2026, 9, 5), date(2026, 9, 1), [], 16),    # a Saturday: 7/9 to 28/9
    (date(2026, 9, 25), date(2026, 9, 1), [], 2),
    (date(2026, 9, 28), date(2026, 9, 1), [], 1),    # the deadline itself: last day
    (date(2026, 9, 29), date(2026, 9, 1), [], -1),   # passed: termijn verstreken
    (date(2026, 9, 30), date(2026, 9, 1), [], -2),
    (date(2026, 10, 3), date(2026, 9, 5), [], 0),    # the weekend after a Friday deadline
    (date(2026, 10, 5), date(2026, 9, 5), [], -1),
    (date(2026, 10, 30), date(2026, 10, 19), [AUTUMN], 11),  # 30/10, then 9/11 to 23/11 less 11/11
    (date(2026, 11, 4), date(2026, 10, 19), [AUTUMN], 10),   # in the holiday: none counts
    (date(2026, 11, 23), date(2026, 10, 19), [AUTUMN], 1),
    (date(2026, 11, 24), date(2026, 10, 19), [AUTUMN], -1),
])
def test_training_days_left(today, start, holidays, expected):
    assert training_days_left(today, start, holidays) == expected


def test_days_left_is_never_more_than_n_and_zero_or_less_only_after_the_deadline():
    calendar = TrainingCalendar([AUTUMN, CHRISTMAS])
    start = date(2026, 10, 19)
    last = calendar.deadline(start)
    day = date(2026, 10, 1)
    while day <= date(2027, 1, 31):
        left = calendar.days_left(day, start)
        assert left <= 20
        assert (left <= 0) == (day > last), day
        day = date.fromordinal(day.toordinal() + 1)


class _Trajectory:
    def __init__(self, starts_on, agreement_clock_starts_on=None):
        self.starts_on = starts_on
        self.agreement_clock_starts_on = agreement_clock_starts_on


@pytest.mark.parametrize(("starts_on", "restart", "expected_deadline"), [
    (date(2026, 9, 1), None, date(2026, 9, 28)),
    # An agreement ended early: the clock restarts and 20 new training days count from there.
    (date(2026, 9, 1), date(2026, 10, 19), date(2026, 11, 23)),
])
def test_the_clock_restarts_after_an_agreement_ended_early(starts_on, restart,
                                                           expected_deadline):
    trajectory = _Trajectory(starts_on, restart)
    assert deadline(clock_start(trajectory), [AUTUMN]) == expected_deadline


def test_helpers_accept_rows_with_starts_on_and_ends_on():
    class Holiday:
        starts_on, ends_on = AUTUMN

    assert next_training_day(date(2026, 10, 31), [Holiday()]) == date(2026, 11, 9)
    # 26-30/10, then 9-13/11 less 11/11 (a public holiday).
    assert count_training_days(date(2026, 10, 26), date(2026, 11, 13), [Holiday()]) == 9
    assert count_training_days(date(2026, 9, 7), date(2026, 9, 4)) == 0
    with pytest.raises(ValueError):
        deadline(date(2026, 9, 1), [], n=0)
