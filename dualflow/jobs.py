"""Running a scheduled job at most once per period, recorded as a JobRun."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from dualflow.extensions import db
from dualflow.modelbase import utcnow
from dualflow.notifications.models import JobRun

log = logging.getLogger(__name__)

JobBody = Callable[[Session, datetime], dict | None]


def run_once(job: str, period: str, body: JobBody, *, now: datetime | None = None) -> JobRun | None:
    """Claim (job, period) and run `body` in its own session; None when another run holds it.

    The claim is a committed row under a unique constraint, so two schedulers, or a restart,
    never run the same period twice. A run that failed may be retried: its row is reused.
    """
    now = now or utcnow()
    with db.sessionmaker() as session:
        run = JobRun(job=job, period=period, started_at=now)
        session.add(run)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            run = session.execute(
                select(JobRun).where(JobRun.job == job, JobRun.period == period)
            ).scalar_one()
            if run.status != "failed":
                return None
            run.status, run.started_at, run.error = "running", now, ""
            session.commit()
        try:
            counts = body(session, now) or {}
        except Exception as error:
            session.rollback()
            run = session.get(JobRun, run.id)
            run.status, run.finished_at = "failed", utcnow()
            run.error = f"{type(error).__name__}: {error}"[:4000]
            session.commit()
            log.exception("job %s for %s failed", job, period)
            return run
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
