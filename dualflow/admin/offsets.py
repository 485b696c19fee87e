"""Reminder offsets of a school or sector: which keys each owns, parsing, and saving."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlmodel import Session

from dualflow import audit
from dualflow.accounts.models import User
from dualflow.config import DEFAULT_REMINDER_OFFSETS

# The keys dualflow.notifications.rules reads from School.reminder_offsets resp.
# Sector.reminder_offsets; the other keys of DEFAULT_REMINDER_OFFSETS are never read there.
SCHOOL_OFFSET_KEYS = (
    "evaluation_reminder_days",
    "evaluation_overdue_days",
    "evaluation_escalation_days",
    "signature_reminder_every_days",
    "agreement_warning_training_days",
)
SECTOR_OFFSET_KEYS = ("recognition_expiry_days", "mentor_training_days")

# A year ahead is the longest horizon any rule looks at; more is a typo.
MAX_DAYS = 365
MAX_VALUES = 5


def installation_default(key: str) -> Any:
    """The value that applies when a school or sector leaves `key` empty."""
    configured = current_app.config.get("REMINDER_OFFSETS") if has_app_context() else None
    return {**DEFAULT_REMINDER_OFFSETS, **(configured or {})}[key]


def as_text(value: Any) -> str:
    """An offset as the form shows it: "7, 1" for a list, "3" for a single value."""
    if isinstance(value, list):
        return ", ".join(str(day) for day in value)
    return "" if value is None else str(value)


def parse_days(text: str) -> list[int]:
    """Comma-separated whole days ("7, 1") as a list, largest first; ValueError says why not."""
    # Empty parts ("7, 1,") are a harmless slip, not an error.
    parts = [part.strip() for part in text.split(",") if part.strip()]
    days = []
    for part in parts:
        # isdigit() rather than int(): int() would also take "+7", "1_0" or "٧".
        digits = part.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()):
            raise ValueError(_("„%(value)s” is geen geheel aantal dagen. Schrijf bijvoorbeeld "
                               "„7, 1”.", value=part))
        days.append(int(part))
    if not days:
        raise ValueError(_("Geef hele dagen, gescheiden door komma's, bijvoorbeeld „7, 1”."))
    if len(days) > MAX_VALUES:
        raise ValueError(_("Geef hoogstens %(max)d waarden.", max=MAX_VALUES))
    if any(not 0 <= day <= MAX_DAYS for day in days):
        raise ValueError(_("Kies dagen van 0 tot %(max)d.", max=MAX_DAYS))
    return sorted(set(days), reverse=True)


def save_reminder_offsets(session: Session, *, actor: User, owner: Any, keys: tuple[str, ...],
                          overrides: dict[str, Any], action: str) -> None:
    """Store `owner`'s overrides of `keys` (others it holds stay) and audit a real change."""
    before = dict(owner.reminder_offsets or {})
    after = {key: value for key, value in before.items() if key not in keys}
    after.update({key: value for key, value in overrides.items() if value is not None})
    if after == before:
        return
    # A new dict, so the JSON column is seen as changed.
    owner.reminder_offsets = after
    session.flush()
    audit.record(session, actor=actor, action=action, entity=owner,
                 changes={"reminder_offsets": [before, after]})
