"""Test fixtures: one migrated database per run, each test in a rolled-back transaction."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import create_engine, event, text

from dualflow import create_app, i18n
from dualflow.extensions import db, limiter
from dualflow.migrate import upgrade
from tests import factories
from tests.clients import IsolatedClient

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def pytest_collection_modifyitems(items) -> None:
    """Everything under tests/e2e is a browser test that commits for real."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database, migrated from scratch: PostgreSQL when configured, else SQLite."""
    url = os.environ.get("DUALFLOW_TEST_DATABASE_URL")
    if url:
        _reset_postgresql(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application under test, bound to the test database."""
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(instance),
            "OUTBOX_DIR": str(instance / "outbox"),
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://dualflow.test",
            "SERVER_NAME": None,
        }
    )
    # Each request gets its own application context, as in production (see tests/clients.py).
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(autouse=True)
def _isolated(request, app) -> Iterator[None]:
    """Every test runs inside a transaction that is rolled back afterwards."""
    limiter.reset()
    if request.node.get_closest_marker("e2e"):
        yield
        return
    # flask-sqlalchemy-lite's isolation: every engine hands out one connection whose transaction
    # is rolled back at the end; the app's commits become savepoints inside it. Since SQLAlchemy
    # 2.1 a session that takes its connection from the engine adopts a transaction already open
    # on it (sqlalchemy#11163) instead of joining it with a savepoint, and would commit or end
    # the test's transaction: sessions are bound to the connection itself, which they join as
    # `join_transaction_mode` (set by test_isolation) says.
    with (
        app.app_context(),
        db.test_isolation(),
        mock.patch.dict(db.sessionmaker.kw, {"bind": db.engine.connect()}),
    ):
        yield


@pytest.fixture
def make_app():
    """Build extra applications with their own settings, forgotten after the test."""
    built = []

    def build(config: dict):
        application = create_app(config)
        built.append(application)
        return application

    yield build
    # `db.test_isolation()` connects to every engine of every application the extension knows,
    # and an application lives on while anything refers to it (a failed test's traceback does).
    # These applications close their connections and forget their engines.
    for application in built:
        with application.app_context():
            for engine in db.engines.values():
                engine.dispose()
            db.engines.clear()


@pytest.fixture
def session(app):
    """A database session for arranging and checking data (commits become savepoints)."""
    with db.sessionmaker() as db_session:
        yield db_session


@pytest.fixture
def client(app):
    """An HTTP client for the application."""
    return app.test_client()


@pytest.fixture
def outbox(app) -> Path:
    """The folder mails are written to; emptied before each test."""
    folder = Path(app.config["OUTBOX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for mail in folder.glob("*.eml"):
        mail.unlink()
    return folder


@pytest.fixture
def world(session):
    """A small, complete data set: two schools, two sectors, one user of every role."""
    return factories.World.build(session)


def login(client, user, password: str = factories.PASSWORD):
    """Sign `user` in through the log-in form."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


_CLOCKS = {i18n.today_brussels}  # the real clock and the fixed ones put in its place


def fix_today(monkeypatch, day: date) -> date:
    """Make `day` today for the code under test, for the rest of the test.

    The application reads the day from one clock, `dualflow.i18n.today_brussels`; this replaces
    it in every module that imported it (services that take a `today` get it passed instead).
    """

    def fixed() -> date:
        return day

    for name, module in list(sys.modules.items()):
        clock = getattr(module, "today_brussels", None)
        if name.partition(".")[0] == "dualflow" and clock in _CLOCKS:
            monkeypatch.setattr(module, "today_brussels", fixed)
    _CLOCKS.add(fixed)
    return day


def fix_demo_day(monkeypatch, day: date) -> date:
    """Load the demo data set on `day` and run the application on it (`fix_today`): the demo
    reads the day with `date.today()` in `dualflow.demo`, whose `date` is replaced there."""
    import dualflow.demo

    fixed = type("date", (date,), {"today": classmethod(lambda cls: day)})
    monkeypatch.setattr(dualflow.demo, "date", fixed)
    return fix_today(monkeypatch, day)


@contextmanager
def count_queries(app) -> Iterator[list[str]]:
    """Collect the SQL statements the application sends while the block runs."""
    statements: list[str] = []
    engine = db.get_engine()

    def before(_conn, _cursor, statement, *_args):
        if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)", statement, re.I):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium with the flags this closed network needs."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("DUALFLOW_CHROMIUM", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }
