"""Signing in without a password: a single-use, 15-minute link that reveals no accounts."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy as email_policy

import pytest
from sqlalchemy import select, text

from dualflow.accounts import services
from dualflow.accounts.models import AccessToken
from dualflow.audit import AuditEvent
from dualflow.modelbase import utcnow
from dualflow.tokens import hash_token
from tests import factories
from tests.clients import isolated_client

LINK = re.compile(r"http://dualflow\.test/login/link/([A-Za-z0-9_\-]+)")


@pytest.fixture
def client(app):
    return isolated_client(app)


def _mails(outbox):
    return [
        email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def _request_link(client, outbox, address) -> str:
    """Ask for a sign-in link and return the token from the (only) mail that arrived."""
    response = client.post("/login/link", data={"email": address})
    assert response.status_code == 302
    mails = _mails(outbox)
    assert len(mails) == 1
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    return LINK.search(body).group(1)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _token(session, raw) -> AccessToken:
    return session.execute(
        select(AccessToken).where(AccessToken.token_hash == hash_token(raw))
    ).scalar_one()


# --- asking for a link ---------------------------------------------------------------------


def test_the_login_page_offers_a_sign_in_link(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Stuur me een aanmeldlink" in page
    form = client.get("/login?link=1")
    assert form.status_code == 200
    assert 'action="/login/link"' in form.get_data(as_text=True)


def test_link_is_mailed_for_a_known_address_only_with_the_same_answer(
    client, world, session, outbox
):
    inactive = factories.user(session, "mentor", company_id=world.company_a.id, is_active=False)
    session.commit()
    answers = []
    for address in (world.mentor_user_a.email, "nobody@test.example", inactive.email):
        response = client.post("/login/link", data={"email": address})
        page = client.get(response.location)
        answers.append((response.status_code, response.location, page.get_data(as_text=True)))
    assert answers[0][0] == 302 and answers[0][1] == "/login"
    assert "is er een e-mail met een aanmeldlink onderweg" in answers[0][2]
    assert answers[0] == answers[1] == answers[2]
    mails = _mails(outbox)
    assert [mail["To"] for mail in mails] == [world.mentor_user_a.email]
    assert mails[0]["Subject"] == "Je aanmeldlink voor dualflow"
    assert LINK.search(mails[0].get_body(preferencelist=("html",)).get_content())


def test_an_invalid_address_shows_the_form_again(client, outbox):
    response = client.post("/login/link", data={"email": "not-an-address"})
    assert response.status_code == 422
    assert _mails(outbox) == []


def test_asking_is_rate_limited(client, world, outbox):
    statuses = [
        client.post("/login/link", data={"email": "nobody@test.example"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429


def test_only_the_hash_is_stored_and_the_link_lasts_fifteen_minutes(
    client, world, session, outbox
):
    before = utcnow()
    raw = _request_link(client, outbox, world.mentor_user_a.email)
    stored = session.execute(
        select(AccessToken).where(AccessToken.user_id == world.mentor_user_a.id)
    ).scalar_one()
    assert stored.purpose == "sign_in"
    assert stored.token_hash == hash_token(raw) != raw
    assert timedelta(minutes=15) <= stored.expires_at - before < timedelta(minutes=16)
    for table in ("access_tokens", "audit_events", "users"):
        dump = repr(session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
        assert raw not in dump


def test_the_mail_is_in_the_users_language(client, world, session, outbox):
    world.mentor_user_a.language = "fr"
    session.commit()
    _request_link(client, outbox, world.mentor_user_a.email)
    (mail,) = _mails(outbox)
    assert mail["Subject"] == "Votre lien de connexion à dualflow"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "valable 15 minutes" in body


def test_the_service_returns_a_full_url_also_outside_a_request(app, world, session):
    with app.test_request_context():
        in_request = services.issue_sign_in_link(session, user=world.mentor_user_a)
    # The reminder mails are built by background jobs, with no request around.
    in_job = services.issue_sign_in_link(session, user=world.mentor_user_a)
    for url in (in_request, in_job):
        assert _token(session, LINK.fullmatch(url).group(1)).user_id == world.mentor_user_a.id
    # Issuing a new link replaces the earlier unused one.
    assert _token(session, LINK.fullmatch(in_request).group(1)).used_at is not None
    assert _token(session, LINK.fullmatch(in_job).group(1)).used_at is None


# --- using the link ------------------------------------------------------------------------


def test_get_shows_a_button_and_does_not_use_the_link(client, world, session, outbox):
    raw = _request_link(client, outbox, world.mentor_user_a.email)
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(f"/login/link/{raw}")
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        assert 'method="post"' in page.get_data(as_text=True)
    assert _token(session, raw).used_at is None
    assert not _signed_in(client)


def test_post_signs_in_once_and_keeps_the_language(client, world, session, outbox):
    raw = _request_link(client, outbox, world.mentor_user_a.email)
    client.post("/language", data={"language": "en", "next": "/login"})
    response = client.post(f"/login/link/{raw}")
    assert response.status_code == 302
    assert response.location == "/"
    assert _signed_in(client)
    with client.session_transaction() as browser_session:
        assert browser_session["language"] == "en"
    events = session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_id == world.mentor_user_a.id,
                                        AuditEvent.entity_type == "users")
    ).scalars().all()
    assert "user.login_link" in events

    other = isolated_client(client.application)
    again = other.get(f"/login/link/{raw}")
    assert again.status_code == 410
    assert "Deze link werkt niet meer" in again.get_data(as_text=True)
    assert other.post(f"/login/link/{raw}").status_code == 410
    assert not _signed_in(other)


@pytest.mark.parametrize(("target", "lands_on"), [
    ("/evaluations/12", "/evaluations/12"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
])
def test_a_link_with_next_opens_the_page_it_names_on_this_site_only(
        client, world, outbox, target, lands_on):
    raw = _request_link(client, outbox, world.mentor_user_a.email)
    confirm = client.get(f"/login/link/{raw}", query_string={"next": target})
    assert confirm.status_code == 200
    response = client.post(f"/login/link/{raw}", query_string={"next": target})
    assert response.status_code == 302
    assert response.location == lands_on


def test_expired_link_is_refused(client, world, session, outbox):
    raw = _request_link(client, outbox, world.mentor_user_a.email)
    _token(session, raw).expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert client.get(f"/login/link/{raw}").status_code == 410
    assert client.post(f"/login/link/{raw}").status_code == 410
    assert not _signed_in(client)


def test_a_deactivated_user_is_refused(client, world, session, outbox):
    raw = _request_link(client, outbox, world.mentor_user_a.email)
    world.mentor_user_a.is_active = False
    session.commit()
    assert client.get(f"/login/link/{raw}").status_code == 410
    assert client.post(f"/login/link/{raw}").status_code == 410
    assert not _signed_in(client)


def test_unknown_token_is_refused(client):
    assert client.get("/login/link/this-is-not-a-token").status_code == 410


def test_passwords_keep_working(app, world):
    response = isolated_client(app).post(
        "/login", data={"email": world.mentor_user_a.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
