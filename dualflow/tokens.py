"""Single-use, expiring secrets for e-mailed links; only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from dualflow.accounts.models import AccessToken
from dualflow.modelbase import utcnow


def hash_token(raw: str) -> str:
    """SHA-256 hex digest of a raw token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(
    session: Session,
    *,
    purpose: str,
    lifetime: timedelta,
    user_id: int | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """Create a token, replacing earlier unused ones for the same purpose; return the raw secret."""
    now = now or utcnow()
    if user_id is not None:
        session.execute(
            update(AccessToken)
            .where(
                AccessToken.user_id == user_id,
                AccessToken.purpose == purpose,
                AccessToken.used_at.is_(None),
            )
            .values(used_at=now)
        )
    raw = secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            purpose=purpose,
            token_hash=hash_token(raw),
            user_id=user_id,
            subject_type=subject_type,
            subject_id=subject_id,
            expires_at=now + lifetime,
            created_at=now,
        )
    )
    session.flush()
    return raw


def peek(
    session: Session, *, raw: str, purpose: str, now: datetime | None = None
) -> AccessToken | None:
    """The valid (unused, unexpired) token for `raw`, without using it."""
    now = now or utcnow()
    token = session.execute(
        select(AccessToken).where(
            AccessToken.token_hash == hash_token(raw or ""), AccessToken.purpose == purpose
        )
    ).scalar_one_or_none()
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    return token


def consume(
    session: Session, *, raw: str, purpose: str, now: datetime | None = None
) -> AccessToken | None:
    """Use the token once; a second use, or a concurrent one, gets None."""
    now = now or utcnow()
    token = peek(session, raw=raw, purpose=purpose, now=now)
    if token is None:
        return None
    # A conditional update makes the token single-use even under concurrent requests.
    result = session.execute(
        update(AccessToken)
        .where(AccessToken.id == token.id, AccessToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    token.used_at = now
    return token
