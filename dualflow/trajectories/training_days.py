"""Training days and the 20-training-day rule: pure functions of dates and holiday periods.

A *training day* is a weekday (Monday to Friday) that is no Belgian public holiday and lies in
none of the school's holiday periods (`SchoolHoliday` rows, both ends included). Weekends never
count. The public holidays come from the `holidays` library (see `public_holidays`), so nobody
types them in; a school holiday that holds a public holiday leaves that day out once, not twice.

The rule (DOMAIN.md, Agreement): a learner must have a signed agreement within `n` training
days (configuration `AGREEMENT_DEADLINE_TRAINING_DAYS`, default 20) after the clock starts —
when lessons start (`Trajectory.starts_on`), or again when an agreement ended early
(`Trajectory.agreement_clock_starts_on`, which then takes precedence).

Counting, precisely:

- Day 1 is the first training day **on or after** the clock start: a clock that starts on a
  training day counts that day itself; one that starts on a Saturday or in a holiday counts
  from the next training day.
- `deadline(start, holidays, n)` is the date of training day `n`: the last day on which the
  agreement may be signed in time.
- `training_days_left(today, start, holidays, n)` counts the training days from `today` (when
  it is one) up to and including the deadline: `n` before and on the first training day, 1 on
  the deadline itself. Once the deadline has passed it is zero or negative: minus the number of
  training days after the deadline up to and including today (0 on the weekend right after a
  Friday deadline, -1 on the next training day). So `left <= 0` means "termijn verstreken".

No database access here, so that the trajectory page, the dashboard and the tests all count the
same way; the callers load the holidays once and pass them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Protocol

import holidays as holiday_library

ONE_DAY = timedelta(days=1)
DEFAULT_DEADLINE_DAYS = 20


class HolidayPeriod(Protocol):
    """Anything with a first and a last day, such as a `SchoolHoliday` row."""

    @property
    def starts_on(self) -> date: ...

    @property
    def ends_on(self) -> date: ...


# A school holiday: a (starts_on, ends_on) pair or any object with those two attributes.
# Public holidays are never passed in: the calendar knows them itself.
Holiday = tuple[date, date] | HolidayPeriod


@lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[date]:
    """The Belgian public holidays of `year`, from the `holidays` library (category public).

    These are New Year (1/1), Easter Sunday and Easter Monday, Labour Day (1/5), Ascension,
    Whit Sunday and Whit Monday, the National Day (21/7), Assumption (15/8), All Saints (1/11),
    Armistice (11/11) and Christmas (25/12). The bank holidays (Good Friday, 26/12) are working
    days and not among them. Computed once per year and kept.
    """
    return frozenset(holiday_library.country_holidays("BE", years=year))


def is_public_holiday(day: date) -> bool:
    """Whether `day` is a Belgian public holiday."""
    return day in public_holidays(day.year)


def _period(holiday: Holiday) -> tuple[date, date]:
    if isinstance(holiday, tuple | list):
        return holiday[0], holiday[1]
    return holiday.starts_on, holiday.ends_on


class TrainingCalendar:
    """The training days of one school: weekdays, no public holiday, outside its holidays."""

    def __init__(self, holidays: Iterable[Holiday] = ()) -> None:
        self.periods = sorted(_period(holiday) for holiday in holidays)
        self._deadlines: dict[tuple[date, int], date] = {}

    def in_holiday(self, day: date) -> bool:
        """Whether `day` lies in one of the holiday periods (ends included)."""
        return any(start <= day <= end for start, end in self.periods)

    def is_training_day(self, day: date) -> bool:
        """A weekday that is no public holiday and lies outside every holiday period."""
        return day.weekday() < 5 and not is_public_holiday(day) and not self.in_holiday(day)

    def next_training_day(self, day: date) -> date:
        """`day` itself when it is a training day, else the first training day after it."""
        while not self.is_training_day(day):
            day += ONE_DAY
        return day

    def count(self, first: date, last: date) -> int:
        """Training days from `first` to `last`, both included (0 when `last` < `first`)."""
        total, day = 0, first
        while day <= last:
            total += self.is_training_day(day)
            day += ONE_DAY
        return total

    def deadline(self, start: date, n: int = DEFAULT_DEADLINE_DAYS) -> date:
        """The date of training day `n`, day 1 being the first training day on/after `start`."""
        if n < 1:
            raise ValueError("n must be at least 1")
        key = (start, n)
        if key not in self._deadlines:
            day, counted = self.next_training_day(start), 1
            while counted < n:
                day = self.next_training_day(day + ONE_DAY)
                counted += 1
            self._deadlines[key] = day
        return self._deadlines[key]

    def days_left(self, today: date, start: date, n: int = DEFAULT_DEADLINE_DAYS) -> int:
        """Training days left until the deadline, today included; <= 0 once it has passed."""
        last = self.deadline(start, n)
        if today > last:
            return -self.count(last + ONE_DAY, today)
        return self.count(max(today, start), last)


def is_training_day(day: date, holidays: Iterable[Holiday] = ()) -> bool:
    """Whether `day` is a weekday, no public holiday, outside every holiday period."""
    return TrainingCalendar(holidays).is_training_day(day)


def next_training_day(day: date, holidays: Iterable[Holiday] = ()) -> date:
    """`day` when it is a training day, else the first training day after it."""
    return TrainingCalendar(holidays).next_training_day(day)


def count_training_days(first: date, last: date, holidays: Iterable[Holiday] = ()) -> int:
    """Training days from `first` to `last`, both included."""
    return TrainingCalendar(holidays).count(first, last)


def deadline(start: date, holidays: Iterable[Holiday] = (), n: int = DEFAULT_DEADLINE_DAYS) -> date:
    """The date of the `n`-th training day, day 1 being the first training day on/after `start`."""
    return TrainingCalendar(holidays).deadline(start, n)


def training_days_left(today: date, start: date, holidays: Iterable[Holiday] = (),
                       n: int = DEFAULT_DEADLINE_DAYS) -> int:
    """Training days from `today` up to the deadline (1 on the deadline); <= 0 once passed."""
    return TrainingCalendar(holidays).days_left(today, start, n)


def clock_start(trajectory: Any) -> date:
    """Where the trajectory's agreement clock starts: the restart date, else the lesson start."""
    return trajectory.agreement_clock_starts_on or trajectory.starts_on
