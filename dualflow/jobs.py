"""Running a scheduled job at most once per period, recorded as a JobRun."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dualflow.extensions import db
from dualflow.modelbase import utcnow
from dualflow.notifications.models import JobRun

log = logging.getLogger(__name__)

JobBody = Callable[[Session, datetime], dict | None]

# A run still "running" after this long was killed (the process died half-way): another run
# may take its period over. Every job body must be safe to run again (dedupe keys).
STALE_AFTER = timedelta(minutes=30)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def take_over(session: Session, seen: JobRun, now: datetime) -> bool:
    """Restart a failed or stalled run as we saw it; False when another process was first.

    A compare-and-set on the status and start time we read: of two processes retrying the
    same period at once, exactly one gets the row.
    """
    taken = session.execute(
        update(JobRun)
        .where(JobRun.id == seen.id, JobRun.status == seen.status,
               JobRun.started_at == seen.started_at)
        .values(status="running", started_at=now, finished_at=None, error="")
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return taken == 1


def _claim(session: Session, job: str, period: str, now: datetime,
           stale_after: timedelta) -> JobRun | None:
    """The committed JobRun this process now holds for (job, period), or None."""
    run = JobRun(job=job, period=period, started_at=now)
    session.add(run)
    try:
        session.commit()
        return run
    except IntegrityError:
        session.rollback()
    run = session.execute(
        select(JobRun).where(JobRun.job == job, JobRun.period == period)
    ).scalar_one()
    retry = run.status == "failed" or (
        run.status == "running" and now - _aware(run.started_at) > stale_after
    )
    if not retry or not take_over(session, run, now):
        return None
    if run.status == "running":
        log.warning("job %s for %s: taking over a run that stalled since %s", job, period,
                    run.started_at.isoformat())
    session.refresh(run)
    return run


def run_once(job: str, period: str, body: JobBody, *, now: datetime | None = None,
             stale_after: timedelta = STALE_AFTER) -> JobRun | None:
    """Claim (job, period) and run `body` in its own session; None when another run holds it.

    The claim is a committed row under a unique constraint, so two schedulers, or a restart,
    never run the same period twice. A run that failed may be retried, and so may a run left
    "running" for longer than `stale_after` by a process that was killed: its row is reused.
    The body may commit along the way (what it committed stays when it fails later).
    """
    now = now or utcnow()
    started = time.perf_counter()
    with db.sessionmaker() as session:
        run = _claim(session, job, period, now, stale_after)
        if run is None:
            return None
        try:
            counts = body(session, now) or {}
        except Exception as error:
            session.rollback()
            # The update comes first: on SQLite a read before it would take a shared lock that
            # another writer can leave this transaction unable to upgrade ("database is locked").
            session.execute(
                update(JobRun).where(JobRun.id == run.id).values(
                    status="failed", finished_at=utcnow(),
                    error=f"{type(error).__name__}: {error}"[:4000])
            )
            session.commit()
            run = session.get(JobRun, run.id)
            log.exception("job %s for %s failed after %.2f s", job, period,
                          time.perf_counter() - started)
            return run
        run = session.get(JobRun, run.id)
        run.status, run.finished_at, run.counts = "succeeded", utcnow(), counts
        session.commit()
        return run


def heartbeat(session: Session, now: datetime) -> dict:
    """Proof of life: the admin dashboard shows the last one."""
    return {"alive": 1}


def run_heartbeat(now: datetime | None = None) -> JobRun | None:
    """Record this minute's heartbeat once."""
    now = now or utcnow()
    return run_once("heartbeat", now.strftime("%Y-%m-%dT%H:%M"), heartbeat, now=now)
