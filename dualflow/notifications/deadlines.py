"""The daily deadline run: every rule once per Brussels day, committed as it goes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from dualflow.i18n import BRUSSELS
from dualflow.jobs import run_once
from dualflow.modelbase import utcnow
from dualflow.notifications.models import JobRun
from dualflow.notifications.rules import run_rules

JOB = "deadlines"
# The daily run takes seconds; one still "running" after this long died and may be taken over.
STALE_AFTER = timedelta(minutes=15)


def brussels_day(now: datetime) -> str:
    """The period of a daily job: the date in Brussels, e.g. '2026-11-24'."""
    return now.astimezone(BRUSSELS).date().isoformat()


def deadlines_body(session: Session, now: datetime) -> dict[str, int]:
    """Evaluate every rule for today; commit after each batch so a crash keeps what was done."""
    today = now.astimezone(BRUSSELS).date()
    return run_rules(session, today, now=now, checkpoint=session.commit)


def run_daily_deadlines(now: datetime | None = None) -> JobRun | None:
    """Today's deadline run, at most once per day (None when already done or running).

    After downtime the first run evaluates today: the rules work with thresholds, so what
    became due while the scheduler was down is sent once, and what is stale is not.
    """
    now = now or utcnow()
    return run_once(JOB, brussels_day(now), deadlines_body, now=now, stale_after=STALE_AFTER)
