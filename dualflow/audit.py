"""The append-only audit trail: who changed what, when, from where, before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from sqlalchemy import JSON, Column, Index, inspect
from sqlmodel import Field, Session, SQLModel

from dualflow.extensions import client_ip
from dualflow.modelbase import utcnow

# Fields never copied into the audit trail.
_SECRET_FIELDS = {"password_hash", "token_hash", "calendar_token_hash", "content"}


class AuditEvent(SQLModel, table=True):
    """One recorded change; rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    actor_label: str = Field(default="", max_length=254)
    action: str = Field(max_length=80)
    entity_type: str = Field(max_length=40)
    entity_id: int | None = None
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str = Field(default="", max_length=64)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: SQLModel) -> dict[str, Any]:
    """The object's column values in JSON-safe form, secrets left out."""
    mapper = inspect(obj).mapper
    return {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in _SECRET_FIELDS
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-by-field [before, after] pairs of what changed."""
    keys = set(before) | set(after)
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def record(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    entity: SQLModel | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append an audit event for a change made by `actor` (None for the system)."""
    if entity is not None:
        session.flush()
        entity_type = entity_type or type(entity).__tablename__
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
    actor_id = getattr(actor, "id", None)
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=getattr(actor, "email", None) or ("system" if actor is None else str(actor)),
        action=action,
        entity_type=entity_type or "",
        entity_id=entity_id,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
        ip=ip if ip is not None else (client_ip() or ""),
    )
    session.add(event)
    return event


_KEPT = "kept_audit_events"
_KEPT_FIELDS = ("at", "actor_id", "actor_label", "action", "entity_type", "entity_id", "changes",
                "ip")


def record_kept(session: Session, **fields: Any) -> AuditEvent:
    """Like `record`, for an event about a refused attempt: it stays when the request is
    refused and everything else it did is undone (the app's commit hook writes it again)."""
    event = record(session, **fields)
    if has_request_context():
        g.setdefault(_KEPT, []).append({name: getattr(event, name) for name in _KEPT_FIELDS})
    return event


def add_kept_events(session: Session) -> bool:
    """After a refused request's rollback: add its kept events again; whether there were any."""
    kept = g.pop(_KEPT, None) if has_request_context() else None
    if not kept:
        return False
    session.add_all(AuditEvent(**fields) for fields in kept)
    return True
