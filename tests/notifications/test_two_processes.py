"""Two scheduler processes at the same moment against one PostgreSQL database: no duplicates.

The processes are real (`python -c` children), so they only see committed data: the test
creates a database of its own on the PostgreSQL server of DUALFLOW_TEST_DATABASE_URL, fills
it, and drops it afterwards, leaving the shared test database alone.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from dualflow.extensions import db
from dualflow.migrate import upgrade
from dualflow.notifications.models import JobRun, Notification
from tests import factories
from tests.notifications.conftest_deadlines import (
    at_six_thirty,
    build_scene,
    config_for,
    expected_keys,
    spawn,
)

TEST_URL = os.environ.get("DUALFLOW_TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not TEST_URL.startswith("postgresql"),
    reason="needs PostgreSQL (DUALFLOW_TEST_DATABASE_URL=postgresql+psycopg://...): two "
           "processes racing on one database is what production runs on; SQLite serialises "
           "writers to one file instead",
)


@pytest.fixture
def own_database():
    """A fresh, migrated database on the test server, dropped after the test."""
    server = make_url(TEST_URL)
    name = f"dualflow_deadlines_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            ), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _race(url: str, instance: str, now, mode: str) -> list[dict]:
    """Start two children that begin at the same instant; their JSON outcomes."""
    start_at = time.time() + 3  # both have imported everything and connected by then
    children = [spawn(url, instance, now, mode, start_at=start_at) for _ in range(2)]
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    return outcomes


def _rows(url_app) -> tuple[list[str], list[tuple]]:
    with url_app.app_context(), db.sessionmaker() as session:
        keys = list(session.execute(select(Notification.dedupe_key)).scalars())
        runs = session.execute(select(JobRun.job, JobRun.period, JobRun.status)).all()
        return keys, [tuple(run) for run in runs]


def test_two_schedulers_at_once_create_each_notification_once(own_database, make_app, tmp_path):
    app = make_app(config_for(own_database, str(tmp_path)))
    day = date(2026, 12, 8)
    with app.app_context(), db.sessionmaker() as session:
        s = build_scene(session, factories.World.build(session))
        # Plenty of work to overlap on: 300 more evaluations due in a week, each a reminder.
        for n in range(300):
            factories.evaluation_moment(session, s.traj_c, title=f"Extra {n}",
                                        due_on=day + timedelta(days=7))
        session.commit()
        wanted = expected_keys(session, at_six_thirty(day))
    assert len(wanted) > 300

    # The real daily job in both: one claims the day, the other stands aside.
    outcomes = _race(own_database, str(tmp_path), at_six_thirty(day), "daily")
    assert sorted(str(o["run"]) for o in outcomes) == ["None", "succeeded"]
    keys, runs = _rows(app)
    assert sorted(keys) == sorted(wanted)
    assert runs == [("deadlines", day.isoformat(), "succeeded")]

    # The rules themselves in both at once, without the claim (as after a stale takeover
    # that overlaps a slow run): INSERT ... ON CONFLICT leaves one row per key, and between
    # them the two processes report each new notification exactly once.
    next_day = day + timedelta(days=6)
    with app.app_context(), db.sessionmaker() as session:
        more = expected_keys(session, at_six_thirty(next_day))
    assert len(more) > 300
    outcomes = _race(own_database, str(tmp_path), at_six_thirty(next_day), "rules")
    created = sum(count for o in outcomes for kind, count in o["counts"].items()
                  if kind != "recognition.marked_expired")
    keys, _runs = _rows(app)
    assert created == len(more)
    assert sorted(keys) == sorted(wanted | more)
    with app.app_context():
        db.get_engine().dispose()
