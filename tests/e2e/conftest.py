"""Browser tests: the app served on a random loopback port, driven by Debian's Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from dualflow.agreements.models import AllowanceRate
from dualflow.extensions import db
from dualflow.models import metadata
from tests import factories


@dataclass
class LiveServer:
    url: str
    world: factories.World


def _in_thread(function, *args):
    """Run outside Playwright's event loop: Flask's async teardown refuses to run inside it."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = function(*args)
        except BaseException as error:
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _seed(app) -> factories.World:
    with app.app_context(), db.sessionmaker() as session:
        world = factories.World.build(session)
        session.expunge_all()
    return world


def _wipe(app) -> None:
    """Remove every row the browser tests committed, so later tests start empty."""
    with app.app_context():
        engine = db.get_engine()
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                names = ", ".join(table.name for table in metadata.sorted_tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(metadata.sorted_tables):
                    connection.execute(table.delete())
            # The reference rows the migrations seed come back, for the tests that follow.
            connection.execute(AllowanceRate.__table__.insert(), [
                {"category": category, "valid_from": date(2024, 5, 1), "amount": Decimal(amount),
                 "created_at": datetime.now(UTC)}
                for category, amount in ((1, "600.50"), (2, "662.60"), (3, "714.40"))])


@pytest.fixture(scope="package")
def live_server(app) -> Iterator[LiveServer]:
    """Serve the app from a thread, with the test world committed for real."""
    _in_thread(_wipe, app)
    world = _in_thread(_seed, app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", world=world)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        _in_thread(_wipe, app)


def sign_in(page, server: LiveServer, email: str, password: str = factories.PASSWORD) -> None:
    """Fill in the log-in form and wait for the dashboard."""
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")
