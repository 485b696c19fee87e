"""User accounts and the one-time tokens behind invitations, password resets and sign-in links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from dualflow.modelbase import Language, MailFrequency, Role, one_of, utcnow

# Each role belongs to exactly the one kind of organisation it implies.
_ROLE_ORGANISATION = (
    "(role = 'admin' AND school_id IS NULL AND company_id IS NULL AND sector_id IS NULL)"
    " OR (role = 'coordinator' AND school_id IS NOT NULL AND company_id IS NULL"
    " AND sector_id IS NULL)"
    " OR (role IN ('company', 'mentor') AND company_id IS NOT NULL AND school_id IS NULL"
    " AND sector_id IS NULL)"
    " OR (role = 'sector' AND sector_id IS NOT NULL AND school_id IS NULL"
    " AND company_id IS NULL)"
)


class User(SQLModel, table=True):
    """A person who signs in, with one role and the organisation that role belongs to."""

    __tablename__ = "users"
    __table_args__ = (
        one_of("role", [r.value for r in Role], "role"),
        one_of("language", [lang.value for lang in Language], "language"),
        one_of("digest", [f.value for f in MailFrequency], "digest"),
        CheckConstraint(_ROLE_ORGANISATION, name="role_organisation"),
        Index("ix_users_role_active", "role", "is_active"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    full_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(max_length=20)
    school_id: int | None = Field(default=None, foreign_key="schools.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="companies.id", index=True)
    sector_id: int | None = Field(default=None, foreign_key="sectors.id", index=True)
    language: str = Field(default=Language.NL.value, max_length=2)
    digest: str = Field(default=MailFrequency.IMMEDIATE.value, max_length=10)
    is_active: bool = Field(default=True)
    # Changing it ends every session of the user (after a password reset or deactivation).
    session_epoch: int = Field(default=0)
    calendar_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    invited_at: datetime | None = None
    # Who sent the invitation: a coordinator keeps seeing the company people he or she invited.
    invited_by_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        """Every loaded user is authenticated; anonymous users are a different class."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Loaded users are never anonymous."""
        return False

    def get_id(self) -> str:
        """Session identifier: id, epoch and the key of the server-side session.

        Bumping the epoch ends every session; ending the `UserSession` row ends this one. The
        key is set by `accounts.services.start_session` or the session loader; without it the
        identifier signs nobody in.
        """
        key = self.__dict__.get("_session_key") or ""
        return f"{self.id}:{self.session_epoch}:{key}"

    def attach_session_key(self, key: str) -> None:
        """Bind this loaded user to the raw key of the browser session it was loaded for."""
        # Not a column: bypass pydantic, which refuses attributes that are not fields.
        object.__setattr__(self, "_session_key", key)

    @property
    def session_key(self) -> str | None:
        """The raw key of the browser session this user object was loaded for, if any."""
        return self.__dict__.get("_session_key")


class AccessToken(SQLModel, table=True):
    """A single-use, expiring secret sent by e-mail; only its SHA-256 is stored."""

    __tablename__ = "access_tokens"
    __table_args__ = (
        one_of(
            "purpose",
            ("invitation", "password_reset", "sign_in", "self_reflection"),
            "purpose",
        ),
        Index("ix_access_tokens_subject", "subject_type", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    subject_type: str = Field(default="", max_length=40)
    subject_id: int | None = None
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """One signed-in browser: log-out ends it on the server, so a copied cookie stops working.

    The session cookie and the remember-me cookie carry the raw key; only its SHA-256 is
    stored. A session ends at log-out, at `expires_at`, or when the user's epoch changes.
    """

    __tablename__ = "user_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    key_hash: str = Field(max_length=64, unique=True)
    remember: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None
