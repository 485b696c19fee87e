"""Response time of the STEM-indicators page on a database loaded with `demo --scale N`.

Usage (an instance built with `flask --app wsgi db upgrade` and `flask --app wsgi demo --scale
100000`, about 35 s):

    DUALFLOW_INSTANCE_PATH=/tmp/indicators-inst python -m tests.tools.measure_indicators [REPEAT]

Logs in as the demo admin, the demo sector user and a coordinator of the generated population
with the test client (no network), warms each page up once and prints the median and worst of
REPEAT further requests with the number of SQL statements; then the PDF once per user.
"""

from __future__ import annotations

import sys

from tests.tools.measure_pages import measuring_app, signed_in, time_requests

USERS = [
    "admin@dualflow.demo",
    "sector@dualflow.demo",
    # A school of the generated population (the demo school is small).
    "coordinator.900001@scale.dualflow.demo",
]
PAGES = ["/indicators", "/indicators?school_year=2024&reference_year=2022"]
# The page must answer within this many milliseconds (issue 7).
BUDGET_MS = 1000


def main(repeat: int) -> int:
    """Print one line per user and page; exit status 1 when a median is over the budget."""
    app, counter = measuring_app()
    over = False
    print(f"{'user':<40}{'page':<50}{'median ms':>10}{'worst ms':>10}{'queries':>9}")
    for email in USERS:
        client = signed_in(app, email)
        for path in [*PAGES, "/indicators.pdf"]:
            pdf = path.endswith(".pdf")
            median, worst, statements = time_requests(client, counter, path,
                                                      1 if pdf else repeat)
            over |= median > BUDGET_MS and not pdf
            print(f"{email:<40}{path:<50}{median:>10.0f}{worst:>10.0f}{statements:>9}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
