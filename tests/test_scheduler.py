"""Scheduled jobs run at most once per period; a failed period can be retried."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select

from dualflow.jobs import run_heartbeat, run_once
from dualflow.notifications.models import JobRun
from dualflow.scheduler import build_scheduler


def _runs(session, job: str) -> list[JobRun]:
    session.expire_all()
    return session.execute(select(JobRun).where(JobRun.job == job)).scalars().all()


def test_heartbeat_runs_once_per_minute(session):
    first = run_heartbeat(datetime(2026, 11, 24, 10, 15, 5, tzinfo=UTC))
    second = run_heartbeat(datetime(2026, 11, 24, 10, 15, 48, tzinfo=UTC))
    assert first is not None and first.status == "succeeded"
    assert first.period == "2026-11-24T10:15"
    assert first.counts == {"alive": 1}
    assert second is None
    assert len(_runs(session, "heartbeat")) == 1
    third = run_heartbeat(datetime(2026, 11, 24, 10, 16, 1, tzinfo=UTC))
    assert third is not None and third.period == "2026-11-24T10:16"
    assert len(_runs(session, "heartbeat")) == 2


def test_failed_run_is_recorded_and_the_period_can_be_retried(session):
    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    calls: list[str] = []

    def failing(job_session, at):
        calls.append("failing")
        raise RuntimeError("SMTP server unreachable")

    def succeeding(job_session, at):
        calls.append("succeeding")
        return {"sent": 3}

    failed = run_once("test-digest", "2026-11-24", failing, now=now)
    assert failed is not None and failed.status == "failed"
    assert "RuntimeError: SMTP server unreachable" in failed.error
    assert failed.finished_at is not None

    retried = run_once("test-digest", "2026-11-24", succeeding, now=now)
    assert retried is not None and retried.status == "succeeded"
    assert retried.counts == {"sent": 3} and retried.error == ""

    # Once it succeeded, the period is done: a third attempt does not run the body.
    assert run_once("test-digest", "2026-11-24", succeeding, now=now) is None
    assert calls == ["failing", "succeeding"]
    runs = _runs(session, "test-digest")
    assert len(runs) == 1 and runs[0].status == "succeeded"


def test_a_failing_body_leaves_no_half_written_rows(session):
    from dualflow.notifications.models import Notification

    def half_then_fail(job_session, at):
        job_session.add(Notification(dedupe_key="test:half", kind="test", subject="half"))
        job_session.flush()
        raise ValueError("boom")

    run = run_once("test-half", "p1", half_then_fail)
    assert run.status == "failed"
    session.expire_all()
    count = session.execute(select(func.count()).select_from(Notification).where(
        Notification.dedupe_key == "test:half")).scalar_one()
    assert count == 0


def test_scheduler_has_the_heartbeat_with_safe_job_settings(app, session):
    scheduler = build_scheduler(app)
    thread = threading.Thread(target=scheduler.start, kwargs={"paused": True}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while scheduler.state == STATE_STOPPED and time.monotonic() < deadline:
            time.sleep(0.01)
        job = scheduler.get_job("heartbeat")
        assert job is not None
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time and job.misfire_grace_time >= 60
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval.total_seconds() == 60
        assert str(scheduler.timezone) == "Europe/Brussels"
        # The job body runs in an application context and records a heartbeat.
        before = len(_runs(session, "heartbeat"))
        job.func()
        assert len(_runs(session, "heartbeat")) == before + 1
    finally:
        scheduler.shutdown(wait=False)
        thread.join(timeout=5)
    assert not thread.is_alive()
