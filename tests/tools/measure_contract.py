"""Time the contract PDF: the warm render of one contract (2 pages and the annex).

Usage: python -m tests.tools.measure_contract [REPEAT]

Builds the agreement tests' scene (tests/agreements/conftest.py) in a throw-away SQLite database,
renders its contract once to warm up (templates, fonts, catalogues) and prints the median and
worst of REPEAT (5) further renders.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from dualflow import create_app
from dualflow.agreements import contract
from dualflow.extensions import db
from dualflow.migrate import upgrade
from tests import factories
from tests.agreements.conftest import TODAY, build_scene, draft


def main(repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'contract.sqlite'}"
        upgrade(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "measure",
                          "INSTANCE_PATH": folder, "OUTBOX_DIR": f"{folder}/outbox",
                          "BASE_URL": "http://dualflow.test"})
        with app.app_context(), db.sessionmaker() as session:
            scene = build_scene(session, factories.World.build(session))
            data = contract.contract_data(session, draft(session, scene), today=TODAY)
            contract.render(data)
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                contract.render(data)
                timings.append(time.perf_counter() - start)
            db.engine.dispose()
    print(f"contract render (warm, median of {repeat}): {statistics.median(timings) * 1000:.0f} ms,"
          f" worst {max(timings) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
