"""Time the daily deadline run on a large SQLite database (built with `demo --scale 100000`).

Usage:
    DUALFLOW_INSTANCE_PATH=/tmp/deadlines-inst flask --app wsgi db upgrade
    DUALFLOW_INSTANCE_PATH=/tmp/deadlines-inst flask --app wsgi demo --scale 100000
    python -m tests.tools.measure_deadlines /tmp/deadlines-inst/dualflow.sqlite [--day 2026-11-24]
        [--days 1] [--copy]

The run works on a copy of the database with --copy (so that it can be repeated), migrates it,
then for each day: the real daily job (`run_daily_deadlines`), the same rules once more (must
create 0), and the daily job again (the period is claimed: it does not run). Prints durations,
notifications created per kind and the number of SQL statements.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import event, func, select

from dualflow import create_app
from dualflow.extensions import db
from dualflow.i18n import BRUSSELS
from dualflow.jobs import run_once
from dualflow.migrate import upgrade
from dualflow.notifications.deadlines import deadlines_body, run_daily_deadlines
from dualflow.notifications.models import Notification


def _count(model) -> int:
    with db.sessionmaker() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def measure(database: Path, first_day: date, days: int) -> None:
    """Run and time the daily job for `days` days from `first_day`."""
    url = f"sqlite:///{database}"
    upgrade(url)
    instance = tempfile.mkdtemp(prefix="measure-deadlines-")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "measure", "INSTANCE_PATH": instance,
                      "BASE_URL": "http://127.0.0.1:5104"})
    with app.app_context():
        statements: list[str] = []
        event.listen(db.get_engine(), "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: statements.append(statement))
        print(f"database: {database} ({database.stat().st_size / 1e6:.0f} MB), "
              f"{_count(Notification)} notifications before", flush=True)
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            now = datetime.combine(day, clock(6, 30), BRUSSELS)
            before = _count(Notification)
            statements.clear()
            started = time.perf_counter()
            run = run_daily_deadlines(now)
            first = time.perf_counter() - started
            queries = len(statements)
            created = _count(Notification) - before
            print(f"{day}: daily run {run.status if run else 'skipped'} in {first:.2f} s, "
                  f"{queries} SQL statements, {created} notifications: "
                  f"{dict(sorted(run.counts.items())) if run else {}}", flush=True)
            before = _count(Notification)
            started = time.perf_counter()
            run_once("deadlines-measure-rerun", day.isoformat(), deadlines_body, now=now)
            print(f"{day}: the same rules again in {time.perf_counter() - started:.2f} s: "
                  f"{_count(Notification) - before} notifications created (must be 0)", flush=True)
            started = time.perf_counter()
            third = run_daily_deadlines(now)
            print(f"{day}: daily job again: {'ran' if third else 'not run (period done)'} "
                  f"in {time.perf_counter() - started:.3f} s", flush=True)
        print(f"{_count(Notification)} notifications after", flush=True)
        db.get_engine().dispose()


def main() -> None:
    """Parse the arguments and run the measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--day", type=date.fromisoformat,
                        default=datetime.now(BRUSSELS).date())
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--copy", action="store_true",
                        help="work on a copy, leaving the given database untouched")
    args = parser.parse_args()
    database = args.database
    if args.copy:
        target = Path(tempfile.mkdtemp(prefix="measure-deadlines-db-")) / database.name
        started = time.perf_counter()
        shutil.copyfile(database, target)
        print(f"copied in {time.perf_counter() - started:.1f} s", flush=True)
        database = target
    try:
        measure(database, args.day, args.days)
    finally:
        if args.copy:
            shutil.rmtree(database.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
