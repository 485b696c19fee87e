"""Creating notifications exactly once: the dedupe key decides, inside the database.

The deadline rules call `notify()`; delivery (in-app, e-mail, digest) reads the rows later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from dualflow.accounts.models import User
from dualflow.modelbase import utcnow
from dualflow.notifications.models import Notification

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_STATEMENTS: dict[str, Any] = {}

# Column lengths of Notification, so that an over-long text is cut instead of failing the run.
_LIMITS = {"dedupe_key": 200, "email": 254, "kind": 50, "subject": 300, "body": 4000,
           "link": 500, "entity_type": 40}


def _insert_ignoring_duplicates(dialect: str):
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING, built once per dialect.

    A Core statement with bound parameters: compiled once and cached, which keeps a run that
    creates thousands of notifications fast.
    """
    if dialect not in _STATEMENTS:
        try:
            insert = _INSERTS[dialect]
        except KeyError:
            raise RuntimeError(f"notify() needs INSERT ... ON CONFLICT; {dialect} has none"
                               ) from None
        # RETURNING says whether this call inserted the row (rowcount is -1 for an INSERT
        # with RETURNING on psycopg, and PostgreSQL adds RETURNING for the new id by itself).
        table = Notification.__table__
        _STATEMENTS[dialect] = (insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
                                .returning(table.c.id))
    return _STATEMENTS[dialect]


def notify(session: Session, *, dedupe_key: str, kind: str, subject: str, body: str = "",
           link: str = "", user: User | None = None, email: str = "", entity: Any = None,
           now: datetime | None = None) -> bool:
    """Insert one notification unless its dedupe key exists; True when this call inserted it.

    Race-safe: a single INSERT ... ON CONFLICT (dedupe_key) DO NOTHING, so two processes that
    decide the same thing at the same moment still leave one row. `subject` and `body` are
    already in the recipient's language; `link` is an app-relative path. A notification is
    for a user, or (user None) for a bare e-mail address such as a school's escalation contact.
    `entity` is the row it is about, or a (table name, id) pair.
    """
    if user is None and not email:
        raise ValueError("a notification needs a user or an e-mail address")
    if len(dedupe_key) > _LIMITS["dedupe_key"]:
        # Cutting would merge different keys into one and silently drop notifications.
        raise ValueError(f"dedupe key longer than {_LIMITS['dedupe_key']}: {dedupe_key!r}")
    if entity is None:
        entity_type, entity_id = "", None
    elif isinstance(entity, tuple):
        entity_type, entity_id = entity
    else:
        entity_type, entity_id = entity.__tablename__, entity.id
    values = {
        "dedupe_key": dedupe_key,
        "user_id": user.id if user is not None else None,
        "email": "" if user is not None else email,
        "kind": kind,
        "subject": subject,
        "body": body,
        "link": link,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "created_at": now or utcnow(),
    }
    for column, limit in _LIMITS.items():
        if isinstance(values[column], str) and len(values[column]) > limit:
            values[column] = values[column][: limit - 1] + "…"
    connection = session.connection()
    statement = _insert_ignoring_duplicates(connection.dialect.name)
    return connection.execute(statement, values).first() is not None


def existing_keys(session: Session, keys: Iterable[str], *, chunk: int = 500) -> set[str]:
    """Which of `keys` already have a notification (read in chunks, one query per chunk).

    Only an optimisation for the daily run: `notify()` stays the guarantee.
    """
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), chunk):
        found.update(session.execute(
            select(Notification.dedupe_key)
            .where(Notification.dedupe_key.in_(wanted[start:start + chunk]))
        ).scalars())
    return found
