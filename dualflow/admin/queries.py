"""The list queries behind the user list, the audit log and the job view, scoped by policy."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from dualflow import audit, policy
from dualflow.accounts.models import User
from dualflow.audit import AuditEvent
from dualflow.catalog.models import School, Sector
from dualflow.companies.models import Company
from dualflow.i18n import BRUSSELS
from dualflow.notifications.models import JobRun
from dualflow.scheduler import JOBS


def user_list(viewer: User, *, q: str | None = None, role: str | None = None,
              status: str | None = None):
    """Users `viewer` may see with the name of their organisation and whether `viewer` may
    manage the account, in one query."""
    statement = (
        select(User, School.name, Company.name, Sector.name,
               policy.manageable_accounts(viewer).label("manageable"))
        .outerjoin(School, School.id == User.school_id)
        .outerjoin(Company, Company.id == User.company_id)
        .outerjoin(Sector, Sector.id == User.sector_id)
        .where(policy.visible(viewer, User))
        .order_by(User.full_name, User.id)
    )
    q = (q or "").strip()
    if q:
        statement = statement.where(
            or_(User.full_name.icontains(q, autoescape=True),
                User.email.icontains(q, autoescape=True))
        )
    if role:
        statement = statement.where(User.role == role)
    if status == "active":
        statement = statement.where(User.is_active.is_(True), User.password_hash.is_not(None))
    elif status == "invited":
        statement = statement.where(User.is_active.is_(True), User.password_hash.is_(None))
    elif status == "inactive":
        statement = statement.where(User.is_active.is_(False))
    return statement


# Dates outside this range are clamped, so that a year 1 or 9999 typed in a filter cannot
# overflow the conversion to UTC.
_EARLIEST, _LATEST = date(1970, 1, 1), date(9000, 1, 1)


def _day_start_utc(day: date) -> datetime:
    """The instant `day` starts in Brussels, in UTC like the stored timestamps."""
    day = min(max(day, _EARLIEST), _LATEST)
    return datetime.combine(day, time.min, tzinfo=BRUSSELS).astimezone(UTC)


def audit_list(viewer: User, *, actor: str | None = None, action: str | None = None,
               entity_type: str | None = None, entity_id: int | None = None,
               date_from: date | None = None, date_to: date | None = None):
    """Audit events `viewer` may see, newest first, filtered as asked (dates in Brussels)."""
    statement = policy.scoped(viewer, AuditEvent).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()
    )
    if actor:
        statement = statement.where(AuditEvent.actor_label.icontains(actor.strip(),
                                                                     autoescape=True))
    if action:
        statement = statement.where(AuditEvent.action.startswith(action.strip(),
                                                                 autoescape=True))
    if entity_type:
        statement = statement.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    if date_from:
        statement = statement.where(AuditEvent.at >= _day_start_utc(date_from))
    if date_to:
        day_after = min(date_to, _LATEST) + timedelta(days=1)
        statement = statement.where(AuditEvent.at < _day_start_utc(day_after))
    return statement


# --- scheduled jobs ------------------------------------------------------------------------

# How far back the job overview counts runs and failures.
JOB_STATS_DAYS = 7
# An interval job that runs at least this often needs no "run now": it is about to run anyway,
# and such jobs (report batches) may hold a request for minutes.
CONTINUOUS_BELOW = timedelta(seconds=60)


@dataclass(frozen=True)
class JobSummary:
    """One scheduled job in the admin overview."""

    name: str
    trigger: Any
    last: JobRun | None
    last_failure: JobRun | None
    runs: int
    failures: int

    @property
    def runnable_now(self) -> bool:
        """Whether "run now" is offered for this job."""
        return offers_run_now(self.trigger)

    @property
    def is_daily(self) -> bool:
        """A job on a clock time (cron), as opposed to one every few minutes."""
        return getattr(self.trigger, "interval", None) is None


def offers_run_now(trigger: Any) -> bool:
    """Not for jobs that run every few seconds by themselves; every other job may be run now."""
    interval = getattr(trigger, "interval", None)
    return not (isinstance(interval, timedelta) and interval < CONTINUOUS_BELOW)


def job_registry() -> dict[str, tuple]:
    """The scheduler's jobs: name -> (function, trigger, run at start-up)."""
    return JOBS


def _latest_ids(names: list[str], *conditions):
    """Per job, the id of its latest run meeting `conditions` (an index lookup each)."""
    return [
        select(JobRun.id).where(JobRun.job == name, *conditions)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1).scalar_subquery()
        for name in names
    ]


def job_summaries(session, *, now: datetime) -> list[JobSummary]:
    """Every registered job with its last run, last failure and recent counts (3 queries)."""
    registry = job_registry()
    names = list(registry)
    since = now - timedelta(days=JOB_STATS_DAYS)
    latest = {run.job: run for run in session.execute(
        select(JobRun).where(JobRun.id.in_(_latest_ids(names)))).scalars()}
    failed = {run.job: run for run in session.execute(
        select(JobRun).where(JobRun.id.in_(_latest_ids(
            names, JobRun.status == "failed", JobRun.started_at >= since)))).scalars()}
    counts: dict[tuple[str, str], int] = {
        (job, status): number for job, status, number in session.execute(
            select(JobRun.job, JobRun.status, func.count())
            .where(JobRun.job.in_(names), JobRun.started_at >= since)
            .group_by(JobRun.job, JobRun.status)
        ).all()
    }
    return [
        JobSummary(
            name=name, trigger=registry[name][1], last=latest.get(name),
            last_failure=failed.get(name),
            runs=sum(number for (job, _status), number in counts.items() if job == name),
            failures=counts.get((name, "failed"), 0),
        )
        for name in names
    ]


def job_history(job: str, *, failed_only: bool = False):
    """The runs of one job, newest first (the (job, started_at) index serves it)."""
    statement = select(JobRun).where(JobRun.job == job)
    if failed_only:
        statement = statement.where(JobRun.status == "failed")
    return statement.order_by(JobRun.started_at.desc(), JobRun.id.desc())


@dataclass(frozen=True)
class RunNowResult:
    """What a "run now" did, for the message shown to the admin."""

    job: str
    run: JobRun | None
    result: Any
    error: str
    seconds: float


def run_job_now(session, *, actor: User, job: str) -> RunNowResult:
    """Run a registered job in this request and audit it.

    Safe beside the scheduler: every job claims its period (or its rows) in the database, so
    this never repeats what the scheduler did or is doing; for a daily job that already ran,
    it does nothing, and a failed period is retried.
    """
    function = job_registry()[job][0]
    # The job works in its own sessions and commits there. This request's transaction ends
    # first, and with a commit rather than a rollback: a rollback would expire the signed-in
    # user, whose reload during the job (the page language) would open a transaction that
    # either holds the SQLite write lock the job needs, or predates the job's commits and may
    # then not write the audit row below ("database is locked"). Nothing was written yet.
    session.commit()
    started = clock.perf_counter()
    result, error = None, ""
    try:
        result = function()
    except Exception as failure:  # the admin sees the message; the scheduler log the trace
        error = f"{type(failure).__name__}: {failure}"[:4000]
    seconds = clock.perf_counter() - started
    run = result if isinstance(result, JobRun) else None
    if run is not None and run.status == "failed":
        error = run.error
    changes = {"job": job, "seconds": round(seconds, 3),
               "outcome": "failed" if error else ("ran" if result is not None else "nothing")}
    if run is not None:
        changes.update(period=run.period, counts=run.counts)
    audit.record(session, actor=actor, action="job.run_now", entity_type="job_runs",
                 entity_id=run.id if run is not None else None, changes=changes)
    return RunNowResult(job=job, run=run, result=result, error=error, seconds=seconds)
