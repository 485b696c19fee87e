"""The one scheduler process: APScheduler with the jobs defined in code, run in app context."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from dualflow.jobs import run_heartbeat

log = logging.getLogger(__name__)

# Job id -> (callable, trigger). Exactly-once comes from JobRun's unique (job, period), not from
# the scheduler, so a second scheduler or a restart cannot repeat a period.
JOBS: dict[str, tuple[Callable[[], object], object]] = {
    "heartbeat": (run_heartbeat, IntervalTrigger(minutes=1)),
}


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job wrapped in an application context."""
    scheduler = BlockingScheduler(
        timezone="Europe/Brussels",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )

    def in_app_context(function: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            with app.app_context():
                function()

        return run

    for job_id, (function, trigger) in JOBS.items():
        scheduler.add_job(in_app_context(function), trigger, id=job_id, name=job_id,
                          next_run_time=_now())
    return scheduler


def _now():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Brussels"))
