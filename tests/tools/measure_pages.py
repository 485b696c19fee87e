"""Response times of the main pages on a database loaded with `demo --scale N`.

Usage: DUALFLOW_DATABASE_URL=... python -m tests.tools.measure_pages [REPEAT]

Logs in as each demo user with the test client (no network), warms up each page once and
prints the median and worst of REPEAT further requests, with the number of SQL statements.
"""

from __future__ import annotations

import statistics
import sys
import time

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


def main(repeat: int) -> None:
    """Print one line per page: median and worst time, and statements per request."""
    # Log-in through the form without a CSRF round trip; nothing else differs from production.
    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    statements = 0

    def count(*_args):
        nonlocal statements
        statements += 1

    with app.app_context():
        event.listen(db.get_engine(), "before_cursor_execute", count)
    print(f"{'user':<28}{'page':<28}{'median ms':>10}{'worst ms':>10}{'queries':>9}")
    for email, paths in PAGES.items():
        client = app.test_client()
        client.post("/login", data={"email": email, "password": "dualflow-demo"})
        for path in paths:
            client.get(path)
            times = []
            for _ in range(repeat):
                statements = 0
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            print(f"{email:<28}{path:<28}{statistics.median(times):>10.1f}{max(times):>10.1f}"
                  f"{statements:>9}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
