"""Response times of the main pages on a database loaded with `demo --scale N`.

Usage: DUALFLOW_DATABASE_URL=... python -m tests.tools.measure_pages [REPEAT]

Logs in as each demo user with the test client (no network), warms up each page once and
prints the median and worst of REPEAT further requests, with the number of SQL statements.
"""

from __future__ import annotations

import statistics
import sys
import time

from flask import Flask
from sqlalchemy import event

from dualflow import create_app
from dualflow.extensions import db

PAGES = {
    "admin@dualflow.demo": ["/", "/admin/users", "/admin/programmes", "/admin/audit",
                            "/companies", "/register", "/evaluations/",
                            "/evaluations/?state=submitted&school_year=0"],
    "coordinator@dualflow.demo": ["/", "/learners", "/learners?q=peeters", "/trajectories",
                                  "/register", "/register?postcode=9", "/companies",
                                  "/evaluations/", "/evaluations/?state=overdue"],
    # A school of the generated population (the demo school is small).
    "coordinator.900001@scale.dualflow.demo": [
        "/", "/evaluations/", "/evaluations/?state=overdue", "/evaluations/?school_year=0",
        "/evaluations/?school_year=0&state=reviewed&page=20", "/evaluations/?q=pe",
    ],
    "sector@dualflow.demo": ["/", "/recognitions/inbox", "/register"],
    "company@dualflow.demo": ["/", "/recognitions"],
    "mentor@dualflow.demo": ["/"],
}


class StatementCounter:
    """Counts the SQL statements sent to the database since the last reset."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args) -> None:
        self.count += 1


def measuring_app() -> tuple[Flask, StatementCounter]:
    """The application as in production, with a statement counter on its engine."""
    # Log-in through the form without a CSRF round trip; nothing else differs from production.
    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    counter = StatementCounter()
    with app.app_context():
        event.listen(db.get_engine(), "before_cursor_execute", counter)
    return app, counter


def signed_in(app: Flask, email: str):
    """A test client signed in as the demo user `email`."""
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "dualflow-demo"})
    return client


def time_requests(client, counter: StatementCounter, path: str,
                  repeat: int) -> tuple[float, float, int]:
    """Median and worst milliseconds of `repeat` GETs after a warm-up, and statements per GET."""
    assert client.get(path).status_code == 200, path
    times = []
    for _ in range(repeat):
        counter.count = 0
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times), max(times), counter.count


def main(repeat: int) -> None:
    """Print one line per page: median and worst time, and statements per request."""
    app, counter = measuring_app()
    print(f"{'user':<28}{'page':<28}{'median ms':>10}{'worst ms':>10}{'queries':>9}")
    for email, paths in PAGES.items():
        client = signed_in(app, email)
        for path in paths:
            median, worst, statements = time_requests(client, counter, path, repeat)
            print(f"{email:<28}{path:<28}{median:>10.1f}{worst:>10.1f}{statements:>9}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
