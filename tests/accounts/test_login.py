"""Signing in and out: credentials, redirects after log-in, and the brute-force throttle."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from tests import factories
from tests.clients import isolated_client, joined_app
from tests.conftest import login

WRONG = "definitely-not-it"
MISMATCH = "Dit e-mailadres en wachtwoord horen niet bij elkaar."
THROTTLED = "Te veel mislukte pogingen"


@pytest.fixture
def client(app):
    return isolated_client(app)


def _post_login(client, email, password, *, ip="127.0.0.1", **extra):
    return client.post(
        "/login",
        data={"email": email, "password": password, **extra},
        environ_base={"REMOTE_ADDR": ip},
    )


def _signed_in(client) -> bool:
    """Whether the client's session opens the dashboard."""
    return client.get("/").status_code == 200


def _audit(session, action, entity_id=None):
    statement = select(AuditEvent).where(AuditEvent.action == action)
    if entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    return session.execute(statement).scalars().all()


# --- credentials ---------------------------------------------------------------------------


def test_login_page_is_served(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="email"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_successful_login_redirects_home_records_time_and_audits(client, world, session):
    assert world.coordinator_a.last_login_at is None
    response = _post_login(client, world.coordinator_a.email, factories.PASSWORD)
    assert response.status_code == 302
    assert response.location == "/"
    assert _signed_in(client)

    session.refresh(world.coordinator_a)
    assert world.coordinator_a.last_login_at is not None
    events = _audit(session, "user.login", world.coordinator_a.id)
    assert len(events) == 1
    assert events[0].actor_id == world.coordinator_a.id
    assert events[0].entity_type == "users"
    assert events[0].ip == "127.0.0.1"


def test_wrong_password_is_refused_with_a_dutch_message_and_no_session(client, world, session):
    response = _post_login(client, world.coordinator_a.email, WRONG)
    assert response.status_code == 422
    assert MISMATCH in response.get_data(as_text=True)
    assert not _signed_in(client)
    session.refresh(world.coordinator_a)
    assert world.coordinator_a.last_login_at is None
    assert _audit(session, "user.login") == []


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(client, world):
    unknown = _post_login(client, "nobody@test.example", WRONG)
    wrong = _post_login(client, world.admin.email, WRONG)
    assert unknown.status_code == wrong.status_code == 422
    assert MISMATCH in unknown.get_data(as_text=True)
    assert MISMATCH in wrong.get_data(as_text=True)


def test_email_is_case_insensitive_and_trimmed(client, world):
    response = _post_login(client, "  " + world.mentor_user_a.email.upper(), factories.PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_inactive_user_cannot_log_in(client, session):
    user = factories.user(session, "admin", is_active=False)
    session.commit()
    response = _post_login(client, user.email, factories.PASSWORD)
    assert response.status_code == 422
    assert MISMATCH in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_invited_user_without_password_cannot_log_in(client, session, world):
    user = factories.user(session, "coordinator", school_id=world.school_a.id, password_hash=None)
    session.commit()
    assert _post_login(client, user.email, "").status_code == 422
    assert _post_login(client, user.email, factories.PASSWORD).status_code == 422
    assert not _signed_in(client)


def test_deactivating_a_user_ends_the_running_session(client, world, session):
    login(client, world.company_user_a)
    assert _signed_in(client)
    world.company_user_a.is_active = False
    world.company_user_a.session_epoch += 1
    session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.location


def test_signed_in_user_visiting_login_goes_home(client, world):
    login(client, world.admin)
    response = client.get("/login")
    assert response.status_code == 302
    assert response.location == "/"


# --- where to go after log-in ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["/admin/users", "/admin/users?page=2"])
def test_next_is_followed_for_same_site_paths(client, world, target):
    response = _post_login(client, world.admin.email, factories.PASSWORD, next=target)
    assert response.status_code == 302
    assert response.location == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/admin",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "admin/users",
    ],
)
def test_next_pointing_elsewhere_is_ignored(client, world, target):
    response = _post_login(client, world.admin.email, factories.PASSWORD, next=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_login_page_carries_next_from_the_query_string(client, world):
    page = client.get("/login?next=/admin/users")
    assert 'name="next" type="hidden" value="/admin/users"' in page.get_data(as_text=True)


# --- log-out -------------------------------------------------------------------------------


def test_logout_is_post_only(client, world):
    login(client, world.admin)
    assert client.get("/logout").status_code == 405
    assert _signed_in(client)


def test_logout_ends_the_session(client, world):
    login(client, world.admin)
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.location == "/login"
    home = client.get("/")
    assert home.status_code == 302
    assert "/login" in home.location


def test_logout_forgets_the_remember_me_cookie(client, world):
    response = _post_login(client, world.admin.email, factories.PASSWORD, remember="y")
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert not _signed_in(client)
    assert client.get_cookie("remember_token") is None


# --- throttling ----------------------------------------------------------------------------


def test_sixth_failed_try_for_an_address_is_refused_even_with_the_right_password(client, world):
    for _ in range(5):
        assert _post_login(client, world.admin.email, WRONG).status_code == 422
    refused = _post_login(client, world.admin.email, factories.PASSWORD)
    assert refused.status_code == 429
    assert THROTTLED in refused.get_data(as_text=True)
    assert not _signed_in(client)


def test_address_throttle_counts_across_client_addresses_and_spellings(client, world):
    email = world.admin.email
    for attempt in range(5):
        spelled = email.upper() if attempt % 2 else email
        assert _post_login(client, spelled, WRONG, ip=f"10.0.0.{attempt + 1}").status_code == 422
    refused = _post_login(client, email, factories.PASSWORD, ip="10.0.0.99")
    assert refused.status_code == 429
    # Another account is not locked by somebody else's failures.
    other = _post_login(client, world.coordinator_a.email, factories.PASSWORD, ip="10.0.1.1")
    assert other.status_code == 302


def test_client_address_throttle_counts_across_addresses_tried(client, world):
    for n in range(5):
        response = _post_login(client, f"guess{n}@test.example", WRONG, ip="192.0.2.7")
        assert response.status_code == 422
    refused = _post_login(client, world.admin.email, factories.PASSWORD, ip="192.0.2.7")
    assert refused.status_code == 429
    assert THROTTLED in refused.get_data(as_text=True)
    # A different client address is still welcome.
    elsewhere = _post_login(client, world.admin.email, factories.PASSWORD, ip="192.0.2.8")
    assert elsewhere.status_code == 302


def test_successful_logins_do_not_count(app, world):
    for _ in range(8):
        client = isolated_client(app)
        assert _post_login(client, world.admin.email, factories.PASSWORD).status_code == 302
    client = isolated_client(app)
    for _ in range(4):
        assert _post_login(client, world.admin.email, WRONG).status_code == 422
    assert _post_login(client, world.admin.email, factories.PASSWORD).status_code == 302


def test_viewing_the_login_page_does_not_count(client, world):
    for _ in range(10):
        assert client.get("/login").status_code == 200
    assert _post_login(client, world.admin.email, factories.PASSWORD).status_code == 302


def test_behind_a_proxy_each_client_is_throttled_and_audited_by_its_own_address(
    app, make_app, session, monkeypatch, world
):
    proxied = joined_app(make_app, app, session, monkeypatch, PROXY_COUNT=1)
    client = isolated_client(proxied)

    def attempt(email, password, forwarded_for):
        return client.post(
            "/login",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
            headers={"X-Forwarded-For": forwarded_for},
        )

    for n in range(5):
        assert attempt(f"guess{n}@test.example", WRONG, "198.51.100.1").status_code == 422
    assert attempt(world.admin.email, factories.PASSWORD, "198.51.100.1").status_code == 429
    # Another visitor behind the same proxy is not locked out by the first one.
    assert attempt(world.admin.email, factories.PASSWORD, "198.51.100.2").status_code == 302
    [event] = _audit(session, "user.login")
    assert event.ip == "198.51.100.2"
