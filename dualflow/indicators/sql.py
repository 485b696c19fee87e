"""The few SQL pieces SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class DaysBetween(FunctionElement):
    """Days from `earlier` to `later` (dates or timestamps), as a number with fractions."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(DaysBetween)
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = element.clauses
    return f"(julianday({compiler.process(later, **kw)}) - " \
           f"julianday({compiler.process(earlier, **kw)}))"


@compiles(DaysBetween, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    later, earlier = element.clauses
    # Casting both to timestamps makes dates and timestamps alike; the epoch of an interval is
    # its length in seconds.
    return (f"(EXTRACT(EPOCH FROM (CAST({compiler.process(later, **kw)} AS TIMESTAMP) - "
            f"CAST({compiler.process(earlier, **kw)} AS TIMESTAMP))) / 86400.0)")


class CalendarDate(FunctionElement):
    """The (UTC) calendar date of a stored timestamp."""

    inherit_cache = True
    name = "calendar_date"


@compiles(CalendarDate)
def _calendar_date_sqlite(element, compiler, **kw):
    (timestamp,) = element.clauses
    return f"date({compiler.process(timestamp, **kw)})"


@compiles(CalendarDate, "postgresql")
def _calendar_date_postgresql(element, compiler, **kw):
    (timestamp,) = element.clauses
    return f"CAST({compiler.process(timestamp, **kw)} AS DATE)"


def days_between(later, earlier) -> ColumnElement:
    """SQL: the number of days from `earlier` to `later`."""
    return DaysBetween(later, earlier)


def calendar_date(timestamp) -> ColumnElement:
    """SQL: the date part of `timestamp` (stored in UTC)."""
    return CalendarDate(timestamp)
