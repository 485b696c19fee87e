"""The filtered list queries behind the user list and the audit log, scoped through policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select

from dualflow import policy
from dualflow.accounts.models import User
from dualflow.audit import AuditEvent
from dualflow.catalog.models import School, Sector
from dualflow.companies.models import Company
from dualflow.i18n import BRUSSELS


def user_list(viewer: User, *, q: str | None = None, role: str | None = None,
              status: str | None = None):
    """Users `viewer` may see with the name of their organisation, in one query."""
    statement = (
        select(User, School.name, Company.name, Sector.name)
        .outerjoin(School, School.id == User.school_id)
        .outerjoin(Company, Company.id == User.company_id)
        .outerjoin(Sector, Sector.id == User.sector_id)
        .where(policy.visible(viewer, User))
        .order_by(User.full_name, User.id)
    )
    q = (q or "").strip()
    if q:
        statement = statement.where(
            or_(User.full_name.icontains(q, autoescape=True),
                User.email.icontains(q, autoescape=True))
        )
    if role:
        statement = statement.where(User.role == role)
    if status == "active":
        statement = statement.where(User.is_active.is_(True), User.password_hash.is_not(None))
    elif status == "invited":
        statement = statement.where(User.is_active.is_(True), User.password_hash.is_(None))
    elif status == "inactive":
        statement = statement.where(User.is_active.is_(False))
    return statement


# Dates outside this range are clamped, so that a year 1 or 9999 typed in a filter cannot
# overflow the conversion to UTC.
_EARLIEST, _LATEST = date(1970, 1, 1), date(9000, 1, 1)


def _day_start_utc(day: date) -> datetime:
    """The instant `day` starts in Brussels, in UTC like the stored timestamps."""
    day = min(max(day, _EARLIEST), _LATEST)
    return datetime.combine(day, time.min, tzinfo=BRUSSELS).astimezone(UTC)


def audit_list(viewer: User, *, actor: str | None = None, action: str | None = None,
               entity_type: str | None = None, entity_id: int | None = None,
               date_from: date | None = None, date_to: date | None = None):
    """Audit events `viewer` may see, newest first, filtered as asked (dates in Brussels)."""
    statement = policy.scoped(viewer, AuditEvent).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()
    )
    if actor:
        statement = statement.where(AuditEvent.actor_label.icontains(actor.strip(),
                                                                     autoescape=True))
    if action:
        statement = statement.where(AuditEvent.action.startswith(action.strip(),
                                                                 autoescape=True))
    if entity_type:
        statement = statement.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    if date_from:
        statement = statement.where(AuditEvent.at >= _day_start_utc(date_from))
    if date_to:
        day_after = min(date_to, _LATEST) + timedelta(days=1)
        statement = statement.where(AuditEvent.at < _day_start_utc(day_after))
    return statement
