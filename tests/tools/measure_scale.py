"""Time the demo load and `load_scale(N)` on scratch databases (SQLite, optionally PostgreSQL).

Usage: python -m tests.tools.measure_scale [N] [--postgres]

SQLite goes to a temporary folder; with --postgres a database `dualflow_scale_<pid>` is created
on 127.0.0.1:5432 (trust auth) and dropped afterwards, so no shared database is touched.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from sqlalchemy import create_engine, func, select, text

from dualflow import create_app
from dualflow.demo import load_demo, load_scale
from dualflow.extensions import db
from dualflow.learners.models import Learner
from dualflow.migrate import upgrade
from dualflow.trajectories.models import Placement, Trajectory

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def measure(url: str, n: int, instance: str) -> dict[str, float]:
    """Migrate, load the demo, generate n learners, load the demo again; seconds per step."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    upgrade(url)
    timings["migrate"] = time.perf_counter() - started
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "measure", "INSTANCE_PATH": instance})
    with app.app_context():
        for label, step in (
            ("demo", load_demo),
            (f"scale {n}", lambda: load_scale(n, progress=print)),
            ("demo again", load_demo),
            (f"scale {n} again", lambda: load_scale(n)),
        ):
            started = time.perf_counter()
            step()
            timings[label] = time.perf_counter() - started
            print(f"  {label}: {timings[label]:.1f} s", flush=True)
        with db.sessionmaker() as session:
            learners, trajectories, placements = (
                session.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Learner, Trajectory, Placement)
            )
        print(f"  in the database: {learners} learners, {trajectories} trajectories, "
              f"{placements} placements")
        db.get_engine().dispose()
    return timings


def main() -> None:
    """Parse the arguments and run the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"SQLite, {args.n} learners:")
        measure(f"sqlite:///{folder}/scale.sqlite", args.n, folder)
        if args.postgres:
            name = f"dualflow_scale_{os.getpid()}"
            admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                print(f"PostgreSQL, {args.n} learners:")
                measure(f"{SERVER}/{name}", args.n, folder)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
