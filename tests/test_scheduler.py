"""Scheduled jobs run at most once per period; a failed period can be retried."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

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


# --- the deadline scheduler (issue 6) -----------------------------------------------------------

def test_the_scheduler_knows_every_feature_job(app):
    from apscheduler.triggers.cron import CronTrigger

    from dualflow.scheduler import JOBS

    assert set(JOBS) == {"heartbeat", "deadlines", "deliver_pending", "send_digests",
                         "report_batches"}
    brussels = ZoneInfo("Europe/Brussels")
    monday = datetime(2026, 11, 23, 12, 0, tzinfo=brussels)
    daily = {name: JOBS[name][1] for name in ("deadlines", "send_digests")}
    for name, trigger in daily.items():
        assert isinstance(trigger, CronTrigger), name
    assert daily["deadlines"].get_next_fire_time(None, monday) == datetime(
        2026, 11, 24, 6, 30, tzinfo=brussels)
    assert daily["send_digests"].get_next_fire_time(None, monday) == datetime(
        2026, 11, 24, 7, 0, tzinfo=brussels)
    intervals = {name: JOBS[name][1].interval.total_seconds()
                 for name in ("heartbeat", "deliver_pending", "report_batches")}
    assert intervals == {"heartbeat": 60, "deliver_pending": 60, "report_batches": 5}


def test_a_daily_job_catches_up_at_start_only_once_its_time_has_passed():
    from dualflow.scheduler import JOBS, missed_today

    brussels = ZoneInfo("Europe/Brussels")
    trigger = JOBS["deadlines"][1]
    assert not missed_today(trigger, datetime(2026, 11, 24, 3, 0, tzinfo=brussels))
    assert missed_today(trigger, datetime(2026, 11, 24, 6, 31, tzinfo=brussels))
    assert missed_today(JOBS["heartbeat"][1], datetime(2026, 11, 24, 0, 1, tzinfo=brussels))


def test_a_job_that_raises_is_logged_and_the_scheduler_goes_on(app, caplog):
    from dualflow.scheduler import in_app_context

    def broken() -> None:
        raise RuntimeError("the job's body is broken")

    with caplog.at_level(logging.INFO, logger="dualflow.scheduler"):
        in_app_context(app, "ghost", broken)()
    assert "job ghost raised" in caplog.text
    assert "the job's body is broken" in caplog.text


def test_a_job_whose_module_does_not_import_stops_the_scheduler_at_start_up(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    # A job's module is made unimportable before anything else is imported, as a syntax error
    # or a missing dependency would: the process refuses to start and names the module.
    code = ("import sys; sys.modules['dualflow.notifications.deadlines'] = None\n"
            "from flask.cli import main\n"
            "sys.argv = ['flask', '--app', 'wsgi', 'scheduler']\n"
            "main()\n")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DUALFLOW_INSTANCE_PATH": str(tmp_path), "DUALFLOW_DATABASE_URL": ""}
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,  # noqa: S603
                            capture_output=True, text=True, timeout=60, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "While importing 'wsgi', an ImportError was raised" in output
    assert "dualflow.notifications.deadlines" in output
    assert "scheduler running" not in output


def test_each_job_run_logs_one_line_with_its_counts(app, session, caplog):
    from dualflow.scheduler import in_app_context

    def body(job_session, at):
        return {"evaluation.reminder": 2, "mentor.training": 1}

    with caplog.at_level(logging.DEBUG, logger="dualflow.scheduler"):
        in_app_context(app, "counted", lambda: run_once("counted", "p1", body))()
        in_app_context(app, "counted", lambda: run_once("counted", "p1", body))()
    lines = [r for r in caplog.records if r.name == "dualflow.scheduler"]
    assert len(lines) == 2
    assert lines[0].levelno == logging.INFO
    assert "job counted succeeded for p1: evaluation.reminder=2, mentor.training=1" in (
        lines[0].getMessage())
    # The second one found the period done: only a debug line.
    assert lines[1].levelno == logging.DEBUG and "skipped" in lines[1].getMessage()


def test_a_stalled_run_is_taken_over_once_and_only_when_stale(session):
    from dualflow.jobs import STALE_AFTER

    now = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    session.add(JobRun(job="test-stalled", period="p", status="running",
                       started_at=now - STALE_AFTER + timedelta(minutes=1)))
    session.commit()
    calls = []

    def body(job_session, at):
        calls.append(at)
        return {"done": 1}

    assert run_once("test-stalled", "p", body, now=now) is None
    later = now + timedelta(minutes=2)
    taken = run_once("test-stalled", "p", body, now=later)
    assert taken.status == "succeeded" and taken.started_at == later
    assert run_once("test-stalled", "p", body, now=later + STALE_AFTER * 2) is None
    assert calls == [later]
    assert len(_runs(session, "test-stalled")) == 1


def test_of_two_retries_of_a_failed_run_only_one_runs(session):
    from dualflow.jobs import take_over

    now = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    failed = JobRun(job="test-retry", period="p", status="failed", started_at=now, error="boom")
    session.add(failed)
    session.commit()
    # Two processes read the failed row; both try to restart it from what they saw.
    seen = JobRun(id=failed.id, job=failed.job, period=failed.period, status="failed",
                  started_at=now)
    assert take_over(session, seen, now + timedelta(seconds=1)) is True
    assert take_over(session, seen, now + timedelta(seconds=2)) is False
    run = _runs(session, "test-retry")[0]
    assert run.status == "running" and run.started_at == now + timedelta(seconds=1)


def test_the_scheduler_process_stops_cleanly_on_sigterm(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    env = {**os.environ, "DUALFLOW_INSTANCE_PATH": str(tmp_path), "DUALFLOW_DATABASE_URL": "",
           "PYTHONUNBUFFERED": "1"}
    subprocess.run([*flask, "db", "upgrade"], cwd=root, env=env, check=True,  # noqa: S603
                   capture_output=True)
    process = subprocess.Popen([*flask, "scheduler"], cwd=root, env=env,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            # The heartbeat runs at every start; the daily deadline run only catches up at
            # start-up after 06:30 Brussels time, so it cannot be what this waits for.
            if "job heartbeat succeeded" in line:
                break
        assert any("job heartbeat succeeded" in line for line in output), "".join(output)
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    output.append(rest)
    text = "".join(output)
    assert process.returncode == 0, text
    assert "SIGTERM received" in text and "Scheduler stopped." in text
    assert "job heartbeat succeeded" in text
