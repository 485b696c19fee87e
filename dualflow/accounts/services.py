"""Account rules: authentication, invitations, password resets, deactivation."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from sqlmodel import Session
from werkzeug.security import check_password_hash, generate_password_hash

from dualflow import audit, policy, tokens
from dualflow.accounts.models import User, UserSession
from dualflow.catalog.models import School, Sector
from dualflow.companies.models import Company
from dualflow.errors import DomainError, NotAllowed
from dualflow.extensions import db
from dualflow.modelbase import MailFrequency, Role, utcnow
from dualflow.web import absolute_url

MIN_PASSWORD_LENGTH = 10

# Verifying against a fixed hash when the address is unknown keeps the response time the same.
_DUMMY_HASH = generate_password_hash("not-a-real-password-dualflow")


def normalise_email(email: str) -> str:
    """Addresses are compared and stored lower-case without surrounding spaces."""
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """A salted scrypt hash of the password."""
    return generate_password_hash(password)


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or trivially weak."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("Kies een wachtwoord van minstens %(n)d tekens.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(set(password)) < 4:
        raise DomainError(_("Dit wachtwoord is te eenvoudig."), field="password")


def find_by_email(session: Session, email: str) -> User | None:
    """The user with this address, if any."""
    return session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def start_session(session: Session, user: User, *, remember: bool) -> UserSession:
    """Open a server-side session for a browser that just signed in as `user`.

    The raw key goes into the session (and remember-me) cookie through `user.get_id()`; only
    its SHA-256 is stored. A remembered session lasts the configured days, any other one the
    configured hours at most.
    """
    now = utcnow()
    # Ended and expired sessions are of no use to anybody: the table keeps only live ones.
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at.is_not(None), UserSession.expires_at <= now),
        )
    )
    config = current_app.config
    lifetime = (timedelta(days=config["REMEMBER_DAYS"]) if remember
                else timedelta(hours=config["SESSION_MAX_HOURS"]))
    key = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, key_hash=tokens.hash_token(key), remember=remember,
                      created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    user.attach_session_key(key)
    return row


def end_session(session: Session, user: User) -> None:
    """Log-out: the browser session `user` was loaded for stops working, on the server too."""
    if not user.session_key:
        return
    session.execute(
        update(UserSession)
        .where(UserSession.key_hash == tokens.hash_token(user.session_key),
               UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    audit.record(session, actor=user, action="user.logout", entity=user)


def _end_every_session(session: Session, user: User) -> dict:
    """Every browser of `user` is signed out (the epoch does it; the rows say so too), and the
    calendar feed link stops working: it may have leaked along with the old password."""
    user.session_epoch += 1
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if user.calendar_token_hash is None:
        return {}
    user.calendar_token_hash = None
    return {"calendar_feed": [True, False]}  # for the audit record


def load_user_for_session(session_id: str) -> User | None:
    """flask-login loader: the active user of a live session whose key and epoch match."""
    try:
        user_part, epoch_part, key = session_id.split(":")
        user_id, epoch = int(user_part), int(epoch_part)
    except (ValueError, AttributeError):
        return None
    if not key:
        return None
    user = db.session.execute(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.is_active.is_(True),
            User.session_epoch == epoch,
            UserSession.key_hash == tokens.hash_token(key),
            UserSession.ended_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
    ).scalar_one_or_none()
    if user is not None:
        user.attach_session_key(key)
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; a successful log-in is audited."""
    user = find_by_email(session, email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    user.last_login_at = utcnow()
    audit.record(session, actor=user, action="user.login", entity=user)
    return user


def invite(
    session: Session,
    *,
    actor: User,
    email: str,
    full_name: str,
    role: str,
    school_id: int | None = None,
    company_id: int | None = None,
    sector_id: int | None = None,
    language: str = "nl",
) -> tuple[User, str]:
    """Create an account without password and return it with the raw invitation token."""
    role = Role(role)
    if actor.role == Role.COORDINATOR and role == Role.COORDINATOR and school_id is None:
        school_id = actor.school_id
    if actor.role == Role.COMPANY and company_id is None:
        company_id = actor.company_id  # a company user brings people into the own company
    if role not in policy.INVITABLE_ROLES.get(Role(actor.role), ()) or not policy.can(
            actor, "users.invite"):
        raise NotAllowed(_("Je mag geen gebruiker met deze rol uitnodigen."), field="role")
    organisation = {
        Role.ADMIN: {},
        Role.COORDINATOR: {"school_id": school_id},
        Role.COMPANY: {"company_id": company_id},
        Role.MENTOR: {"company_id": company_id},
        Role.SECTOR: {"sector_id": sector_id},
    }[role]
    models = {"school_id": School, "company_id": Company, "sector_id": Sector}
    for field, value in organisation.items():
        if value is None or session.get(models[field], value) is None:
            label = {
                "school_id": _("Kies de school van deze gebruiker."),
                "company_id": _("Kies de onderneming van deze gebruiker."),
                "sector_id": _("Kies de sector van deze gebruiker."),
            }[field]
            raise DomainError(label, field=field)
    # Who may bring whom into which organisation is the policy's object rule.
    if not policy.may(actor, "user.invite", User(role=role.value, **organisation),
                      session=session):
        raise NotAllowed(str(policy.RULES["user.invite"].refusal),
                         field=next(iter(organisation), "role"))
    email = normalise_email(email)
    if find_by_email(session, email) is not None:
        raise DomainError(_("Er bestaat al een account met dit e-mailadres."), field="email")
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=role.value,
        language=language,
        invited_at=utcnow(),
        invited_by_id=actor.id,
        digest=(MailFrequency.DAILY if role == Role.COORDINATOR else MailFrequency.IMMEDIATE).value,
        **organisation,
    )
    session.add(user)
    session.flush()
    raw = tokens.issue(
        session,
        purpose="invitation",
        user_id=user.id,
        lifetime=timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    audit.record(session, actor=actor, action="user.invited", entity=user,
                 changes=audit.snapshot(user))
    return user, raw


def reissue_invitation(session: Session, *, actor: User, user: User) -> str:
    """A fresh invitation link for a user who has not set a password yet."""
    if user.password_hash:
        raise DomainError(_("Deze gebruiker heeft het account al geactiveerd."))
    policy.require_may(actor, "user.manage", user, session=session)
    raw = tokens.issue(
        session,
        purpose="invitation",
        user_id=user.id,
        lifetime=timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    user.invited_at = utcnow()
    audit.record(session, actor=actor, action="user.reinvited", entity=user)
    return raw


def invitation_user(session: Session, raw: str) -> User | None:
    """The invited user behind a still-valid invitation link."""
    token = tokens.peek(session, raw=raw, purpose="invitation")
    user = session.get(User, token.user_id) if token else None
    # An account activated meanwhile (e.g. through a password reset) needs no invitation.
    if user is None or not user.is_active or user.password_hash:
        return None
    return user


def accept_invitation(session: Session, *, raw: str, password: str) -> User:
    """Set the first password through the invitation link; the link then stops working."""
    check_password_rules(password)
    token = tokens.consume(session, raw=raw, purpose="invitation")
    user = session.get(User, token.user_id) if token else None
    if user is None or not user.is_active or user.password_hash:
        raise DomainError(_("Deze uitnodiging is ongeldig, al gebruikt of verlopen."))
    user.password_hash = hash_password(password)
    audit.record(session, actor=user, action="user.invitation_accepted", entity=user)
    return user


def request_password_reset(session: Session, *, email: str) -> tuple[User, str] | None:
    """A reset token for an active account with this address; None (silently) otherwise."""
    user = find_by_email(session, email)
    if user is None or not user.is_active:
        return None
    raw = tokens.issue(
        session,
        purpose="password_reset",
        user_id=user.id,
        lifetime=timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"]),
    )
    audit.record(session, actor=None, action="user.password_reset_requested", entity=user)
    return user, raw


SIGN_IN_LINK_MINUTES = 15


def issue_sign_in_link(session: Session, *, user: User) -> str:
    """The full URL of a single-use sign-in link for `user`, valid for 15 minutes.

    Issuing replaces the user's earlier unused sign-in links; the reminder e-mails embed these.
    """
    raw = tokens.issue(
        session,
        purpose="sign_in",
        user_id=user.id,
        lifetime=timedelta(minutes=SIGN_IN_LINK_MINUTES),
    )
    return absolute_url("accounts.sign_in_with_link", token=raw)


def request_sign_in_link(session: Session, *, email: str) -> tuple[User, str] | None:
    """A sign-in link for an active account with this address; None (silently) otherwise."""
    user = find_by_email(session, email)
    if user is None or not user.is_active:
        return None
    link = issue_sign_in_link(session, user=user)
    audit.record(session, actor=None, action="user.login_link_requested", entity=user)
    return user, link


def sign_in_link_user(session: Session, raw: str) -> User | None:
    """The active user behind a still-valid sign-in link, without using the link."""
    token = tokens.peek(session, raw=raw, purpose="sign_in")
    user = session.get(User, token.user_id) if token else None
    if user is None or not user.is_active:
        return None
    return user


def sign_in_with_link(session: Session, *, raw: str) -> User | None:
    """Use a sign-in link once: the active user it belongs to (audited), or None."""
    token = tokens.consume(session, raw=raw, purpose="sign_in")
    user = session.get(User, token.user_id) if token else None
    if user is None or not user.is_active:
        return None
    user.last_login_at = utcnow()
    audit.record(session, actor=user, action="user.login_link", entity=user)
    return user


def reset_password(session: Session, *, raw: str, password: str) -> User:
    """Set a new password through a reset link; every other session of the user ends."""
    check_password_rules(password)
    token = tokens.consume(session, raw=raw, purpose="password_reset")
    user = session.get(User, token.user_id) if token else None
    if user is None or not user.is_active:
        raise DomainError(
            _("Deze link is ongeldig, al gebruikt of verlopen. Vraag een nieuwe aan.")
        )
    user.password_hash = hash_password(password)
    ended = _end_every_session(session, user)
    audit.record(session, actor=user, action="user.password_reset", entity=user,
                 changes=ended or None)
    return user


def set_active(session: Session, *, actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if user.id == actor.id and not active:
        raise DomainError(_("Je kunt je eigen account niet deactiveren."))
    policy.require_may(actor, "user.manage", user, session=session)
    if user.is_active == active:
        return
    if not active and user.role == Role.ADMIN:
        remaining = session.execute(
            select(func.count()).select_from(User).where(
                User.role == Role.ADMIN.value, User.is_active.is_(True), User.id != user.id
            )
        ).scalar_one()
        if remaining == 0:
            raise DomainError(_("Er moet minstens één actieve beheerder overblijven."))
    user.is_active = active
    ended = _end_every_session(session, user)
    audit.record(
        session,
        actor=actor,
        action="user.reactivated" if active else "user.deactivated",
        entity=user,
        changes={"is_active": [not active, active], **ended},
    )


def set_language(session: Session, *, user: User, language: str) -> None:
    """Remember the user's interface and e-mail language."""
    if language not in current_app.config["LANGUAGES"] or user.language == language:
        return
    before = user.language
    user.language = language
    audit.record(session, actor=user, action="user.language_changed", entity=user,
                 changes={"language": [before, language]})


def create_admin(session: Session, *, email: str, full_name: str, password: str) -> User:
    """Create an administrator directly (installation command, not a web form)."""
    check_password_rules(password)
    if find_by_email(session, email) is not None:
        raise DomainError(_("Er bestaat al een account met dit e-mailadres."), field="email")
    user = User(email=normalise_email(email), full_name=full_name.strip(), role=Role.ADMIN.value,
                password_hash=hash_password(password))
    session.add(user)
    audit.record(session, actor=None, action="user.created", entity=user,
                 changes=audit.snapshot(user))
    return user
