"""The one scheduler process: APScheduler with the jobs defined in code, run in app context.

Never start it inside gunicorn workers: `flask --app wsgi scheduler` is its own process (see
the README for a systemd unit). Exactly-once does not come from here: every job claims its
period in the database (`dualflow.jobs.run_once`) or works on rows it claims, so a second
scheduler, a restart or a catch-up after downtime cannot repeat anything.

The jobs are imported plainly: when one of their modules is broken, the process does not start
(the import error names the module), rather than starting and failing at every run.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from dualflow.i18n import BRUSSELS
from dualflow.jobs import run_heartbeat
from dualflow.notifications.deadlines import run_daily_deadlines
from dualflow.notifications.delivery import deliver_pending, send_digests
from dualflow.notifications.models import JobRun
from dualflow.reports.batches import process_report_batches

log = logging.getLogger(__name__)


# Job id -> (callable, trigger, catch up at start-up). Catching up runs an interval job at
# once, and a daily job at once when today's time has passed (a scheduler started at 03:00
# waits for 06:30); run_once makes it harmless when the period was done already.
JOBS: dict[str, tuple[Callable[[], object], Any, bool]] = {
    "heartbeat": (run_heartbeat, IntervalTrigger(minutes=1), True),
    "deadlines": (run_daily_deadlines, CronTrigger(hour=6, minute=30, timezone=BRUSSELS), True),
    "deliver_pending": (deliver_pending, IntervalTrigger(minutes=1), True),
    "send_digests": (send_digests, CronTrigger(hour=7, minute=0, timezone=BRUSSELS), True),
    "report_batches": (process_report_batches, IntervalTrigger(seconds=5), True),
}


def describe(result: object) -> tuple[int, str]:
    """The log level and the one line that tells what a job run did."""
    if isinstance(result, JobRun):
        counts = ", ".join(f"{key}={value}" for key, value in sorted(result.counts.items()))
        level = logging.WARNING if result.status == "failed" else logging.INFO
        detail = result.error if result.status == "failed" else (counts or "nothing to do")
        return level, f"{result.status} for {result.period}: {detail}"
    if result is None:
        return logging.DEBUG, "skipped: period already done or held by another run"
    if isinstance(result, dict):
        counts = ", ".join(f"{key}={value}" for key, value in sorted(result.items()))
        return (logging.INFO if any(result.values()) else logging.DEBUG), counts or "nothing"
    if isinstance(result, int | float):
        return (logging.INFO if result else logging.DEBUG), f"count={result}"
    return logging.INFO, str(result)


def in_app_context(app: Flask, job_id: str, function: Callable[[], object]) -> Callable[[], None]:
    """Run `function` inside an application context and log one line about the run."""

    def run() -> None:
        started = time.perf_counter()
        with app.app_context():
            try:
                result = function()
            except Exception:
                log.exception("job %s raised after %.2f s", job_id, time.perf_counter() - started)
                return
        level, line = describe(result)
        log.log(level, "job %s %s (%.2f s)", job_id, line, time.perf_counter() - started)

    run.__name__ = job_id
    return run


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job wrapped in an application context."""
    scheduler = BlockingScheduler(
        timezone=BRUSSELS,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    now = datetime.now(BRUSSELS)
    for job_id, (function, trigger, catch_up) in JOBS.items():
        options = {"next_run_time": now} if catch_up and missed_today(trigger, now) else {}
        scheduler.add_job(in_app_context(app, job_id, function), trigger, id=job_id,
                          name=job_id, **options)
    return scheduler


def missed_today(trigger: Any, now: datetime) -> bool:
    """Whether the trigger fired (or should have) earlier today: always for interval triggers."""
    if isinstance(trigger, IntervalTrigger):
        return True
    midnight = datetime.combine(now.date(), datetime.min.time(), now.tzinfo)
    first = trigger.get_next_fire_time(None, midnight)
    return first is not None and first <= now


def run_scheduler(app: Flask) -> None:
    """Run until SIGTERM or SIGINT, then let running jobs finish and stop."""
    scheduler = build_scheduler(app)

    def stop(signum, _frame) -> None:
        log.info("scheduler: %s received, stopping after the running jobs",
                 signal.Signals(signum).name)
        # From a signal handler the scheduler must not wait here: the main loop it would wait
        # for is the code this handler interrupted. start() returns once the loop has ended.
        scheduler.shutdown(wait=False)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("scheduler started with jobs: %s", ", ".join(JOBS))
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    # A job still running in the thread pool finishes before the interpreter exits (the pool's
    # threads are joined at exit); an interrupted one would be safe too (dedupe keys).
    log.info("scheduler stopped")
