"""Forgotten passwords: a single-use, expiring e-mailed link that reveals no accounts."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy as email_policy

import pytest
from sqlalchemy import select, text

from dualflow.accounts.models import AccessToken
from dualflow.audit import AuditEvent
from dualflow.modelbase import utcnow
from dualflow.tokens import hash_token
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login

NEW_PASSWORD = "a-brand-new-secret-42"
LINK = re.compile(r"http://dualflow\.test/password/reset/([A-Za-z0-9_\-]+)")


@pytest.fixture
def client(app):
    return isolated_client(app)


def _mails(outbox):
    return [
        email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def _request_link(client, outbox, address) -> str:
    """Ask for a reset link and return the token from the (only) mail that arrived."""
    response = client.post("/password/forgot", data={"email": address})
    assert response.status_code == 302
    mails = _mails(outbox)
    assert len(mails) == 1
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    return LINK.search(body).group(1)


def _choose(client, token, password=NEW_PASSWORD, confirm=None):
    return client.post(
        f"/password/reset/{token}",
        data={"password": password, "confirm": password if confirm is None else confirm},
    )


def _can_log_in(app, user, password) -> bool:
    response = isolated_client(app).post(
        "/login", data={"email": user.email, "password": password}
    )
    return response.status_code == 302


# --- asking for a link ---------------------------------------------------------------------


def test_forgot_page_is_served(client):
    page = client.get("/password/forgot")
    assert page.status_code == 200
    assert "Wachtwoord vergeten" in page.get_data(as_text=True)


def test_forgot_gives_the_same_answer_for_known_unknown_and_inactive_addresses(
    client, world, session, outbox
):
    inactive = factories.user(session, "admin", is_active=False)
    session.commit()
    answers = []
    for address in (world.coordinator_a.email, "nobody@test.example", inactive.email):
        response = client.post("/password/forgot", data={"email": address})
        page = client.get(response.location)
        answers.append((response.status_code, response.location, page.get_data(as_text=True)))
    assert answers[0][0] == 302 and answers[0][1] == "/login"
    assert "Als er een account bestaat voor dit adres" in answers[0][2]
    assert answers[0] == answers[1] == answers[2]
    # Only the active, known address got a mail.
    mails = _mails(outbox)
    assert [mail["To"] for mail in mails] == [world.coordinator_a.email]


def test_forgot_accepts_the_address_in_any_case_with_spaces(client, world, outbox):
    client.post("/password/forgot", data={"email": " " + world.sector_user_a.email.upper() + " "})
    mails = _mails(outbox)
    assert [mail["To"] for mail in mails] == [world.sector_user_a.email]
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert LINK.search(body)


def test_forgot_with_an_invalid_address_shows_the_form_again(client, outbox):
    response = client.post("/password/forgot", data={"email": "not-an-address"})
    assert response.status_code == 422
    assert _mails(outbox) == []


def test_only_the_hash_of_the_token_is_stored(client, world, session, outbox):
    raw = _request_link(client, outbox, world.coordinator_a.email)
    stored = session.execute(
        select(AccessToken).where(AccessToken.user_id == world.coordinator_a.id)
    ).scalar_one()
    assert stored.purpose == "password_reset"
    assert stored.token_hash == hash_token(raw)
    assert stored.token_hash != raw
    # The raw secret appears nowhere in the database.
    for table in ("access_tokens", "audit_events", "users"):
        dump = repr(session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
        assert raw not in dump


def test_a_second_request_replaces_the_first_link(client, world, outbox):
    first = _request_link(client, outbox, world.coordinator_a.email)
    for mail in outbox.glob("*.eml"):
        mail.unlink()
    second = _request_link(client, outbox, world.coordinator_a.email)
    assert client.get(f"/password/reset/{first}").status_code == 410
    assert client.get(f"/password/reset/{second}").status_code == 200


# --- using the link ------------------------------------------------------------------------


def test_link_sets_a_new_password_once(app, client, world, session, outbox):
    raw = _request_link(client, outbox, world.coordinator_a.email)
    form = client.get(f"/password/reset/{raw}")
    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "no-store"

    response = _choose(client, raw)
    assert response.status_code == 302
    assert response.location == "/login"
    assert _can_log_in(app, world.coordinator_a, NEW_PASSWORD)
    assert not _can_log_in(app, world.coordinator_a, factories.PASSWORD)

    again = client.get(f"/password/reset/{raw}")
    assert again.status_code == 410
    assert "Deze link werkt niet meer" in again.get_data(as_text=True)
    reused = _choose(client, raw, password="yet-another-password-7")
    assert reused.status_code == 410
    assert not _can_log_in(app, world.coordinator_a, "yet-another-password-7")

    events = session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_id == world.coordinator_a.id,
                                        AuditEvent.entity_type == "users")
    ).scalars().all()
    assert "user.password_reset_requested" in events
    assert "user.password_reset" in events


def test_expired_link_is_refused(app, client, world, session, outbox):
    raw = _request_link(client, outbox, world.coordinator_a.email)
    token = session.execute(
        select(AccessToken).where(AccessToken.token_hash == hash_token(raw))
    ).scalar_one()
    token.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    page = client.get(f"/password/reset/{raw}")
    assert page.status_code == 410
    assert "Deze link werkt niet meer" in page.get_data(as_text=True)
    assert _choose(client, raw).status_code == 410
    assert _can_log_in(app, world.coordinator_a, factories.PASSWORD)


def test_link_is_valid_for_the_configured_hours(client, world, session, outbox, app):
    before = utcnow()
    raw = _request_link(client, outbox, world.coordinator_a.email)
    token = session.execute(
        select(AccessToken).where(AccessToken.token_hash == hash_token(raw))
    ).scalar_one()
    lifetime = token.expires_at - before
    hours = app.config["PASSWORD_RESET_HOURS"]
    assert timedelta(hours=hours) <= lifetime < timedelta(hours=hours, minutes=1)


def test_unknown_token_is_refused(client, world):
    page = client.get("/password/reset/this-is-not-a-token")
    assert page.status_code == 410
    assert "Deze link werkt niet meer" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "confirm"),
    [("short-9ch", "short-9ch"), (NEW_PASSWORD, NEW_PASSWORD + "x"), ("", "")],
)
def test_new_password_needs_ten_characters_and_matching_confirmation(
    app, client, world, outbox, password, confirm
):
    raw = _request_link(client, outbox, world.coordinator_a.email)
    response = _choose(client, raw, password=password, confirm=confirm)
    assert response.status_code == 422
    assert 'class="invalid-feedback"' in response.get_data(as_text=True)
    # Nothing changed and the link still works for a proper attempt.
    assert _can_log_in(app, world.coordinator_a, factories.PASSWORD)
    assert _choose(client, raw).status_code == 302
    assert _can_log_in(app, world.coordinator_a, NEW_PASSWORD)


def test_mismatch_is_explained_in_dutch(client, world, outbox):
    raw = _request_link(client, outbox, world.coordinator_a.email)
    response = _choose(client, raw, confirm="something-else-entirely")
    assert "De wachtwoorden verschillen." in response.get_data(as_text=True)


def test_trivial_password_is_refused_by_the_rules(app, client, world, outbox):
    raw = _request_link(client, outbox, world.coordinator_a.email)
    response = _choose(client, raw, password="aaaaaaaaaaaa")
    assert response.status_code == 422
    assert "Dit wachtwoord is te eenvoudig." in response.get_data(as_text=True)
    assert _choose(client, raw).status_code == 302


def test_reset_ends_every_other_session_of_the_user(app, client, world, session, outbox):
    elsewhere = isolated_client(app)
    login(elsewhere, world.coordinator_a)
    remembered = isolated_client(app)
    remembered.post(
        "/login",
        data={"email": world.coordinator_a.email, "password": factories.PASSWORD,
              "remember": "y"},
    )
    bystander = isolated_client(app)
    login(bystander, world.coordinator_b)
    assert elsewhere.get("/").status_code == 200
    assert remembered.get("/").status_code == 200
    epoch = world.coordinator_a.session_epoch

    raw = _request_link(client, outbox, world.coordinator_a.email)
    assert _choose(client, raw).status_code == 302

    session.refresh(world.coordinator_a)
    assert world.coordinator_a.session_epoch == epoch + 1
    assert elsewhere.get("/").status_code == 302
    # The remember-me cookie carries the old epoch too and no longer signs in.
    remembered.delete_cookie("session")
    assert remembered.get("/").status_code == 302
    # Other users are not affected.
    assert bystander.get("/").status_code == 200


def test_reset_link_for_a_deactivated_user_does_not_work(app, client, world, session, outbox):
    raw = _request_link(client, outbox, world.coordinator_a.email)
    world.coordinator_a.is_active = False
    session.commit()
    refused = _choose(client, raw)
    assert refused.status_code == 422
    assert "Deze link is ongeldig" in refused.get_data(as_text=True)
    world.coordinator_a.is_active = True
    session.commit()
    assert _can_log_in(app, world.coordinator_a, factories.PASSWORD)
