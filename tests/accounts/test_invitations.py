"""Invitations: who may invite whom, into which organisation, and the one-time activation link."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy as email_policy

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dualflow.accounts import services
from dualflow.accounts.models import AccessToken, User
from dualflow.accounts.views import send_invitation
from dualflow.audit import AuditEvent
from dualflow.errors import DomainError, NotAllowed
from dualflow.extensions import db
from dualflow.modelbase import utcnow
from dualflow.notifications.delivery import deliver_pending
from dualflow.tokens import hash_token
from tests import factories
from tests.clients import isolated_client

PASSWORD = "my-first-password-1"


@pytest.fixture
def client(app):
    return isolated_client(app)


@pytest.fixture(autouse=True)
def _registered(world, session):
    """School A registered company B, which has no account of its own (A maintains it)."""
    world.company_b.registered_by_school_id = world.school_a.id
    session.commit()


def _invite(session, actor, role, **fields):
    fields.setdefault("email", f"new-{role}-{factories._next()}@test.example")
    fields.setdefault("full_name", "Nieuwe Gebruiker")
    user, raw = services.invite(session, actor=actor, role=role, **fields)
    session.commit()
    return user, raw


def _accept(client, raw, password=PASSWORD, confirm=None):
    return client.post(
        f"/invitation/{raw}",
        data={"password": password, "confirm": password if confirm is None else confirm},
    )


# --- the service: who may invite whom ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        ("admin", {}),
        ("coordinator", {"school_id": "school_a"}),
        ("company", {"company_id": "company_a"}),
        ("mentor", {"company_id": "company_b"}),
        ("sector", {"sector_id": "sector_b"}),
    ],
)
def test_admin_invites_every_role_into_its_organisation(world, session, role, organisation):
    ids = {field: getattr(world, name).id for field, name in organisation.items()}
    user, raw = _invite(session, world.admin, role, email=" New.Person@Test.Example ", **ids)
    assert user.email == "new.person@test.example"
    assert user.role == role
    assert user.password_hash is None
    assert user.invited_at is not None
    assert {f: getattr(user, f) for f in ("school_id", "company_id", "sector_id")} == {
        "school_id": None, "company_id": None, "sector_id": None, **ids
    }
    token = session.execute(
        select(AccessToken).where(AccessToken.user_id == user.id)
    ).scalar_one()
    assert token.purpose == "invitation"
    assert token.token_hash == hash_token(raw) != raw
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.invited",
                                 AuditEvent.entity_id == user.id)
    ).scalar_one()
    assert event.actor_id == world.admin.id
    assert event.entity_type == "users"
    assert event.changes["email"] == "new.person@test.example"
    assert "password_hash" not in event.changes


def test_invitation_is_valid_for_the_configured_days(app, world, session):
    before = utcnow()
    _user, raw = _invite(session, world.admin, "admin")
    token = session.execute(
        select(AccessToken).where(AccessToken.token_hash == hash_token(raw))
    ).scalar_one()
    days = app.config["INVITATION_DAYS"]
    assert timedelta(days=days) <= token.expires_at - before < timedelta(days=days, minutes=1)


@pytest.mark.parametrize("role", ["admin", "sector"])
def test_coordinator_cannot_invite_admins_or_sector_users(world, session, role):
    with pytest.raises(NotAllowed):
        services.invite(
            session, actor=world.coordinator_a, role=role, email="x@test.example",
            full_name="X", sector_id=world.sector_a.id,
        )
    assert services.find_by_email(session, "x@test.example") is None


def test_coordinator_invites_company_side_users(world, session):
    company_user, _ = _invite(session, world.coordinator_a, "company",
                              company_id=world.company_b.id)
    mentor, _ = _invite(session, world.coordinator_a, "mentor", company_id=world.company_b.id)
    assert (company_user.role, company_user.company_id) == ("company", world.company_b.id)
    assert (mentor.role, mentor.company_id) == ("mentor", world.company_b.id)
    # Company A manages itself (it has an active account): no school invites into it.
    with pytest.raises(NotAllowed):
        _invite(session, world.coordinator_a, "mentor", company_id=world.company_a.id)


def test_coordinator_invites_colleagues_only_into_the_own_school(world, session):
    with pytest.raises(NotAllowed):
        _invite(session, world.coordinator_a, "coordinator", school_id=world.school_b.id)
    colleague, _ = _invite(session, world.coordinator_a, "coordinator")
    assert colleague.school_id == world.school_a.id


@pytest.mark.parametrize(
    ("inviter", "role"),
    [
        ("company_user_a", "sector"),
        ("company_user_a", "coordinator"),
        ("company_user_a", "admin"),
        ("mentor_user_a", "mentor"),
        ("mentor_user_a", "company"),
        ("sector_user_a", "sector"),
        ("sector_user_a", "mentor"),
    ],
)
def test_other_roles_cannot_invite(world, session, inviter, role):
    with pytest.raises(NotAllowed):
        services.invite(
            session, actor=getattr(world, inviter), role=role, email="x@test.example",
            full_name="X", company_id=world.company_a.id, school_id=world.school_a.id,
            sector_id=world.sector_a.id,
        )
    assert services.find_by_email(session, "x@test.example") is None


def test_company_user_invites_mentors_of_the_own_company_only(world, session):
    mentor, _ = _invite(session, world.company_user_a, "mentor")
    assert (mentor.role, mentor.company_id) == ("mentor", world.company_a.id)
    with pytest.raises(NotAllowed):
        services.invite(session, actor=world.company_user_a, role="mentor",
                        email="x@test.example", full_name="X", company_id=world.company_b.id)


def test_inactive_admin_cannot_invite(world, session):
    world.admin.is_active = False
    with pytest.raises(NotAllowed):
        services.invite(session, actor=world.admin, role="admin", email="x@test.example",
                        full_name="X")


@pytest.mark.parametrize(
    ("role", "missing"),
    [("coordinator", "school_id"), ("company", "company_id"), ("mentor", "company_id"),
     ("sector", "sector_id")],
)
def test_each_role_needs_its_organisation(world, session, role, missing):
    # Every other kind of organisation is given; only the one the role needs is missing.
    organisation = {"school_id": world.school_a.id, "company_id": world.company_a.id,
                    "sector_id": world.sector_a.id}
    organisation.pop(missing)
    with pytest.raises(DomainError) as refused:
        services.invite(session, actor=world.admin, role=role, email="x@test.example",
                        full_name="X", **organisation)
    assert refused.value.field == missing
    assert refused.value.message.startswith("Kies de")


def test_organisations_that_do_not_fit_the_role_are_dropped(world, session):
    user, _ = _invite(session, world.admin, "company", company_id=world.company_a.id,
                      school_id=world.school_a.id, sector_id=world.sector_a.id)
    assert (user.school_id, user.company_id, user.sector_id) == (None, world.company_a.id, None)


@pytest.mark.parametrize(
    ("role", "field"),
    [("coordinator", "school_id"), ("company", "company_id"), ("sector", "sector_id")],
)
def test_organisation_must_exist(world, session, role, field):
    with pytest.raises(DomainError) as refused:
        services.invite(session, actor=world.admin, role=role, email="x@test.example",
                        full_name="X", **{field: 999_999})
    assert refused.value.field == field


def test_address_already_in_use_is_refused(world, session):
    with pytest.raises(DomainError) as refused:
        services.invite(session, actor=world.admin, role="admin",
                        email=world.coordinator_b.email.upper(), full_name="Dubbel")
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "coordinator"},
        {"role": "admin", "school_id": "school_a"},
        {"role": "company", "school_id": "school_a"},
        {"role": "mentor", "company_id": "company_a", "school_id": "school_a"},
        {"role": "sector", "company_id": "company_a"},
    ],
)
def test_database_refuses_inconsistent_role_and_organisation(world, session, fields):
    values = {key: (getattr(world, value).id if key.endswith("_id") else value)
              for key, value in fields.items()}
    session.add(User(email="broken@test.example", full_name="Broken", **values))
    with pytest.raises(IntegrityError) as refused:
        session.flush()
    assert "role_organisation" in str(refused.value)
    session.rollback()


# --- the link ------------------------------------------------------------------------------


def test_accepting_sets_the_password_and_signs_in(app, client, world, session):
    user, raw = _invite(session, world.coordinator_a, "mentor", full_name="Nina Nieuw",
                        company_id=world.company_b.id)
    page = client.get(f"/invitation/{raw}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Welkom, Nina Nieuw" in text and user.email in text
    assert page.headers["Cache-Control"] == "no-store"

    response = _accept(client, raw)
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").status_code == 200

    session.refresh(user)
    assert user.password_hash.startswith("scrypt:")
    other = isolated_client(app)
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.invitation_accepted",
                                 AuditEvent.actor_id == user.id)
    ).scalar_one()


def test_invitation_link_works_once(app, world, session):
    user, raw = _invite(session, world.admin, "sector", sector_id=world.sector_a.id)
    assert _accept(isolated_client(app), raw).status_code == 302
    second = isolated_client(app)
    page = second.get(f"/invitation/{raw}")
    assert page.status_code == 410
    assert "Deze link werkt niet meer" in page.get_data(as_text=True)
    assert _accept(second, raw, password="takeover-password-9").status_code == 410
    assert second.get("/").status_code == 302
    assert second.post(
        "/login", data={"email": user.email, "password": "takeover-password-9"}
    ).status_code == 422


def test_expired_invitation_is_refused(client, world, session):
    user, raw = _invite(session, world.admin, "admin")
    token = session.execute(
        select(AccessToken).where(AccessToken.token_hash == hash_token(raw))
    ).scalar_one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get(f"/invitation/{raw}").status_code == 410
    assert _accept(client, raw).status_code == 410
    session.refresh(user)
    assert user.password_hash is None


def test_invitation_of_a_deactivated_user_is_refused(client, world, session):
    user, raw = _invite(session, world.admin, "admin")
    services.set_active(session, actor=world.admin, user=user, active=False)
    session.commit()
    assert client.get(f"/invitation/{raw}").status_code == 410
    assert _accept(client, raw).status_code == 410
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(("password", "confirm"),
                         [("too-short", "too-short"), (PASSWORD, PASSWORD + "!")])
def test_weak_or_mismatched_password_keeps_the_link(client, world, session, password, confirm):
    _user, raw = _invite(session, world.admin, "admin")
    refused = _accept(client, raw, password=password, confirm=confirm)
    assert refused.status_code == 422
    assert client.get("/").status_code == 302
    assert _accept(client, raw).status_code == 302


def test_reissued_invitation_replaces_the_old_link(client, world, session):
    user, first = _invite(session, world.coordinator_a, "company", company_id=world.company_b.id)
    second = services.reissue_invitation(session, actor=world.coordinator_a, user=user)
    session.commit()
    assert client.get(f"/invitation/{first}").status_code == 410
    assert _accept(client, second).status_code == 302
    session.refresh(user)
    with pytest.raises(DomainError):
        services.reissue_invitation(session, actor=world.coordinator_a, user=user)


def test_invitation_mail_carries_a_working_link(app, client, world, session, outbox):
    user, raw = _invite(session, world.coordinator_a, "mentor", company_id=world.company_b.id)
    with app.test_request_context():
        send_invitation(user, raw, world.coordinator_a)
        db.session.commit()
    deliver_pending()
    [path] = outbox.glob("*.eml")
    mail = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
    assert mail["To"] == user.email
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert world.coordinator_a.full_name in body
    link = re.search(r"http://dualflow\.test(/invitation/\S+)", body).group(1)
    assert client.get(link).status_code == 200


def test_invitation_stops_working_once_the_account_is_activated_otherwise(client, world,
                                                                          session):
    user, invitation = _invite(session, world.admin, "admin")
    _user, reset = services.request_password_reset(session, email=user.email)
    services.reset_password(session, raw=reset, password="chosen-by-reset-1")
    session.commit()
    assert client.get(f"/invitation/{invitation}").status_code == 410
    assert _accept(client, invitation, password="overwritten-later-2").status_code == 410
    with pytest.raises(DomainError):
        services.accept_invitation(session, raw=invitation, password="overwritten-later-2")
    session.rollback()
    assert services.authenticate(session, email=user.email, password="chosen-by-reset-1")


def test_links_only_work_for_their_own_purpose(client, world, session):
    _user, invitation = _invite(session, world.admin, "admin")
    _user, reset = services.request_password_reset(session, email=world.coordinator_a.email)
    session.commit()
    assert client.get(f"/password/reset/{invitation}").status_code == 410
    assert client.get(f"/invitation/{reset}").status_code == 410
    assert client.get(f"/invitation/{invitation}").status_code == 200
    assert client.get(f"/password/reset/{reset}").status_code == 200
