"""Recognition of workplaces: requests, the sector's decisions, expiry, history and the register.

State machine: submitted → in_review → approved | refused; approved → withdrawn | expired.
Each transition is one function here, audited, and refused with a clear message when the
recognition is not in a state that allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dualflow import audit, policy
from dualflow.accounts.models import User
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Programme, Sector
from dualflow.companies.eligibility import (
    MentorFacts,
    MentorRules,
    add_months,
    add_years,
    check_mentor,
)
from dualflow.companies.models import Company, Mentor, Site
from dualflow.companies.services import (
    MentorView,
    active_placements_subquery,
    check_postcode,
    decision_day,
    format_kbo,
    postcode_range,
    recognised_at_subquery,
    to_mentor_views,
)
from dualflow.errors import DomainError, NotAllowed
from dualflow.i18n import format_date
from dualflow.modelbase import LIVE_RECOGNITION_STATUSES, RecognitionStatus, Role, utcnow
from dualflow.pagination import Page, paginate
from dualflow.recognitions.models import Recognition, RecognitionMentor
from dualflow.trajectories.models import Placement, Trajectory

S = RecognitionStatus
OPEN = (S.SUBMITTED.value, S.IN_REVIEW.value)

STATUS_LABELS = {
    S.SUBMITTED.value: _l("ingediend"),
    S.IN_REVIEW.value: _l("in behandeling"),
    S.APPROVED.value: _l("erkend"),
    S.REFUSED.value: _l("geweigerd"),
    S.WITHDRAWN.value: _l("ingetrokken"),
    S.EXPIRED.value: _l("verlopen"),
}
STATUS_VARIANTS = {
    S.SUBMITTED.value: "warning",
    S.IN_REVIEW.value: "info",
    S.APPROVED.value: "success",
    S.REFUSED.value: "danger",
    S.WITHDRAWN.value: "dark",
    S.EXPIRED.value: "secondary",
}

# action: (states it may start from, state it leads to, message when refused)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, Any]] = {
    "start_review": (
        (S.SUBMITTED.value,), S.IN_REVIEW.value,
        _l("Alleen een ingediende aanvraag kan in behandeling genomen worden; deze aanvraag is "
           "‘%(status)s’."),
    ),
    "approve": (
        (S.IN_REVIEW.value,), S.APPROVED.value,
        _l("Alleen een aanvraag in behandeling kan goedgekeurd worden; deze aanvraag is "
           "‘%(status)s’."),
    ),
    "refuse": (
        (S.IN_REVIEW.value,), S.REFUSED.value,
        _l("Alleen een aanvraag in behandeling kan geweigerd worden; deze aanvraag is "
           "‘%(status)s’."),
    ),
    "withdraw": (
        (S.APPROVED.value,), S.WITHDRAWN.value,
        _l("Alleen een geldige erkenning kan ingetrokken worden; deze is ‘%(status)s’."),
    ),
    "expire": (
        (S.APPROVED.value,), S.EXPIRED.value,
        _l("Alleen een erkenning kan vervallen; deze is ‘%(status)s’."),
    ),
}

AUDIT_LABELS = {
    "recognition.submitted": _l("Aanvraag ingediend"),
    "recognition.in_review": _l("In behandeling genomen"),
    "recognition.approved": _l("Erkend"),
    "recognition.refused": _l("Geweigerd"),
    "recognition.withdrawn": _l("Ingetrokken"),
    "recognition.expired": _l("Vervallen"),
    "recognition.placements_flagged": _l("Plaatsingen gemarkeerd"),
    "recognition.placements_moved": _l("Plaatsingen overgezet naar de verlenging"),
    "recognition.renewal_requested": _l("Verlenging aangevraagd"),
}


# --- status -------------------------------------------------------------------------------

def effective_status(recognition: Recognition, today: date) -> str:
    """The status as of `today`: an approval past its `valid_until` reads as expired."""
    if (
        recognition.status == S.APPROVED.value
        and recognition.valid_until is not None
        and recognition.valid_until < today
    ):
        return S.EXPIRED.value
    return recognition.status


def status_condition(status: str, today: date):
    """SQL condition for 'effective status is `status`' on `today`."""
    lapsed = and_(Recognition.status == S.APPROVED.value, Recognition.valid_until < today)
    if status == "open":
        return Recognition.status.in_(OPEN)
    if status == S.APPROVED.value:
        return and_(Recognition.status == S.APPROVED.value, Recognition.valid_until >= today)
    if status == S.EXPIRED.value:
        return or_(Recognition.status == S.EXPIRED.value, lapsed)
    return Recognition.status == status


def status_label(status: str) -> str:
    """The Dutch (translatable) label of a status."""
    return str(STATUS_LABELS.get(status, status))


def template_helpers() -> dict[str, Any]:
    """What templates need to show a recognition's status."""
    return {
        "status_label": status_label,
        "status_variant": STATUS_VARIANTS,
        "effective_status": effective_status,
        "format_kbo": format_kbo,
        "recognition_number": recognition_number,
    }


def default_validity(sector: Sector | None, start: date) -> tuple[date, date]:
    """From `start` for the sector's number of years (default 5), the last day included."""
    years = sector.recognition_years if sector else 5
    return start, add_years(start, years) - timedelta(days=1)


# --- requests -----------------------------------------------------------------------------

def live_recognition(session: Session, *, site_id: int, programme_id: int) -> Recognition | None:
    """The open or approved recognition of a site for a programme, if there is one."""
    # A renewal lives next to the recognition it renews: the oldest live one is "the" one.
    return session.execute(
        select(Recognition).where(
            Recognition.site_id == site_id,
            Recognition.programme_id == programme_id,
            Recognition.status.in_([s.value for s in LIVE_RECOGNITION_STATUSES]),
        ).order_by(Recognition.submitted_at, Recognition.id).limit(1)
    ).scalar_one_or_none()


def request_recognition(
    session: Session,
    *,
    actor: User,
    site: Site,
    programme_id: int | None,
    mentor_ids: list[int],
    sworn_declaration: bool,
    today: date,
    note: str = "",
) -> Recognition:
    """File a request to recognise `site` for a programme, naming the mentor(s)."""
    if not policy.can(actor, "recognitions.request"):
        raise NotAllowed(_("Je mag geen erkenning aanvragen."))
    if actor.role == Role.COMPANY and site.company_id != actor.company_id:
        raise DomainError(_("Deze vestiging hoort niet bij je onderneming."), field="site_id")
    check_postcode(site.postcode, field="site_id")
    programme = session.get(Programme, programme_id) if programme_id else None
    if programme is None or not programme.is_active:
        raise DomainError(_("Kies een opleiding."), field="programme_id")
    mentors = _named(session, site, mentor_ids, sworn_declaration)
    mentor_ids = [mentor.id for mentor in mentors]
    existing = live_recognition(session, site_id=site.id, programme_id=programme.id)
    if existing is not None and effective_status(existing, today) == S.EXPIRED.value:
        # Its validity ran out but the daily job has not marked it yet: do that now.
        _expire(session, existing, actor=None)
        existing = live_recognition(session, site_id=site.id, programme_id=programme.id)
    if existing is not None:
        raise DomainError(
            _("Voor deze vestiging en opleiding loopt al een aanvraag of erkenning (%(status)s).",
              status=status_label(existing.status)),
            field="programme_id",
        )
    return _file(session, actor, Recognition(
        site_id=site.id,
        programme_id=programme.id,
        status=S.SUBMITTED.value,
        sworn_declaration=True,
        submitted_by_id=actor.id,
        note=(note or "").strip()[:2000],
    ), mentors)


def _file(session: Session, actor: User, recognition: Recognition,
          mentors: list[Mentor]) -> Recognition:
    session.add(recognition)
    session.flush()
    session.add_all(
        RecognitionMentor(recognition_id=recognition.id, mentor_id=mentor.id) for mentor in mentors
    )
    changes = audit.snapshot(recognition)
    changes["mentor_ids"] = [mentor.id for mentor in mentors]
    audit.record(session, actor=actor, action="recognition.submitted", entity=recognition,
                 changes=changes)
    return recognition


def _named(session: Session, site: Site, mentor_ids: list[int],
           sworn_declaration: bool) -> list[Mentor]:
    """The named mentors, checked: at least one, active, of the site's company; sworn."""
    mentor_ids = sorted({int(ident) for ident in mentor_ids or []})
    if not mentor_ids:
        raise DomainError(_("Duid minstens één mentor aan."), field="mentor_ids")
    mentors = session.execute(select(Mentor).where(Mentor.id.in_(mentor_ids))).scalars().all()
    if len(mentors) != len(mentor_ids) or any(
        mentor.company_id != site.company_id for mentor in mentors
    ):
        raise DomainError(_("Kies mentoren van de onderneming van deze vestiging."),
                          field="mentor_ids")
    if any(not mentor.is_active for mentor in mentors):
        raise DomainError(_("Een mentor die niet meer actief is, kan niet aangeduid worden."),
                          field="mentor_ids")
    if not sworn_declaration:
        raise DomainError(_("Bevestig de verklaring op erewoord."), field="sworn_declaration")
    return sorted(mentors, key=lambda mentor: mentor.id)


# --- renewals -----------------------------------------------------------------------------

# An approved recognition can be renewed from this many months before its last day.
RENEWAL_WINDOW_MONTHS = 6


def renewal_of(session: Session, recognition: Recognition) -> Recognition | None:
    """The request that renews `recognition` (at most one: `renews_id` is unique)."""
    return session.execute(
        select(Recognition).where(Recognition.renews_id == recognition.id)
    ).scalar_one_or_none()


def renewed_ids(session: Session, recognition_ids: list[int]) -> set[int]:
    """Which of these recognitions have a renewal request (one query, for lists)."""
    if not recognition_ids:
        return set()
    return set(session.execute(
        select(Recognition.renews_id).where(Recognition.renews_id.in_(recognition_ids))
    ).scalars())


def renewable_from(recognition: Recognition) -> date | None:
    """The first day on which a renewal can be requested."""
    if recognition.valid_until is None:
        return None
    return add_months(recognition.valid_until, -RENEWAL_WINDOW_MONTHS)


def renewal_refusal(session: Session, actor: User, recognition: Recognition,
                    today: date) -> str | None:
    """Why `actor` cannot renew `recognition` today, or None when a renewal can be filed."""
    site = session.get(Site, recognition.site_id)
    company = session.get(Company, site.company_id)
    if not policy.may(actor, "company.request_recognition", company, session=session):
        return str(policy.RULES["company.request_recognition"].refusal)
    if effective_status(recognition, today) != S.APPROVED.value:
        return _("Alleen een geldige erkenning kan verlengd worden; deze is ‘%(status)s’.",
                 status=status_label(effective_status(recognition, today)))
    existing = renewal_of(session, recognition)
    if existing is not None:
        return _("Voor deze erkenning werd op %(date)s al een verlenging aangevraagd "
                 "(%(number)s, %(status)s); een erkenning wordt maar één keer verlengd.",
                 date=format_date(existing.submitted_at), number=recognition_number(existing.id),
                 status=status_label(existing.status))
    start = renewable_from(recognition)
    if start is not None and today < start:
        return _("Een verlenging kan vanaf %(date)s, %(months)d maanden vóór het einde van de "
                 "erkenning op %(end)s.", date=format_date(start), months=RENEWAL_WINDOW_MONTHS,
                 end=format_date(recognition.valid_until))
    return None


def renew(session: Session, *, actor: User, recognition: Recognition, mentor_ids: list[int],
          sworn_declaration: bool, today: date, note: str = "") -> Recognition:
    """File a request that renews an approved recognition nearing its end: the same site and
    programme, the mentors as chosen; the sector decides it like any request."""
    if not policy.can(actor, "recognitions.request"):
        raise NotAllowed(_("Je mag geen erkenning aanvragen."))
    refusal = renewal_refusal(session, actor, recognition, today)
    if refusal:
        raise DomainError(refusal)
    site = session.get(Site, recognition.site_id)
    check_postcode(site.postcode, field="site_id")
    mentors = _named(session, site, mentor_ids, sworn_declaration)
    renewal = Recognition(
        site_id=recognition.site_id,
        programme_id=recognition.programme_id,
        status=S.SUBMITTED.value,
        sworn_declaration=True,
        submitted_by_id=actor.id,
        renews_id=recognition.id,
        note=(note or "").strip()[:2000],
    )
    try:
        with session.begin_nested():
            _file(session, actor, renewal, mentors)
    except IntegrityError:
        # Somebody filed the renewal a moment ago: one renewal per recognition.
        raise DomainError(_("Voor deze erkenning werd zopas al een verlenging aangevraagd; een "
                            "erkenning wordt maar één keer verlengd.")) from None
    audit.record(session, actor=actor, action="recognition.renewal_requested",
                 entity=recognition, changes={"renewal_id": renewal.id})
    return renewal


# --- decisions ----------------------------------------------------------------------------

def _check_decider(session: Session, actor: User, recognition: Recognition) -> None:
    programme = session.get(Programme, recognition.programme_id)
    if not policy.can(actor, "recognitions.decide") or programme.sector_id != actor.sector_id:
        raise NotAllowed(_("Alleen de sector van deze opleiding beslist over deze aanvraag."))


def _transition(session: Session, recognition: Recognition, action: str, *, actor: User | None,
                today: date, changes: dict[str, Any] | None = None) -> None:
    """Move to the action's target state, or refuse; records the audit event."""
    # Re-read under a row lock, so two deciders at once cannot both act on the same state.
    session.refresh(recognition, with_for_update=True)
    sources, target, message = TRANSITIONS[action]
    # Expiry acts on the stored state; every other action sees a lapsed approval as expired.
    current = recognition.status if action == "expire" else effective_status(recognition, today)
    if current not in sources:
        raise DomainError(str(message) % {"status": status_label(current)})
    before = recognition.status
    recognition.status = target
    session.flush()
    audit.record(session, actor=actor, action=f"recognition.{target}", entity=recognition,
                 changes={"status": [before, target], **(changes or {})})


def start_review(session: Session, *, actor: User, recognition: Recognition,
                 today: date) -> Recognition:
    """The sector takes a submitted request in review (checks completeness)."""
    _check_decider(session, actor, recognition)
    _transition(session, recognition, "start_review", actor=actor, today=today)
    return recognition


def renewal_start(session: Session, renewal: Recognition, today: date) -> date | None:
    """The first day of a renewal's validity: the day after the current recognition ends, or
    the decision day when it has already ended (None for a request that renews nothing)."""
    if renewal.renews_id is None:
        return None
    current = session.get(Recognition, renewal.renews_id)
    if current is None or current.valid_until is None or current.status != S.APPROVED.value:
        return today
    return max(current.valid_until + timedelta(days=1), today)


def _lower_path_mentors(session: Session, recognition: Recognition, sector: Sector,
                        mentor_ids: list[int], today: date) -> list[int]:
    """Check that each chosen mentor is named and meets only the lower path (23 years, less
    experience, a relevant qualification): the sector accepts that path, nothing else."""
    chosen = sorted({int(ident) for ident in mentor_ids or []})
    if not chosen:
        return []
    candidates = {view.mentor.id for view in named_mentors(session, recognition, sector=sector,
                                                           today=today)
                  if view.eligibility.lower_path_only}
    if not set(chosen) <= candidates:
        raise DomainError(_("Alleen een aangeduide mentor die enkel aan de lagere leeftijds- en "
                            "ervaringsgrens met relevante kwalificatie voldoet, kan via die weg "
                            "aanvaard worden."), field="lower_path_mentor_ids")
    return chosen


def approve(session: Session, *, actor: User, recognition: Recognition, today: date,
            valid_from: date | None = None, valid_until: date | None = None,
            note: str = "", validity_reason: str = "",
            lower_path_mentor_ids: list[int] | None = None) -> Recognition:
    """Recognise the workplace from `valid_from` to `valid_until` (default: the sector's years).

    A renewal starts the day after the recognition it renews ends. A validity beyond the
    sector's term needs a stated reason. Named mentors who meet only the lower age and
    experience path are accepted on it only when the sector chooses so here.
    """
    _check_decider(session, actor, recognition)
    programme = session.get(Programme, recognition.programme_id)
    sector = session.get(Sector, programme.sector_id)
    start = renewal_start(session, recognition, today)
    if start is not None and valid_from is not None and valid_from != start:
        raise DomainError(_("Een verlenging gaat in op %(date)s, de dag na het einde van de "
                            "huidige erkenning (of vandaag als die al afgelopen is).",
                            date=format_date(start)), field="valid_from")
    default_from, default_until = default_validity(sector, valid_from or start or today)
    valid_from = valid_from or default_from
    valid_until = valid_until or default_until
    if valid_until < valid_from:
        raise DomainError(_("‘Geldig tot’ moet op of na ‘geldig vanaf’ liggen."),
                          field="valid_until")
    if valid_until < today:
        raise DomainError(_("Een erkenning die vandaag al verlopen is, kan niet."),
                          field="valid_until")
    validity_reason = (validity_reason or "").strip()[:1000]
    term_end = default_validity(sector, valid_from)[1]
    if valid_until > term_end and not validity_reason:
        raise DomainError(_("Deze geldigheid loopt langer dan de termijn van de sector "
                            "(%(years)d jaar, tot en met %(date)s): geef de reden.",
                            years=sector.recognition_years, date=format_date(term_end)),
                          field="validity_reason")
    if valid_until <= term_end:
        validity_reason = ""
    accepted = _lower_path_mentors(session, recognition, sector, lower_path_mentor_ids or [],
                                   today)
    note = (note or "").strip()[:2000]
    changes: dict[str, Any] = {
        "valid_from": [None, valid_from.isoformat()],
        "valid_until": [None, valid_until.isoformat()],
        "reason": note,
    }
    if validity_reason:
        changes["validity_reason"] = validity_reason
    if accepted:
        changes["lower_path_mentor_ids"] = accepted
    _transition(session, recognition, "approve", actor=actor, today=today, changes=changes)
    recognition.valid_from, recognition.valid_until = valid_from, valid_until
    recognition.decided_at, recognition.decided_by_id = utcnow(), actor.id
    recognition.decision_reason = note
    recognition.validity_reason = validity_reason
    if accepted:
        session.execute(
            update(RecognitionMentor)
            .where(RecognitionMentor.recognition_id == recognition.id,
                   RecognitionMentor.mentor_id.in_(accepted))
            .values(lower_path_accepted=True)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return recognition


def _reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, field="reason")
    return reason[:2000]


def refuse(session: Session, *, actor: User, recognition: Recognition, reason: str,
           today: date) -> Recognition:
    """Refuse a request under review; the reason is required and shown to the requester."""
    _check_decider(session, actor, recognition)
    reason = _reason(reason, _("Geef de reden van de weigering."))
    _transition(session, recognition, "refuse", actor=actor, today=today,
                changes={"reason": reason})
    recognition.decided_at, recognition.decided_by_id = utcnow(), actor.id
    recognition.decision_reason = reason
    session.flush()
    return recognition


def _flag_placements(session: Session, recognition: Recognition, lost_on: date) -> int:
    """Mark placements still running on `lost_on` as having lost their recognition."""
    result = session.execute(
        update(Placement)
        .where(
            Placement.recognition_id == recognition.id,
            Placement.ends_on >= lost_on,
            Placement.recognition_lost_on.is_(None),
        )
        .values(recognition_lost_on=lost_on)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def withdraw(session: Session, *, actor: User, recognition: Recognition, reason: str,
             today: date) -> Recognition:
    """Withdraw an approved recognition from today; running placements are flagged."""
    _check_decider(session, actor, recognition)
    reason = _reason(reason, _("Geef de reden van de intrekking."))
    _transition(session, recognition, "withdraw", actor=actor, today=today,
                changes={"reason": reason})
    recognition.decision_reason = reason
    flagged = _flag_placements(session, recognition, today)
    if flagged:
        audit.record(session, actor=actor, action="recognition.placements_flagged",
                     entity=recognition, changes={"placements": flagged, "lost_on": today})
    session.flush()
    return recognition


def continuing_renewal(session: Session, recognition: Recognition) -> Recognition | None:
    """The approved renewal whose validity starts the day after `recognition` ends."""
    if recognition.valid_until is None:
        return None
    return session.execute(
        select(Recognition).where(
            Recognition.renews_id == recognition.id,
            Recognition.status == S.APPROVED.value,
            Recognition.valid_from == recognition.valid_until + timedelta(days=1),
        )
    ).scalar_one_or_none()


def _move_to_renewal(session: Session, recognition: Recognition, renewal: Recognition,
                     lost_on: date, actor: User | None) -> int:
    """Placements running past the end move to the renewal that continues the recognition:
    they keep a recognition without a gap, and a later withdrawal of the renewal flags them."""
    moved = session.execute(
        select(Placement.id).where(Placement.recognition_id == recognition.id,
                                   Placement.ends_on >= lost_on,
                                   Placement.recognition_lost_on.is_(None))
        .order_by(Placement.id)
    ).scalars().all()
    if not moved:
        return 0
    session.execute(
        update(Placement).where(Placement.id.in_(moved))
        .values(recognition_id=renewal.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(session, actor=actor, action="recognition.placements_moved",
                 entity=recognition, changes={"placements": moved, "to": renewal.id,
                                              "from_day": lost_on})
    return len(moved)


def _expire(session: Session, recognition: Recognition, *, actor: User | None) -> int:
    lost_on = recognition.valid_until + timedelta(days=1)
    _transition(session, recognition, "expire", actor=actor, today=lost_on)
    renewal = continuing_renewal(session, recognition)
    if renewal is not None:
        _move_to_renewal(session, recognition, renewal, lost_on, actor)
    flagged = _flag_placements(session, recognition, lost_on)
    if flagged:
        audit.record(session, actor=actor, action="recognition.placements_flagged",
                     entity=recognition, changes={"placements": flagged, "lost_on": lost_on})
    return flagged


def expire_due(session: Session, today: date) -> list[Recognition]:
    """Mark approvals whose `valid_until` lies before `today` as expired (the daily job)."""
    due = session.execute(
        select(Recognition)
        .where(Recognition.status == S.APPROVED.value, Recognition.valid_until < today)
        .order_by(Recognition.id)
    ).scalars().all()
    for recognition in due:
        _expire(session, recognition, actor=None)
    session.flush()
    return list(due)


# --- reading ------------------------------------------------------------------------------

@dataclass
class RecognitionContext:
    """A recognition with everything its page shows."""

    recognition: Recognition
    site: Site
    company: Company
    programme: Programme
    sector: Sector
    submitted_by: User | None
    decided_by: User | None
    status: str


def context(session: Session, recognition: Recognition, *, today: date) -> RecognitionContext:
    """Site, company, programme, sector and people of a recognition, in one query."""
    submitter, decider = aliased(User), aliased(User)
    site, company, programme, sector, submitted_by, decided_by = session.execute(
        select(Site, Company, Programme, Sector, submitter, decider)
        .select_from(Recognition)
        .join(Site, Site.id == Recognition.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .outerjoin(submitter, submitter.id == Recognition.submitted_by_id)
        .outerjoin(decider, decider.id == Recognition.decided_by_id)
        .where(Recognition.id == recognition.id)
    ).one()
    return RecognitionContext(recognition, site, company, programme, sector, submitted_by,
                              decided_by, effective_status(recognition, today))


def named_mentors(session: Session, recognition: Recognition, *, sector: Sector,
                  today: date) -> list[MentorView]:
    """The mentors named in the request, judged by the rules of the programme's sector."""
    active = active_placements_subquery(today)
    first = recognised_at_subquery()
    rows = session.execute(
        select(Mentor, func.coalesce(active.c.active, 0), User, first.c.recognised_at,
               RecognitionMentor.lower_path_accepted)
        .join(RecognitionMentor, RecognitionMentor.mentor_id == Mentor.id)
        .outerjoin(active, active.c.mentor_id == Mentor.id)
        .outerjoin(User, User.id == Mentor.user_id)
        .outerjoin(first, first.c.mentor_id == Mentor.id)
        .where(RecognitionMentor.recognition_id == recognition.id)
        .order_by(Mentor.last_name, Mentor.first_name)
    ).all()
    # The record extract must have been recent on the day the request was filed.
    return to_mentor_views(rows, rules=MentorRules.from_sector(sector), today=today,
                           requested_on=decision_day(recognition.submitted_at))


@dataclass
class HistoryEntry:
    """One audited step in a recognition's life."""

    at: datetime
    action: str
    label: str
    actor: str
    changes: dict[str, Any]
    details: list[str]


def _iso(value: Any) -> str:
    try:
        return format_date(date.fromisoformat(value)) if value else ""
    except (TypeError, ValueError):
        return str(value)


def _details(action: str, changes: dict[str, Any]) -> list[str]:
    """Human lines for what an audited step changed."""
    lines = []
    if action == "recognition.submitted" and changes.get("mentor_ids"):
        lines.append(_("%(n)d mentor(en) aangeduid.", n=len(changes["mentor_ids"])))
    if action == "recognition.approved" and changes.get("valid_until"):
        lines.append(_("Geldig van %(start)s tot en met %(end)s.",
                       start=_iso(changes["valid_from"][1]), end=_iso(changes["valid_until"][1])))
    if changes.get("reason") and action == "recognition.approved":
        lines.append(_("Opmerking: %(note)s", note=changes["reason"]))
    elif changes.get("reason"):
        lines.append(_("Reden: %(reason)s", reason=changes["reason"]))
    if changes.get("validity_reason"):
        lines.append(_("Reden voor de langere geldigheid: %(reason)s",
                       reason=changes["validity_reason"]))
    if changes.get("lower_path_mentor_ids"):
        lines.append(_("%(n)d mentor(en) aanvaard via de lagere leeftijds- en ervaringsgrens "
                       "(relevante kwalificatie).", n=len(changes["lower_path_mentor_ids"])))
    if action == "recognition.placements_moved":
        lines.append(_("%(n)d lopende plaatsing(en) overgezet naar de verlenging %(number)s "
                       "vanaf %(date)s.", n=len(changes.get("placements") or []),
                       number=recognition_number(changes.get("to") or 0),
                       date=_iso(changes.get("from_day"))))
    elif changes.get("placements"):
        lines.append(_("%(n)d lopende plaatsing(en) gemarkeerd als zonder erkenning vanaf "
                       "%(date)s.", n=changes["placements"], date=_iso(changes.get("lost_on"))))
    if action == "recognition.renewal_requested" and changes.get("renewal_id"):
        lines.append(_("Aanvraag %(number)s.", number=recognition_number(changes["renewal_id"])))
    return lines


def history(session: Session, recognition: Recognition,
            submitted_by: User | None = None) -> list[HistoryEntry]:
    """Every audited change of the recognition, oldest first, with the actor's name."""
    rows = session.execute(
        select(AuditEvent, User.full_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.entity_type == Recognition.__tablename__,
               AuditEvent.entity_id == recognition.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    entries = [
        HistoryEntry(
            at=event.at,
            action=event.action,
            label=str(AUDIT_LABELS.get(event.action, event.action)),
            actor=name or (event.actor_label if event.actor_id else _("systeem")),
            changes=event.changes or {},
            details=_details(event.action, event.changes or {}),
        )
        for event, name in rows
    ]
    if not entries or entries[0].action != "recognition.submitted":
        # Rows loaded without the service (imports, demo data) still show when they started.
        entries.insert(0, HistoryEntry(
            at=recognition.submitted_at, action="recognition.submitted",
            label=str(AUDIT_LABELS["recognition.submitted"]),
            actor=submitted_by.full_name if submitted_by else "—", changes={}, details=[],
        ))
    return entries


def _list_statement(user: User):
    return (
        select(Recognition, Site, Company, Programme)
        .join(Site, Site.id == Recognition.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .where(policy.visible(user, Recognition))
    )


def _search(statement, q: str):
    q = (q or "").strip()
    if not q:
        return statement
    pattern = f"%{q}%"
    return statement.where(or_(Company.name.ilike(pattern), Site.name.ilike(pattern),
                               Site.municipality.ilike(pattern), Programme.name.ilike(pattern),
                               Site.number.startswith(q), Company.kbo_number.startswith(q)))


def inbox_statement(user: User, *, today: date, status: str = "open", q: str = ""):
    """The sector's requests: open ones oldest first, decided ones latest decision first."""
    statement = _search(_list_statement(user), q)
    if status and status != "all":
        statement = statement.where(status_condition(status, today))
    if status == "open":
        return statement.order_by(Recognition.submitted_at, Recognition.id)
    return statement.order_by(
        func.coalesce(Recognition.decided_at, Recognition.submitted_at).desc(),
        Recognition.id.desc(),
    )


def company_statement(user: User, *, today: date, status: str = "", q: str = "",
                      company_id: int | None = None):
    """Visible recognitions (of one company when given), newest request first."""
    statement = _search(_list_statement(user), q)
    if company_id:
        statement = statement.where(Site.company_id == company_id)
    if status:
        statement = statement.where(status_condition(status, today))
    return statement.order_by(Recognition.submitted_at.desc(), Recognition.id.desc())


def late_before(sector: Sector | None) -> datetime:
    """Requests submitted before this moment are past the sector's decision deadline."""
    return utcnow() - timedelta(days=sector.decision_days if sector else 14)


# --- the register -------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterFilters:
    """What the register is filtered on; the same filters drive the page and the exports."""

    on: date
    programme_id: int | None = None
    sector_id: int | None = None
    postcode: str = ""
    municipality: str = ""
    q: str = ""


def recognition_number(recognition_id: int) -> str:
    """The recognition's reference, as printed in the register and its exports: ERK-000042."""
    return f"ERK-{recognition_id:06d}"


def _places_subquery(on: date):
    """Per recognition: its named mentors, and their free places under the sector's cap.

    A mentor's free places are the sector's learners-per-mentor cap minus the mentor's
    placements in that sector's programmes running on `on` or later (never below zero).
    Without a cap the free places are NULL: there is no maximum.
    """
    active = (
        select(Placement.mentor_id, Programme.sector_id, func.count().label("active"))
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .where(Placement.ends_on >= on)
        .group_by(Placement.mentor_id, Programme.sector_id)
        .subquery()
    )
    named = aliased(Recognition)
    programme = aliased(Programme)
    sector = aliased(Sector)
    left = sector.max_learners_per_mentor - func.coalesce(active.c.active, 0)
    return (
        select(
            RecognitionMentor.recognition_id.label("recognition_id"),
            func.count().label("mentors"),
            func.sum(case((sector.max_learners_per_mentor.is_(None), None), (left > 0, left),
                          else_=0)).label("free"),
        )
        .join(named, named.id == RecognitionMentor.recognition_id)
        .join(programme, programme.id == named.programme_id)
        .join(sector, sector.id == programme.sector_id)
        .outerjoin(active, and_(active.c.mentor_id == RecognitionMentor.mentor_id,
                                active.c.sector_id == programme.sector_id))
        .group_by(RecognitionMentor.recognition_id)
        .subquery()
    )


def register_statement(user: User, filters: RegisterFilters, *, places: bool = False):
    """Workplaces recognised on `filters.on`, with site, company, programme and sector joined;
    with `places` also the number of named mentors and their free places (NULL: no maximum)."""
    valid = and_(
        Recognition.status.in_((S.APPROVED.value, S.EXPIRED.value)),
        Recognition.valid_from <= filters.on,
        Recognition.valid_until >= filters.on,
    )
    statement = (
        select(Recognition, Site, Company, Programme, Sector)
        .join(Site, Site.id == Recognition.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .where(policy.visible(user, Recognition), valid)
    )
    if places:
        counts = _places_subquery(filters.on)
        mentors = func.coalesce(counts.c.mentors, 0)
        statement = statement.add_columns(
            mentors.label("mentors"), case((mentors == 0, 0), else_=counts.c.free).label("free")
        ).outerjoin(counts, counts.c.recognition_id == Recognition.id)
    if filters.programme_id:
        statement = statement.where(Recognition.programme_id == filters.programme_id)
    if filters.sector_id:
        statement = statement.where(Programme.sector_id == filters.sector_id)
    postcode = filters.postcode.strip()
    if postcode:
        statement = statement.where(
            postcode_range(Site.postcode, postcode) if postcode.isdigit()
            else Site.postcode == postcode
        )
    if filters.municipality.strip():
        statement = statement.where(Site.municipality.ilike(f"{filters.municipality.strip()}%"))
    if filters.q.strip():
        pattern = f"%{filters.q.strip()}%"
        statement = statement.where(or_(Company.name.ilike(pattern), Site.name.ilike(pattern)))
    return statement.order_by(Site.postcode, Company.name, Site.name, Programme.name,
                              Recognition.id)


def register_page(session: Session, user: User, filters: RegisterFilters) -> Page:
    """One page of the register: sort and page on ids, then load only that page's rows."""
    # Sorting the full joined rows spilled to disk with 17 000 workplaces; sorting narrow
    # (id, sort keys) rows stays in memory, and the 25 wide rows are fetched by id.
    statement = register_statement(user, filters)
    page = paginate(session, statement.with_only_columns(Recognition.id))
    if page.items:
        # Mentors and free places are counted for this page's rows only.
        wide = register_statement(user, filters, places=True)
        page.items = session.execute(wide.where(Recognition.id.in_(page.items))).all()
    return page


EXPORT_COLUMNS = (
    Company.name, Company.kbo_number, Site.name, Site.number, Site.street, Site.postcode,
    Site.municipality, Programme.name, Programme.code, Sector.name, Recognition.valid_from,
    Recognition.valid_until, Company.contact_name, Company.contact_email, Company.contact_phone,
)


def register_rows(session: Session, user: User, filters: RegisterFilters) -> list[Any]:
    """Every row of the filtered register as plain values: the recognition's id, the
    `EXPORT_COLUMNS`, then the number of named mentors and the free places."""
    # Plain columns instead of ORM objects: a whole-Flanders export (17 000 rows with
    # `demo --scale 100000`) loads in a fraction of the time.
    statement = register_statement(user, filters, places=True)
    mentors, free = statement.selected_columns[-2:]
    statement = statement.with_only_columns(Recognition.id, *EXPORT_COLUMNS, Company.legal_form,
                                            mentors, free)
    return session.execute(statement).all()


@dataclass(frozen=True)
class MentorVerdict:
    """How many mentors a request names, and how many of them fall short of the rules."""

    total: int
    failing: int


def mentor_verdicts(session: Session, recognition_ids: list[int], *,
                    today: date) -> dict[int, MentorVerdict]:
    """Per recognition: its named mentors judged by its sector's rules, in one query."""
    if not recognition_ids:
        return {}
    first = recognised_at_subquery()
    rows = session.execute(
        select(RecognitionMentor.recognition_id, Mentor, Sector, first.c.recognised_at,
               RecognitionMentor.lower_path_accepted, Recognition.submitted_at)
        .join(Mentor, Mentor.id == RecognitionMentor.mentor_id)
        .join(Recognition, Recognition.id == RecognitionMentor.recognition_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .outerjoin(first, first.c.mentor_id == Mentor.id)
        .where(RecognitionMentor.recognition_id.in_(recognition_ids))
    ).all()
    counts: dict[int, tuple[int, int]] = {}
    rules: dict[int, MentorRules] = {}
    for recognition_id, mentor, sector, recognised_at, accepted, submitted_at in rows:
        sector_rules = rules.setdefault(sector.id, MentorRules.from_sector(sector))
        facts = MentorFacts.from_mentor(mentor, recognised_on=decision_day(recognised_at),
                                        lower_path_accepted=bool(accepted),
                                        requested_on=decision_day(submitted_at))
        # Capacity is not a personal rule: the sector weighs it when placing a learner.
        ok = check_mentor(facts, sector_rules, on=today).eligible
        total, failing = counts.get(recognition_id, (0, 0))
        counts[recognition_id] = (total + 1, failing + (not ok))
    return {key: MentorVerdict(total, failing) for key, (total, failing) in counts.items()}


def open_age_days(recognition: Recognition, now: datetime | None = None) -> int:
    """Whole days since the request was submitted."""
    now = now or utcnow()
    submitted = recognition.submitted_at
    if submitted.tzinfo is None:
        submitted = submitted.replace(tzinfo=now.tzinfo)
    return (now - submitted).days

