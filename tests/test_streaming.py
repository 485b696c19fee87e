"""Streamed downloads give their database connection back, however the body ends.

The shared test fixtures run every session on one connection inside a rolled-back transaction,
which would hide a leak. These tests use an application with its own engine on a throw-away
database and a pool of two connections that gives up after a second: a download that keeps its
connection makes the next request fail quickly instead of passing unnoticed.

In a long-running worker a lost session lives on until a full garbage collection, which may
never come in time; so the downloads run with the collector off, and a connection that is not
given back explicitly stays lost, as it does in production.
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dualflow.evaluations.models import EvaluationMoment
from dualflow.evaluations.overview import EXPORT_BATCH
from dualflow.extensions import db
from dualflow.models import metadata
from tests import factories
from tests.conftest import login

DOWNLOADS = 200
# Every school year, so that all moments below are in it.
EXPORT = "/evaluations/export.csv?school_year=0"
# More rows than one batch of the export, so that a body is cut off with its query still open.
MOMENTS = EXPORT_BATCH * 2 + 10


@pytest.fixture
def own_database(tmp_path) -> Iterator[str]:
    """A throw-away database with the schema: a file on SQLite, a schema on PostgreSQL."""
    url = os.environ.get("DUALFLOW_TEST_DATABASE_URL")
    if not url:
        path = tmp_path / "streaming.sqlite"
        own = f"sqlite:///{path}"
        engine = create_engine(own)
        metadata.create_all(engine)
        engine.dispose()
        yield own
        return
    schema = f"streaming_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    own = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    own_url = own.render_as_string(hide_password=False)
    engine = create_engine(own_url)
    metadata.create_all(engine)
    engine.dispose()
    try:
        yield own_url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def small_pool_app(make_app, app, own_database, tmp_path):
    """The application on its own database, with two connections and a one-second wait."""
    application = make_app({
        "TESTING": True,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": app.config["BASE_URL"],
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "DATABASE_URL": own_database,
        "SQLALCHEMY_ENGINES": {"default": {
            "url": own_database, "pool_size": 2, "max_overflow": 0, "pool_timeout": 1,
        }},
    })
    with application.app_context(), db.sessionmaker() as session:
        world = factories.World.build(session)
        scene = factories.placed_world(session, world)
        session.add_all(EvaluationMoment(trajectory_id=scene.traj_a.id, title=f"Evaluatie {n}",
                                         due_on=date(2026, 10, 13) + timedelta(days=n % 200))
                        for n in range(MOMENTS))
        session.commit()
        session.expunge_all()
    application.world = world
    yield application
    with application.app_context():
        db.get_engine().dispose()


@pytest.fixture(autouse=True)
def no_garbage_collector() -> Iterator[None]:
    """Connections come back because the code returns them, not because the collector ran."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def _client(application):
    """A plain test client: each request pushes and pops its contexts as a WSGI server does."""
    return FlaskClient(application, application.response_class, use_cookies=True)


def _healthy_quickly(client) -> None:
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert time.monotonic() - started < 1


def test_a_streamed_export_downloaded_200_times_leaves_the_pool_intact(small_pool_app):
    client = _client(small_pool_app)
    login(client, small_pool_app.world.coordinator_a)
    for number in range(DOWNLOADS):
        response = client.get(EXPORT)
        assert response.status_code == 200, f"download {number + 1}"
        assert response.get_data(as_text=True).count("\r\n") == MOMENTS + 1
        response.close()
    _healthy_quickly(client)
    with small_pool_app.app_context():
        assert db.get_engine().pool.checkedout() == 0


def test_a_download_cut_off_after_its_first_chunk_gives_its_connection_back(small_pool_app):
    client = _client(small_pool_app)
    login(client, small_pool_app.world.coordinator_a)
    for _ in range(DOWNLOADS):
        response = client.get(EXPORT, buffered=False)
        assert response.status_code == 200
        body = iter(response.response)
        # The byte-order mark, then the first batch of rows: the query is under way.
        assert b"Evaluatie" in next(body) + next(body)
        # The client goes away: the server closes the body without reading the rest.
        response.close()
    _healthy_quickly(client)
    with small_pool_app.app_context():
        assert db.get_engine().pool.checkedout() == 0


def test_a_download_not_read_at_all_gives_its_connection_back(small_pool_app):
    client = _client(small_pool_app)
    login(client, small_pool_app.world.coordinator_a)
    for _ in range(DOWNLOADS):
        response = client.get(EXPORT, buffered=False)
        assert response.status_code == 200
        response.close()
    _healthy_quickly(client)


def test_a_body_that_fails_half_way_gives_its_connection_back(small_pool_app):
    from sqlalchemy import text as sql

    from dualflow import exports

    def broken(session):
        yield "\ufeff"
        session.execute(sql("SELECT 1")).scalar_one()  # the connection is now checked out
        yield "a;b\r\n"
        raise RuntimeError("the disk is full")

    small_pool_app.add_url_rule(
        "/broken.csv", "broken", lambda: exports.streamed_download(broken, filename="b.csv"))
    client = _client(small_pool_app)
    for _ in range(10):
        response = client.get("/broken.csv", buffered=False)
        with pytest.raises(RuntimeError):
            response.get_data()
        response.close()
    _healthy_quickly(client)
    with small_pool_app.app_context():
        assert db.get_engine().pool.checkedout() == 0
