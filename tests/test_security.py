"""Cookies, password storage, headers, error pages, language, transactions and the audit trail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from dualflow.accounts import services
from dualflow.accounts.models import User
from dualflow.audit import AuditEvent
from dualflow.errors import NotAllowed
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login


@pytest.fixture
def client(app):
    return isolated_client(app)


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def _cookie_header(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set")


# --- cookies and passwords -----------------------------------------------------------------


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(client, world):
    response = client.post(
        "/login",
        data={"email": world.admin.email, "password": factories.PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        header = _cookie_header(response, name)
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header


def test_session_cookie_is_not_readable_session_data(client, world):
    response = login(client, world.admin)
    value = _cookie_header(response, "session").split(";")[0].split("=", 1)[1]
    assert world.admin.email not in value
    assert factories.PASSWORD not in value


def test_passwords_are_stored_as_salted_scrypt_hashes(client, world, session):
    user, raw = services.invite(session, actor=world.admin, email="new@test.example",
                                full_name="Nieuw", role="admin")
    session.commit()
    secret = "my clear text password"
    response = client.post(f"/invitation/{raw}", data={"password": secret, "confirm": secret})
    assert response.status_code == 302
    stored = session.execute(
        text("SELECT password_hash FROM users WHERE id = :id"), {"id": user.id}
    ).scalar_one()
    assert stored.startswith("scrypt:")
    assert secret not in stored
    # Salted: the same password never gives the same hash twice.
    assert services.hash_password(secret) != services.hash_password(secret)
    assert secret not in repr(session.execute(text("SELECT * FROM audit_events")).all())


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/", "/no/such/page", "/password/forgot"])
def test_security_headers_on_every_page(client, world, path):
    login(client, world.coordinator_a)
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp or "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def _plain_pages(app) -> list[str]:
    """Every page without path arguments that a browser can open."""
    return sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments
        and rule.endpoint not in ("static", "bootstrap.static", "healthz")
    )


@pytest.mark.parametrize("role", ["admin", "coordinator_a", "company_user_a", "mentor_user_a",
                                  "sector_user_a"])
def test_no_response_to_a_signed_in_user_may_be_stored(app, client, world, role):
    login(client, getattr(world, role))
    paths = [*_plain_pages(app), "/no/such/page"]
    assert len(paths) > 20
    for path in paths:
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), (path, response.status)


def test_an_anonymous_page_without_personal_data_may_be_cached(client):
    # The log-in form keeps its own no-store; the health check is for machines.
    assert "no-store" not in client.get("/healthz").headers.get("Cache-Control", "")


def test_strict_transport_security_in_production_only(app, make_app, session, monkeypatch,
                                                      client):
    from tests.clients import joined_app

    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = joined_app(make_app, app, session, monkeypatch, ENV_NAME="production")
    response = isolated_client(production).get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("role", ["admin", "coordinator_a", "company_user_a", "mentor_user_a",
                                  "sector_user_a"])
def test_pages_need_nothing_the_content_security_policy_blocks(client, world, role):
    """No inline scripts or style attributes: the browser would silently ignore them."""
    pages = [client.get("/login"), client.get("/password/forgot"),
             client.get("/invitation/x"), client.get("/nope")]
    login(client, getattr(world, role))
    pages += [client.get("/"), client.get("/nope")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"\son[a-z]+=", html)
        assert not re.search(r"<style\b", html)


# --- error pages ---------------------------------------------------------------------------


def test_404_is_the_friendly_dutch_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Pagina niet gevonden" in html
    assert _lang(response) == "nl"
    assert "Traceback" not in html


def test_404_follows_a_french_browser(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert response.status_code == 404
    assert _lang(response) == "fr"


def test_403_is_the_friendly_page(client, world):
    login(client, world.mentor_user_a)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)


def test_405_is_the_friendly_page(client, world):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Dit kan zo niet" in response.get_data(as_text=True)


def test_errors_answer_json_to_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {"status": 404}


# --- language ------------------------------------------------------------------------------


def test_language_switch_changes_the_page_language(client):
    assert _lang(client.get("/login")) == "nl"
    response = client.post("/language", data={"language": "fr", "next": "/login"})
    assert response.status_code == 302
    assert response.location == "/login"
    assert _lang(client.get("/login")) == "fr"
    client.post("/language", data={"language": "en"})
    assert _lang(client.get("/login")) == "en"


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"language": "de"})
    assert _lang(client.get("/login")) == "nl"


def test_language_switch_does_not_redirect_elsewhere(client):
    response = client.post("/language", data={"language": "fr", "next": "//evil.example/"})
    assert response.status_code == 302
    assert "evil" not in response.location


def test_language_is_stored_on_the_account_and_used_at_the_next_log_in(app, client, world,
                                                                        session):
    login(client, world.coordinator_a)
    response = client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert _lang(client.get("/")) == "fr"
    session.refresh(world.coordinator_a)
    assert world.coordinator_a.language == "fr"
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.language_changed")
    ).scalar_one()
    assert event.actor_id == world.coordinator_a.id
    assert event.entity_id == world.coordinator_a.id
    assert event.changes == {"language": ["nl", "fr"]}

    # A new browser, signed in as the same user, opens in French.
    other = isolated_client(app)
    login(other, world.coordinator_a)
    assert _lang(other.get("/")) == "fr"


# --- one transaction per request -----------------------------------------------------------


@pytest.fixture
def crash_after_flush(app, monkeypatch):
    """Make the language switch flush changes (a rename and a new user) and then fail."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken(session, *, user, language):
        user.full_name = "Half Bewaard"
        user.language = language
        session.add(User(email="ghost@test.example", full_name="Ghost", role="admin"))
        session.flush()
        raise RuntimeError("boom after flush")

    monkeypatch.setattr(services, "set_language", broken)


def test_server_error_rolls_back_everything_the_request_flushed(client, world, session,
                                                                crash_after_flush):
    login(client, world.coordinator_a)
    response = client.post("/language", data={"language": "fr"})
    assert response.status_code == 500
    # The language switch took effect before the crash: the error page speaks French.
    assert "Une erreur s'est produite" in response.get_data(as_text=True)
    session.expire_all()
    user = session.get(User, world.coordinator_a.id)
    assert (user.full_name, user.language) != ("Half Bewaard", "fr")
    assert user.language == "nl"
    assert services.find_by_email(session, "ghost@test.example") is None
    # The application keeps working for the next request.
    assert client.get("/").status_code == 200


def test_database_conflict_gives_the_friendly_409_page_and_keeps_nothing(app, client, world,
                                                                        session, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def duplicate(session, *, user, language):
        user.language = language
        session.add(User(email=user.email, full_name="Dubbel", role="admin"))
        session.flush()

    monkeypatch.setattr(services, "set_language", duplicate)
    login(client, world.coordinator_a)
    response = client.post("/language", data={"language": "fr"})
    assert response.status_code == 409
    # The language switch took effect before the conflict: the error page speaks French.
    assert "Modifié simultanément" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, world.coordinator_a.id).language == "nl"
    assert client.get("/").status_code == 200


def test_duplicate_flush_really_is_a_database_error(world, session):
    """Guards the test above: the duplicate address is refused by the database itself."""
    session.add(User(email=world.coordinator_a.email, full_name="Dubbel", role="admin"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# --- audit trail ---------------------------------------------------------------------------


IP = "203.0.113.9"


def _events(session):
    return session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()


def test_login_is_audited_with_the_client_address(client, world, session):
    client.post("/login", data={"email": world.admin.email, "password": factories.PASSWORD},
                environ_base={"REMOTE_ADDR": IP})
    [event] = _events(session)
    assert (event.action, event.actor_id, event.actor_label, event.entity_type,
            event.entity_id, event.ip) == (
        "user.login", world.admin.id, world.admin.email, "users", world.admin.id, IP
    )


def _invited(session, world):
    user, _raw = services.invite(session, actor=world.admin, email="fresh@test.example",
                                 full_name="Vers", role="admin")
    return user


def _call_invite(session, world):
    return _invited(session, world), "user.invited", world.admin


def _call_reinvite(session, world):
    user = _invited(session, world)
    services.reissue_invitation(session, actor=world.admin, user=user)
    return user, "user.reinvited", world.admin


def _call_accept(session, world):
    user, raw = services.invite(session, actor=world.admin, email="fresh@test.example",
                                full_name="Vers", role="admin")
    services.accept_invitation(session, raw=raw, password="a-good-password-1")
    return user, "user.invitation_accepted", user


def _call_reset_request(session, world):
    services.request_password_reset(session, email=world.sector_user_a.email)
    return world.sector_user_a, "user.password_reset_requested", None


def _call_reset(session, world):
    _user, raw = services.request_password_reset(session, email=world.sector_user_a.email)
    services.reset_password(session, raw=raw, password="a-good-password-1")
    return world.sector_user_a, "user.password_reset", world.sector_user_a


def _call_deactivate(session, world):
    services.set_active(session, actor=world.admin, user=world.mentor_user_a, active=False)
    return world.mentor_user_a, "user.deactivated", world.admin


def _call_reactivate(session, world):
    world.mentor_user_a.is_active = False
    services.set_active(session, actor=world.admin, user=world.mentor_user_a, active=True)
    return world.mentor_user_a, "user.reactivated", world.admin


def _call_language(session, world):
    services.set_language(session, user=world.company_user_a, language="en")
    return world.company_user_a, "user.language_changed", world.company_user_a


def _call_create_admin(session, world):
    user = services.create_admin(session, email="boss@test.example", full_name="Baas",
                                 password="a-good-password-1")
    return user, "user.created", None


@pytest.mark.parametrize(
    "call",
    [_call_invite, _call_reinvite, _call_accept, _call_reset_request, _call_reset,
     _call_deactivate, _call_reactivate, _call_language, _call_create_admin],
    ids=lambda call: call.__name__.removeprefix("_call_"),
)
def test_every_account_change_is_audited_with_actor_entity_and_address(app, world, session,
                                                                       call):
    with app.test_request_context(environ_base={"REMOTE_ADDR": IP}):
        entity, action, actor = call(session, world)
        session.flush()
    [event] = [event for event in _events(session) if event.action == action]
    assert event.actor_id == (actor.id if actor else None)
    assert event.actor_label == (actor.email if actor else "system")
    assert (event.entity_type, event.entity_id) == ("users", entity.id)
    assert event.ip == IP
    assert event.at is not None
    for secret in ("password_hash", "token_hash", "calendar_token_hash"):
        assert secret not in event.changes


def test_refused_changes_leave_no_audit_event(world, session):
    before = len(_events(session))
    with pytest.raises(NotAllowed):
        services.invite(session, actor=world.mentor_user_a, email="x@test.example",
                        full_name="X", role="admin")
    services.set_language(session, user=world.admin, language="nl")  # no change
    services.set_language(session, user=world.admin, language="xx")  # not offered
    session.flush()
    assert len(_events(session)) == before


def test_language_chosen_before_log_in_survives_log_in_and_log_out(client, world):
    client.post("/language", data={"language": "fr"})
    login(client, world.coordinator_a)  # the account itself says Dutch
    assert _lang(client.get("/")) == "fr"
    client.post("/logout")
    assert _lang(client.get("/login")) == "fr"
