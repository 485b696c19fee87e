"""Server-side sessions: log-out ends them, copied cookies stop working, lifetimes are bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import session as flask_session
from sqlalchemy import select, update

from dualflow.accounts import services
from dualflow.accounts.models import UserSession
from dualflow.modelbase import utcnow
from tests import factories
from tests.clients import isolated_client
from tests.conftest import count_queries, login


@pytest.fixture
def client(app):
    return isolated_client(app)


def _remembered_login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": factories.PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    return response


def _with_cookie(app, name: str, value: str):
    """A fresh browser that holds only this one copied cookie."""
    other = isolated_client(app)
    other.set_cookie(name, value)
    return other


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _rows(session, user) -> list[UserSession]:
    session.expire_all()
    return list(session.execute(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).scalars())


def test_a_copied_session_cookie_stops_working_at_log_out(app, client, world):
    login(client, world.coordinator_a)
    copied = client.get_cookie("session").value
    assert _signed_in(_with_cookie(app, "session", copied))

    client.post("/logout")

    replay = _with_cookie(app, "session", copied).get("/")
    assert replay.status_code == 302
    assert "/login" in replay.location


def test_a_copied_remember_me_cookie_stops_working_at_log_out(app, client, world):
    _remembered_login(client, world.coordinator_a)
    copied = client.get_cookie("remember_token").value
    # Before log-out the cookie alone signs a new browser in.
    assert _signed_in(_with_cookie(app, "remember_token", copied))

    client.post("/logout")

    replay = _with_cookie(app, "remember_token", copied).get("/")
    assert replay.status_code == 302
    assert "/login" in replay.location


def test_log_out_ends_only_its_own_session(app, client, world, session):
    login(client, world.coordinator_a)
    other_browser = isolated_client(app)
    login(other_browser, world.coordinator_a)
    client.post("/logout")
    assert _signed_in(other_browser)
    ended = [row.ended_at is not None for row in _rows(session, world.coordinator_a)]
    assert ended == [True, False]


def test_an_expired_remember_me_session_is_refused(app, client, world, session):
    _remembered_login(client, world.coordinator_a)
    copied = client.get_cookie("remember_token").value
    session.execute(update(UserSession).where(UserSession.user_id == world.coordinator_a.id)
                    .values(expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert not _signed_in(_with_cookie(app, "remember_token", copied))
    assert not _signed_in(client)


def test_remember_me_lasts_the_configured_days(app, client, world, session):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    before = utcnow()
    _remembered_login(client, world.coordinator_a)
    [row] = _rows(session, world.coordinator_a)
    assert row.remember
    assert timedelta(days=30) - timedelta(minutes=1) < row.expires_at - before
    assert row.expires_at - before <= timedelta(days=30, minutes=1)
    cookie = client.get_cookie("remember_token")
    assert cookie.expires is not None
    assert cookie.expires - before < timedelta(days=31)


def test_a_session_without_remember_me_has_an_absolute_limit(app, client, world, session):
    before = utcnow()
    login(client, world.coordinator_a)
    [row] = _rows(session, world.coordinator_a)
    assert not row.remember
    hours = app.config["SESSION_MAX_HOURS"]
    assert row.expires_at - before <= timedelta(hours=hours, minutes=1)
    # Kept busy past the limit, the session still ends.
    session.execute(update(UserSession).where(UserSession.id == row.id)
                    .values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert not _signed_in(client)


def test_only_the_key_hash_is_stored(client, world, session):
    login(client, world.coordinator_a)
    [row] = _rows(session, world.coordinator_a)
    key = client.get_cookie("session")
    assert len(row.key_hash) == 64
    assert row.key_hash not in key.value


@pytest.mark.parametrize("how", ["sign_in_link", "invitation"])
def test_every_way_in_starts_a_server_side_session(app, client, world, session, how):
    if how == "sign_in_link":
        link = services.issue_sign_in_link(session, user=world.mentor_user_a)
        session.commit()
        path = link.removeprefix(app.config["BASE_URL"])
        user = world.mentor_user_a
        assert client.post(path).status_code == 302
    else:
        user, raw = services.invite(session, actor=world.admin, email="nieuw@test.example",
                                    full_name="Nieuw", role="admin")
        session.commit()
        response = client.post(f"/invitation/{raw}", data={
            "password": factories.PASSWORD, "confirm": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert _signed_in(client)
    assert [row.ended_at for row in _rows(session, user)] == [None]
    client.post("/logout")
    assert _rows(session, user)[0].ended_at is not None


def test_a_session_id_without_a_valid_key_is_refused(app, world, session):
    user = world.coordinator_a
    with app.test_request_context():
        services.start_session(session, user, remember=False)
        good = user.get_id()
        user_id, epoch, key = good.split(":")
        assert services.load_user_for_session(good) is not None
        for forged in (f"{user_id}:{epoch}", f"{user_id}:{epoch}:{key}x",
                       f"{world.admin.id}:{epoch}:{key}", f"{user_id}:{int(epoch) + 1}:{key}",
                       "garbage", f"{user_id}:x:{key}"):
            assert services.load_user_for_session(forged) is None, forged


def test_loading_the_signed_in_user_is_one_query(app, client, world):
    login(client, world.coordinator_a)
    with app.test_request_context():
        cookie_id = None
        # The id flask-login keeps in the session cookie.
        with client.session_transaction() as stored:
            cookie_id = stored["_user_id"]
        with count_queries(app) as statements:
            user = services.load_user_for_session(cookie_id)
        assert user is not None and user.id == world.coordinator_a.id
        assert user.get_id() == cookie_id
        assert len(statements) == 1
        assert flask_session.get("_user_id") is None
