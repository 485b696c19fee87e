"""The private calendar feed: a user's deadlines as an iCalendar (RFC 5545) subscription.

The feed URL carries a secret token; only its SHA-256 is stored (User.calendar_token_hash),
so the URL is shown once, when it is made, and can be revoked or replaced at any time. What
the feed lists is limited by `policy.visible`: nothing the user could not open in the app.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import and_, exists, func, select
from sqlmodel import Session

from dualflow import audit, policy
from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement, Signature
from dualflow.agreements.services import PARTY_LABELS
from dualflow.catalog.models import Programme, Sector
from dualflow.companies.eligibility import MentorFacts, MentorRules, training_deadline
from dualflow.companies.models import Company, Mentor, Site
from dualflow.companies.services import decision_day, recognised_at_subquery
from dualflow.evaluations.models import EvaluationMoment
from dualflow.i18n import BRUSSELS
from dualflow.learners.models import Learner
from dualflow.modelbase import (
    AgreementStatus,
    EvaluationStatus,
    RecognitionStatus,
    Role,
    TrajectoryStatus,
    utcnow,
)
from dualflow.recognitions.models import Recognition
from dualflow.tokens import hash_token
from dualflow.trajectories.models import Placement, Trajectory
from dualflow.web import absolute_url

# The feed covers deadlines from this long ago (overdue ones stay visible) ...
PAST_DAYS = 60
# ... up to this far ahead: enough for a school year, small enough to stay quick.
FUTURE_DAYS = 365
# Recognitions expire by the hundred in a large sector: half a year ahead (the first notice
# goes out 90 days before) keeps a sector's calendar readable.
RECOGNITION_FUTURE_DAYS = 180
# A calendar with thousands of entries helps nobody; a school's feed stops here per kind.
MAX_EVENTS_PER_KIND = 1000
UID_DOMAIN = "dualflow"

_OPEN_MOMENT = (EvaluationStatus.PLANNED.value, EvaluationStatus.DRAFT.value)


@dataclass(frozen=True)
class Deadline:
    """One all-day calendar entry."""

    uid: str
    day: date
    summary: str
    url: str
    description: str = ""


# --- the token -------------------------------------------------------------------------------


def create_feed_token(session: Session, *, user: User) -> str:
    """A new secret feed token for `user`, replacing the old one; returned once, stored hashed."""
    raw = secrets.token_urlsafe(32)
    replaced = user.calendar_token_hash is not None
    user.calendar_token_hash = hash_token(raw)
    session.add(user)
    audit.record(session, actor=user, action="user.calendar_feed_created", entity=user,
                 changes={"replaced_earlier_link": replaced})
    return raw


def revoke_feed_token(session: Session, *, user: User) -> bool:
    """Make the user's feed URL stop working (audited); False when there was none."""
    if user.calendar_token_hash is None:
        return False
    user.calendar_token_hash = None
    session.add(user)
    audit.record(session, actor=user, action="user.calendar_feed_revoked", entity=user)
    return True


def feed_owner(session: Session, raw: str) -> User | None:
    """The active user whose feed token this is, or None."""
    if not raw:
        return None
    user = session.execute(
        select(User).where(User.calendar_token_hash == hash_token(raw))
    ).scalar_one_or_none()
    return user if user is not None and user.is_active else None


def feed_url(raw: str) -> str:
    """The full URL of a feed, for the user to paste into a calendar application."""
    return absolute_url("notifications.calendar_feed", token=raw)


# --- the deadlines ---------------------------------------------------------------------------


def _window(today: date, future_days: int) -> tuple[date, date]:
    """The first and last day a feed lists."""
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=future_days)


def _name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _evaluations(session: Session, user: User, today: date) -> Iterator[Deadline]:
    """Open evaluation moments of the learners the mentor guides or the school follows."""
    first, last = _window(today, FUTURE_DAYS)
    if user.role not in (Role.MENTOR, Role.COORDINATOR):
        return
    rows = session.execute(
        select(EvaluationMoment.id, EvaluationMoment.title, EvaluationMoment.due_on,
               Learner.first_name, Learner.last_name)
        .join(Trajectory, Trajectory.id == EvaluationMoment.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .where(policy.visible(user, EvaluationMoment),
               EvaluationMoment.status.in_(_OPEN_MOMENT),
               EvaluationMoment.due_on.between(first, last),
               Trajectory.status == TrajectoryStatus.ACTIVE.value)
        .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
        .limit(MAX_EVENTS_PER_KIND)
    ).all()
    for moment_id, title, due_on, first_name, last_name in rows:
        learner = _name(first_name, last_name)
        yield Deadline(
            uid=f"evaluation-{moment_id}@{UID_DOMAIN}", day=due_on,
            summary=_("%(title)s van %(learner)s", title=title, learner=learner),
            url=absolute_url("evaluations.moment", moment_id=moment_id),
            description=_("De mentor vult de evaluatie in tegen deze datum."),
        )


def _signatures(session: Session, user: User, today: date) -> Iterator[Deadline]:
    """Agreements that wait for this user's own signature, until the link expires."""
    first, last = _window(today, FUTURE_DAYS)
    # Driven from the few agreements awaiting signatures (indexed status), not from a scan
    # of every signature by address.
    rows = session.execute(
        select(Signature.id, Signature.party, Signature.token_expires_at, Agreement.id,
               Learner.first_name, Learner.last_name)
        .join(Agreement, and_(Agreement.id == Signature.agreement_id,
                              Agreement.document_id == Signature.document_id))
        .join(Placement, Placement.id == Agreement.placement_id)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .where(Agreement.status == AgreementStatus.AWAITING_SIGNATURES.value,
               policy.visible(user, Agreement),
               func.lower(Signature.signer_email) == user.email.lower(),
               Signature.signed_at.is_(None), Signature.token_expires_at.is_not(None))
        .order_by(Signature.token_expires_at, Signature.id)
        .limit(MAX_EVENTS_PER_KIND)
    ).all()
    for signature_id, party, expires_at, agreement_id, first_name, last_name in rows:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        day = expires_at.astimezone(BRUSSELS).date()
        if not first <= day <= last:
            continue
        label = PARTY_LABELS.get(party, party)
        yield Deadline(
            uid=f"signature-{signature_id}@{UID_DOMAIN}", day=day,
            summary=_("Ondertekenen: overeenkomst van %(learner)s",
                      learner=_name(first_name, last_name)),
            url=absolute_url("agreements.detail", agreement_id=agreement_id),
            description=_("Je ondertekent als %(party)s. De link in je e-mail is geldig tot "
                          "deze dag.", party=str(label).lower()),
        )


def _recognitions(session: Session, user: User, today: date) -> Iterator[Deadline]:
    """Approved recognitions that expire: of the company, the sector, or the school's places."""
    first, last = _window(today, RECOGNITION_FUTURE_DAYS)
    if user.role == Role.COMPANY:
        mine = Site.company_id == user.company_id
    elif user.role == Role.SECTOR:
        mine = Programme.sector_id == user.sector_id
    elif user.role == Role.COORDINATOR:
        mine = exists(
            select(Placement.id)
            .join(Trajectory, Trajectory.id == Placement.trajectory_id)
            .where(Placement.recognition_id == Recognition.id,
                   Trajectory.school_id == user.school_id,
                   Trajectory.status == TrajectoryStatus.ACTIVE.value,
                   Placement.ends_on >= first)
        )
    else:
        return
    rows = session.execute(
        select(Recognition.id, Recognition.valid_until, Site.name, Programme.name)
        .join(Site, Site.id == Recognition.site_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .where(Recognition.status == RecognitionStatus.APPROVED.value,
               Recognition.valid_until.between(first, last),
               policy.visible(user, Recognition), mine)
        .order_by(Recognition.valid_until, Recognition.id)
        .limit(MAX_EVENTS_PER_KIND)
    ).all()
    for recognition_id, valid_until, site, programme in rows:
        yield Deadline(
            uid=f"recognition-{recognition_id}-expiry@{UID_DOMAIN}", day=valid_until,
            summary=_("Erkenning verloopt: %(site)s (%(programme)s)", site=site,
                      programme=programme),
            url=absolute_url("recognitions.detail", recognition_id=recognition_id),
            description=_("Laatste geldige dag van de erkenning als leerwerkplek."),
        )


def _mentor_training(session: Session, user: User, today: date) -> Iterator[Deadline]:
    """The mentor-training deadline of the user (a mentor) or of the company's mentors."""
    first, last = _window(today, FUTURE_DAYS)
    if user.role == Role.MENTOR:
        mine = Mentor.user_id == user.id
    elif user.role == Role.COMPANY:
        mine = Mentor.company_id == user.company_id
    else:
        return
    recognised = recognised_at_subquery()
    rows = session.execute(
        select(Mentor, Sector, recognised.c.recognised_at)
        .join(recognised, recognised.c.mentor_id == Mentor.id)
        .join(Company, Company.id == Mentor.company_id)
        .outerjoin(Sector, Sector.id == Company.sector_id)
        .where(mine, policy.visible(user, Mentor), Mentor.is_active.is_(True),
               Mentor.training_completed_on.is_(None))
        .order_by(recognised.c.recognised_at, Mentor.id)
        .limit(MAX_EVENTS_PER_KIND)
    ).all()
    for mentor, sector, recognised_at in rows:
        # From the first recognition decision naming the mentor; none when exempt.
        deadline = training_deadline(
            MentorFacts.from_mentor(mentor, recognised_on=decision_day(recognised_at)),
            MentorRules.from_sector(sector))
        if deadline is None or not first <= deadline <= last:
            continue
        yield Deadline(
            uid=f"mentor-training-{mentor.id}@{UID_DOMAIN}", day=deadline,
            summary=_("Mentoropleiding %(mentor)s: uiterste datum",
                      mentor=_name(mentor.first_name, mentor.last_name)),
            url=absolute_url("companies.mentor_edit", company_id=mentor.company_id,
                         mentor_id=mentor.id),
            description=_("De mentor moet de mentoropleiding afronden tegen deze datum."),
        )


def deadlines_of(session: Session, user: User, *, today: date) -> list[Deadline]:
    """The user's deadlines around today, in the language of the current locale."""
    found: list[Deadline] = []
    for kind in (_evaluations, _signatures, _recognitions, _mentor_training):
        found.extend(kind(session, user, today))
    return sorted(found, key=lambda deadline: (deadline.day, deadline.uid))


# --- the calendar ----------------------------------------------------------------------------


def build_feed(session: Session, user: User, *, today: date,
               now: datetime | None = None) -> bytes:
    """The user's deadlines as an iCalendar document (all-day events, in the user's language)."""
    now = now or utcnow()
    language = user.language if user.language in ("nl", "fr", "en") else "nl"
    with force_locale(language):
        deadlines = deadlines_of(session, user, today=today)
        calendar = Calendar()
        calendar.add("prodid", "-//dualflow//deadlines//NL")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("dualflow: mijn termijnen"))
        calendar.add("x-wr-timezone", "Europe/Brussels")
        for deadline in deadlines:
            event = Event()
            event.add("uid", deadline.uid)
            event.add("dtstamp", now.astimezone(UTC))
            event.add("dtstart", deadline.day)
            event.add("dtend", deadline.day + timedelta(days=1))
            event.add("summary", deadline.summary)
            event.add("description", f"{deadline.description}\n{deadline.url}".strip())
            event.add("url", deadline.url)
            # A deadline is a reminder, not an appointment: it does not make the day busy.
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()
