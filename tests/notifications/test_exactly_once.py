"""Exactly once: a second run, a crash half-way, a killed process or a stalled run never
duplicate a notification and never lose one."""

from __future__ import annotations

import json
import signal
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dualflow.extensions import db
from dualflow.notifications import rules
from dualflow.notifications.deadlines import run_daily_deadlines
from dualflow.notifications.models import JobRun, Notification
from dualflow.notifications.rules import run_rules
from tests import factories
from tests.notifications.conftest_deadlines import (
    at_six_thirty,
    build_scene,
    config_for,
    every_day,
    expected_keys,
    simulate,
    spawn,
)
from tests.notifications.test_six_months import EXPECTED, assert_same

BUSY_DAY = date(2026, 10, 2)


def _count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(Notification)).scalar_one()


def _keys(session) -> list[str]:
    session.expire_all()
    return list(session.execute(select(Notification.dedupe_key)).scalars())


class Crash(RuntimeError):
    """Stands for whatever stops a run half-way (a bug, the database going away)."""


def test_a_second_run_on_the_same_day_adds_nothing(session, world):
    s = build_scene(session, world)
    first = run_daily_deadlines(at_six_thirty(BUSY_DAY))
    created = _count(session)
    assert first.status == "succeeded" and created > 0

    # The period is claimed: the job does not run again that day, not even an hour later.
    assert run_daily_deadlines(at_six_thirty(BUSY_DAY) + timedelta(hours=1)) is None
    # And the rules themselves, run again regardless, find every key taken.
    assert run_rules(session, BUSY_DAY, now=at_six_thirty(BUSY_DAY)) == {}
    session.commit()
    assert _count(session) == created
    assert s.agreement_a.status == "awaiting_signatures"


def test_runs_that_crash_half_way_and_are_retried_lose_nothing_and_repeat_nothing(
        session, world, monkeypatch):
    s = build_scene(session, world)
    # Days on which several notifications are due; the first attempt dies after one.
    crash_days = {date(2026, 9, 5), date(2026, 9, 21), date(2026, 10, 2), date(2026, 12, 1),
                  date(2026, 12, 16)}
    monkeypatch.setattr(rules, "CHECKPOINT_EVERY", 1)
    real_notify = rules.notify

    def run(now):
        if now.date() not in crash_days:
            return run_daily_deadlines(now)
        inserted = []

        def crashing_notify(*args, **kwargs):
            if sum(inserted) >= 1:
                raise Crash("stopped half-way")
            inserted.append(real_notify(*args, **kwargs))
            return inserted[-1]

        before = _count(session)
        monkeypatch.setattr(rules, "notify", crashing_notify)
        failed = run_daily_deadlines(now)
        monkeypatch.setattr(rules, "notify", real_notify)
        assert failed.status == "failed" and "Crash: stopped half-way" in failed.error
        # What was committed before the crash stays; the retry reuses the failed period.
        assert _count(session) == before + 1
        retried = run_daily_deadlines(now)
        assert retried.status == "succeeded" and retried.id == failed.id
        return retried

    log = simulate(session, s, every_day(), run=run)

    assert_same(log, EXPECTED)


def test_a_run_left_running_is_taken_over_only_once_it_is_stale(session, world):
    build_scene(session, world)
    now = at_six_thirty(BUSY_DAY)
    session.add(JobRun(job="deadlines", period=BUSY_DAY.isoformat(), status="running",
                       started_at=now - timedelta(minutes=5)))
    session.commit()

    # Five minutes old: maybe still working. Leave it alone.
    assert run_daily_deadlines(now) is None
    assert _count(session) == 0
    # Sixteen minutes later the runner is presumed dead (the daily run takes seconds).
    taken = run_daily_deadlines(now + timedelta(minutes=16))
    assert taken.status == "succeeded" and _count(session) > 0
    assert run_daily_deadlines(now + timedelta(minutes=40)) is None


def test_a_process_killed_half_way_is_completed_by_the_next_run(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.sqlite'}"
    from dualflow.migrate import upgrade

    upgrade(url)
    app = make_app(config_for(url, str(tmp_path)))
    now = at_six_thirty(BUSY_DAY)
    with app.app_context(), db.sessionmaker() as session:
        build_scene(session, factories.World.build(session))
        wanted = expected_keys(session, now)
    assert len(wanted) >= 6

    child = spawn(url, str(tmp_path), now, "daily", hang_after=3)
    try:
        line = child.stdout.readline()
        assert json.loads(line) == {"hanging": 3}, child.stderr.read()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()

    with app.app_context(), db.sessionmaker() as session:
        run = session.execute(select(JobRun).where(JobRun.job == "deadlines")).scalar_one()
        assert run.status == "running"  # the kill left it so
        # Two were committed; the third was inserted but not yet committed when it died.
        assert len(_keys(session)) == 2
        # Started again at once (e.g. by systemd): the period looks busy, nothing runs.
        assert run_daily_deadlines(now + timedelta(minutes=1)) is None
        # Later the same morning the stalled run is taken over and completed.
        taken = run_daily_deadlines(now + timedelta(minutes=20))
        assert taken is not None and taken.status == "succeeded"
    with app.app_context(), db.sessionmaker() as session:
        assert sorted(_keys(session)) == sorted(wanted)
        db.get_engine().dispose()


@pytest.mark.parametrize("hours", [0, 7, 17])
def test_the_period_is_the_day_in_brussels(session, world, hours):
    build_scene(session, world)
    # 06:30, 13:30 and 23:30 in Brussels are all 2 October; 00:30 UTC on the 3rd would not be.
    run = run_daily_deadlines(at_six_thirty(BUSY_DAY) + timedelta(hours=hours))
    assert run.period == "2026-10-02"
