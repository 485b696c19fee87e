"""The deadline rules: from the data and today's date, who must be told what, exactly once.

Each rule family is `rule(session, today, *, now=None, checkpoint=None) -> counts`. It selects in
SQL only the rows whose deadline lies in a window around today (indexed columns), decides per
row which occasion is due, and calls `notify()` with a dedupe key naming the rule, the thing,
its date, the recipient and the occasion, e.g.
`evaluation.reminder.7:moment=12:due=2026-10-13:user=5`. A rerun, a second process or a
catch-up after downtime therefore cannot send anything twice.

Thresholds, not exact days: an occasion is due from its threshold on, so a scheduler that was
down on the day still sends it, once. Only what is still relevant is sent after downtime:

- a ladder of reminders to the same person sends only the latest threshold passed (the 7-day
  reminder is skipped once the 1-day one is due), and reminders before a due date stop at it;
- nothing is sent for what is settled (a submitted evaluation, a signed agreement, a completed
  training, a renewed recognition);
- a threshold passed more than `CATCH_UP_DAYS` ago is stale and no longer sent. This also
  bounds each query's date window, so the daily run grows with what is due, not with the
  size of the database.

Offsets: `DEFAULT_REMINDER_OFFSETS` (dualflow/config.py, installation-wide in
`REMINDER_OFFSETS`), overridden per school (evaluations, agreements) or sector (recognitions,
mentor training) in their `reminder_offsets`.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from dualflow.agreements.models import Agreement, Signature
from dualflow.agreements.services import PARTY_LABELS
from dualflow.catalog.models import Programme, School, Sector
from dualflow.companies.eligibility import MentorFacts, MentorRules, add_months, training_deadline
from dualflow.companies.models import Company, Mentor, Site
from dualflow.companies.services import decision_day, recognised_at_subquery
from dualflow.config import DEFAULT_REMINDER_OFFSETS
from dualflow.evaluations.models import EvaluationMoment
from dualflow.i18n import BRUSSELS, format_date
from dualflow.learners.models import Learner
from dualflow.modelbase import (
    AgreementStatus,
    EvaluationStatus,
    RecognitionStatus,
    TrajectoryStatus,
    utcnow,
)
from dualflow.notifications.recipients import Directory, Recipient, unique
from dualflow.notifications.services import existing_keys, notify
from dualflow.recognitions.models import Recognition
from dualflow.recognitions.services import expire_due
from dualflow.trajectories.models import Placement, Trajectory
from dualflow.trajectories.services import (
    deadline_training_days,
    school_calendars,
    signed_agreement_exists,
)
from dualflow.trajectories.training_days import clock_start
from dualflow.web import app_path

log = logging.getLogger(__name__)

# A threshold passed longer ago than this is stale: not sent any more after downtime.
CATCH_UP_DAYS = 30
# Commit (through the job's checkpoint) after this many new notifications, so that a crash
# keeps what was already decided.
CHECKPOINT_EVERY = 200
# The most calendar days of school and public holidays that can fall inside an agreement
# deadline (the summer, with 21/7 and 15/8 inside it).
_LONGEST_HOLIDAYS_DAYS = 100

OPEN_MOMENT = (EvaluationStatus.PLANNED.value, EvaluationStatus.DRAFT.value)

Checkpoint = Callable[[], None]


# --- offsets ------------------------------------------------------------------------------

def _defaults() -> dict[str, Any]:
    configured = current_app.config.get("REMINDER_OFFSETS") if has_app_context() else None
    return {**DEFAULT_REMINDER_OFFSETS, **(configured or {})}


def _valid(key: str, value: Any) -> bool:
    default = DEFAULT_REMINDER_OFFSETS[key]
    if isinstance(default, list):
        return (isinstance(value, list) and bool(value)
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value))
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


_warned: set[str] = set()


def offsets(overrides: dict | None, key: str) -> Any:
    """The offset `key` of a school or sector: its own valid value, else the default."""
    value = (overrides or {}).get(key)
    if value is not None and _valid(key, value):
        return sorted(set(value), reverse=True) if isinstance(value, list) else value
    if value is not None and f"{key}={value!r}" not in _warned:
        # Once per process and value: the rules ask for every row of the school or sector.
        _warned.add(f"{key}={value!r}")
        log.warning("ignoring invalid reminder offset %s=%r", key, value)
    default = _defaults()[key]
    return sorted(set(default), reverse=True) if isinstance(default, list) else default


def _overrides(session: Session, model) -> dict[int, dict]:
    """Schools or sectors that override an offset (few rows; the rest use the defaults)."""
    rows = session.execute(select(model.id, model.reminder_offsets)).all()
    return {row_id: value for row_id, value in rows if value}


def _extremes(overrides: dict[int, dict], key: str) -> list[int]:
    """Every value the offset `key` takes anywhere (defaults and overrides), flattened."""
    values = []
    for source in [None, *overrides.values()]:
        value = offsets(source, key)
        values.extend(value if isinstance(value, list) else [value])
    return values


def latest_passed(days_left: int, ladder: list[int]) -> int | None:
    """Of thresholds 'n days before', the latest one reached with `days_left` to go."""
    passed = [offset for offset in ladder if days_left <= offset]
    return min(passed) if passed else None


# --- emitting -----------------------------------------------------------------------------

@dataclass
class Notice:
    """A notification that a rule decided on, rendered only when it is new."""

    key: str
    kind: str
    recipient: Recipient
    render: Callable[[], tuple[str, str]]
    # A path, or a function returning it (built only for a notice that is new).
    link: str | Callable[[], str] = ""
    # A row, or (table name, id).
    entity: Any = None


@dataclass
class Emitter:
    """Sends a rule's notices once: skips known keys, renders in the recipient's language."""

    session: Session
    now: datetime
    checkpoint: Checkpoint
    counts: Counter = field(default_factory=Counter)
    _since_checkpoint: int = 0

    def emit(self, notices: Iterable[Notice]) -> None:
        """Create the notifications among `notices` that do not exist yet."""
        notices = sorted({notice.key: notice for notice in notices}.values(),
                         key=lambda notice: notice.key)
        known = existing_keys(self.session, [notice.key for notice in notices])
        for notice in notices:
            if notice.key in known:
                continue
            with force_locale(notice.recipient.language):
                subject, body = notice.render()
            link = notice.link() if callable(notice.link) else notice.link
            created = notify(
                self.session, dedupe_key=notice.key, kind=notice.kind, subject=subject,
                body=body, link=link, user=notice.recipient.user,
                email=notice.recipient.email, entity=notice.entity, now=self.now,
            )
            if created:
                self.counts[notice.kind] += 1
                self._since_checkpoint += 1
                if self._since_checkpoint >= CHECKPOINT_EVERY:
                    self.checkpoint()
                    self._since_checkpoint = 0


def _emitter(session: Session, now: datetime | None, checkpoint: Checkpoint | None) -> Emitter:
    return Emitter(session, now or utcnow(), checkpoint or session.flush)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _local_date(value: datetime) -> date:
    return _aware(value).astimezone(BRUSSELS).date()


def _name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


# --- evaluations --------------------------------------------------------------------------

def evaluation_deadlines(session: Session, today: date, *, now: datetime | None = None,
                         checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Remind the mentor before the due date; tell coordinator, then school, when overdue."""
    emitter = _emitter(session, now, checkpoint)
    overrides = _overrides(session, School)
    ahead = max(_extremes(overrides, "evaluation_reminder_days"))
    behind = max(_extremes(overrides, "evaluation_overdue_days")
                 + _extremes(overrides, "evaluation_escalation_days")) + CATCH_UP_DAYS
    covering = and_(Placement.trajectory_id == Trajectory.id,
                    Placement.starts_on <= EvaluationMoment.due_on,
                    Placement.ends_on >= EvaluationMoment.due_on)
    # Plain columns, not ORM objects: most rows in the window were dealt with on earlier days
    # and only need their keys checked, so building objects for them would dominate the run.
    rows = session.execute(
        select(EvaluationMoment.id, EvaluationMoment.title, EvaluationMoment.due_on,
               Trajectory.coordinator_id, Trajectory.school_id, Learner.first_name,
               Learner.last_name, Programme.name.label("programme"),
               Mentor.user_id.label("mentor_user_id"), Mentor.email.label("mentor_email"),
               Mentor.first_name.label("mentor_first_name"),
               Mentor.last_name.label("mentor_last_name"), Company.name.label("company"),
               Placement.id.label("placement_id"))
        .join(Trajectory, Trajectory.id == EvaluationMoment.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .outerjoin(Placement, covering)
        .outerjoin(Mentor, Mentor.id == Placement.mentor_id)
        .outerjoin(Company, Company.id == Mentor.company_id)
        .where(EvaluationMoment.status.in_(OPEN_MOMENT),
               EvaluationMoment.due_on.between(today - timedelta(days=behind),
                                               today + timedelta(days=ahead)),
               Trajectory.status == TrajectoryStatus.ACTIVE.value)
        .order_by(EvaluationMoment.id, Placement.id)
    ).all()
    seen: set[int] = set()
    moments = []
    for row in rows:
        if row.id not in seen:  # two placements covering the due date: the first one counts
            seen.add(row.id)
            moments.append(row)
    schools = {school.id: school for school in session.execute(
        select(School).where(School.id.in_(sorted({row.school_id for row in moments})))
    ).scalars()} if moments else {}
    directory = Directory(session)
    directory.prefetch(
        user_ids=[row.coordinator_id for row in moments]
        + [row.mentor_user_id for row in moments],
        emails=[row.mentor_email for row in moments if row.placement_id is not None]
        + [school.escalation_email or school.email for school in schools.values()],
        school_ids=list(schools),
    )
    notices = []
    for row in moments:
        school = schools[row.school_id]
        days_left = (row.due_on - today).days
        facts = {
            "title": row.title, "learner": _name(row.first_name, row.last_name),
            "programme": row.programme, "school": school.name, "date": format_date(row.due_on),
            "mentor": _name(row.mentor_first_name or "", row.mentor_last_name or ""),
            "company": row.company or "",
        }
        link = partial(app_path, "evaluations.moment", moment_id=row.id)
        entity = (EvaluationMoment.__tablename__, row.id)
        occasion = f"moment={row.id}:due={row.due_on.isoformat()}"
        reminder = (latest_passed(days_left, offsets(school.reminder_offsets,
                                                     "evaluation_reminder_days"))
                    if days_left >= 0 else None)
        if reminder is not None and row.placement_id is not None:
            recipient = directory.mentor_of(row.mentor_user_id, row.mentor_email)
            if recipient is not None:
                notices.append(Notice(
                    f"evaluation.reminder.{reminder}:{occasion}:{recipient.key}",
                    "evaluation.reminder", recipient,
                    _evaluation_reminder_text(facts, days_left), link, entity))
        overdue = -days_left
        coordinator_after = offsets(school.reminder_offsets, "evaluation_overdue_days")
        if coordinator_after <= overdue <= coordinator_after + CATCH_UP_DAYS:
            for recipient in directory.coordinators(row.coordinator_id, school.id):
                notices.append(Notice(
                    f"evaluation.overdue.{coordinator_after}:{occasion}:{recipient.key}",
                    "evaluation.overdue", recipient,
                    _evaluation_overdue_text(facts, overdue), link, entity))
        escalate_after = offsets(school.reminder_offsets, "evaluation_escalation_days")
        if escalate_after <= overdue <= escalate_after + CATCH_UP_DAYS:
            recipient = directory.address(school.escalation_email or school.email)
            coordinators = directory.coordinators(row.coordinator_id, school.id)
            facts["coordinator"] = ", ".join(c.user.full_name for c in coordinators) or "—"
            if recipient is not None:
                notices.append(Notice(
                    f"evaluation.escalation.{escalate_after}:{occasion}:{recipient.key}",
                    "evaluation.escalation", recipient,
                    _evaluation_escalation_text(facts, overdue), link, entity))
    emitter.emit(notices)
    return dict(emitter.counts)


def _evaluation_reminder_text(facts: dict, days_left: int) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        if days_left == 0:
            subject = _("Evaluatie van %(learner)s: vandaag indienen", **facts)
        else:
            subject = ngettext("Evaluatie van %(learner)s: nog %(num)d dag",
                               "Evaluatie van %(learner)s: nog %(num)d dagen", days_left, **facts)
        body = _("De evaluatie ‘%(title)s’ van %(learner)s (%(programme)s) moet uiterlijk op "
                 "%(date)s ingediend zijn. Open de evaluatie in dualflow om ze in te vullen.",
                 **facts)
        return subject, body
    return render


def _evaluation_overdue_text(facts: dict, overdue: int) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        subject = _("Evaluatie van %(learner)s is te laat", **facts)
        who = facts["mentor"] or _("De mentor")
        body = ngettext(
            "%(who)s heeft de evaluatie ‘%(title)s’ van %(learner)s nog niet ingediend. Ze "
            "was verwacht op %(date)s, %(num)d dag geleden.",
            "%(who)s heeft de evaluatie ‘%(title)s’ van %(learner)s nog niet ingediend. Ze "
            "was verwacht op %(date)s, %(num)d dagen geleden.", overdue, who=who, **facts)
        return subject, body
    return render


def _evaluation_escalation_text(facts: dict, overdue: int) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        subject = ngettext("Escalatie: evaluatie van %(learner)s %(num)d dag te laat",
                           "Escalatie: evaluatie van %(learner)s %(num)d dagen te laat",
                           overdue, **facts)
        body = _("De evaluatie ‘%(title)s’ van %(learner)s (%(programme)s, %(school)s) was "
                 "verwacht op %(date)s en is nog altijd niet ingediend.", **facts)
        if facts["mentor"]:
            body += " " + _("Mentor: %(mentor)s (%(company)s).", **facts)
        body += " " + _("Trajectbegeleider: %(coordinator)s.", **facts)
        return subject, body
    return render


# --- agreements: signatures and the training-day deadline --------------------------------

def signature_reminders(session: Session, today: date, *, now: datetime | None = None,
                        checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Remind parties who have not signed every few days; tell the school when a link expired."""
    emitter = _emitter(session, now, checkpoint)
    now = emitter.now
    rows = session.execute(
        select(Signature, Agreement, Trajectory, Learner, Company, School)
        .join(Agreement, and_(Agreement.id == Signature.agreement_id,
                              Agreement.document_id == Signature.document_id))
        .join(Placement, Placement.id == Agreement.placement_id)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Site, Site.id == Placement.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(School, School.id == Trajectory.school_id)
        .where(Agreement.status == AgreementStatus.AWAITING_SIGNATURES.value,
               Signature.signed_at.is_(None),
               Signature.token_expires_at >= now - timedelta(days=CATCH_UP_DAYS))
        .order_by(Signature.id)
    ).all()
    directory = Directory(session)
    directory.prefetch(emails=[signature.signer_email for signature, *_ in rows],
                       user_ids=[trajectory.coordinator_id for _s, _a, trajectory, *_ in rows],
                       school_ids=[school.id for *_, school in rows])
    notices = []
    # Links of one agreement that lapsed on the same day make one notice to the school.
    lapsed: dict[tuple[int, date], list] = {}
    for signature, agreement, trajectory, learner, company, school in rows:
        sent = signature.last_reminded_at or agreement.sent_at
        if sent is None:
            continue
        sent_on, expires = _local_date(sent), _aware(signature.token_expires_at)
        facts = {"learner": _name(learner.first_name, learner.last_name),
                 "company": company.name, "school": school.name, "sent": format_date(sent_on),
                 "expires": format_date(expires)}
        agreement_link = app_path("agreements.detail", agreement_id=agreement.id)
        if expires > now:
            every = offsets(school.reminder_offsets, "signature_reminder_every_days")
            round_number = (today - sent_on).days // every
            recipient = directory.address(signature.signer_email, signature.language)
            if round_number >= 1 and recipient is not None:
                notices.append(Notice(
                    f"agreement.signature_reminder:signature={signature.id}"
                    f":sent={sent_on.isoformat()}:n={round_number}:{recipient.key}",
                    "agreement.signature_reminder", recipient, _signature_reminder_text(facts),
                    agreement_link if recipient.user is not None else "", agreement))
            continue
        group = lapsed.setdefault((agreement.id, _local_date(expires)),
                                  [agreement, trajectory, school, facts, agreement_link, []])
        group[5].append((signature.expected_name, PARTY_LABELS.get(signature.party,
                                                                   signature.party)))
    for (agreement_id, expired_on), group in sorted(lapsed.items()):
        agreement, trajectory, school, facts, agreement_link, signers = group
        for recipient in directory.coordinators(trajectory.coordinator_id, school.id):
            notices.append(Notice(
                f"agreement.link_expired:agreement={agreement_id}"
                f":expired={expired_on.isoformat()}:{recipient.key}",
                "agreement.link_expired", recipient, _link_expired_text(facts, signers),
                agreement_link, agreement))
    emitter.emit(notices)
    return dict(emitter.counts)


def _signature_reminder_text(facts: dict) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        subject = _("Herinnering: de overeenkomst van %(learner)s wacht op je handtekening",
                    **facts)
        body = _("De overeenkomst tussen %(learner)s, %(company)s en %(school)s wacht nog op je "
                 "handtekening. Onderteken met de persoonlijke link uit de e-mail van %(sent)s; "
                 "die link is geldig tot %(expires)s.", **facts)
        return subject, body
    return render


def _link_expired_text(facts: dict, signers: list) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        who = ", ".join(f"{name} ({str(party).lower()})" for name, party in signers)
        subject = _("Ondertekeningslink verlopen: overeenkomst van %(learner)s", **facts)
        body = ngettext(
            "De link van %(signers)s om de overeenkomst van %(learner)s te ondertekenen is "
            "verlopen op %(expires)s zonder handtekening. Stuur een nieuwe link vanaf de "
            "pagina van de overeenkomst.",
            "De links van %(signers)s om de overeenkomst van %(learner)s te ondertekenen zijn "
            "verlopen op %(expires)s zonder handtekening. Stuur nieuwe links vanaf de pagina "
            "van de overeenkomst.", len(signers), signers=who, **facts)
        return subject, body
    return render


def agreement_deadlines(session: Session, today: date, *, now: datetime | None = None,
                        checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Warn the coordinator when a trajectory reaches 15 and 20 training days unsigned."""
    emitter = _emitter(session, now, checkpoint)
    overrides = _overrides(session, School)
    ladder = _extremes(overrides, "agreement_warning_training_days")
    # The k-th training day lies at least k - 1 calendar days after the clock starts.
    newest = today - timedelta(days=max(min(ladder) - 1, 0))
    # ... and at most 7/5 of k calendar days (weekends) plus holidays.
    oldest = today - timedelta(days=max(ladder) * 7 // 5 + 7 + _LONGEST_HOLIDAYS_DAYS
                               + CATCH_UP_DAYS)
    base = (
        select(Trajectory, Learner)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .where(Trajectory.status == TrajectoryStatus.ACTIVE.value, ~signed_agreement_exists(today))
    )
    rows = [
        *session.execute(base.where(Trajectory.agreement_clock_starts_on.is_(None),
                                    Trajectory.starts_on.between(oldest, newest))).all(),
        *session.execute(base.where(
            Trajectory.agreement_clock_starts_on.between(oldest, newest))).all(),
    ]
    calendars = school_calendars(session, [trajectory.school_id for trajectory, _ in rows])
    schools = {school.id: school for school in session.execute(
        select(School).where(School.id.in_(sorted(calendars)))).scalars()} if rows else {}
    directory = Directory(session)
    directory.prefetch(user_ids=[trajectory.coordinator_id for trajectory, _ in rows],
                       school_ids=list(calendars))
    n = deadline_training_days()
    notices = []
    for trajectory, learner in sorted(rows, key=lambda row: row[0].id):
        calendar = calendars[trajectory.school_id]
        start = clock_start(trajectory)
        reached = [k for k in offsets(schools[trajectory.school_id].reminder_offsets,
                                      "agreement_warning_training_days")
                   if k >= 1 and calendar.deadline(start, k) <= today]
        if not reached:
            continue
        k = max(reached)
        if (today - calendar.deadline(start, k)).days > CATCH_UP_DAYS:
            continue
        deadline = calendar.deadline(start, n)
        facts = {"learner": _name(learner.first_name, learner.last_name),
                 "deadline": format_date(deadline), "n": n,
                 "left": calendar.days_left(today, start, n), "today": today == deadline}
        link = app_path("trajectories.detail", trajectory_id=trajectory.id)
        for recipient in directory.coordinators(trajectory.coordinator_id, trajectory.school_id):
            notices.append(Notice(
                f"agreement.deadline.{k}:trajectory={trajectory.id}:clock={start.isoformat()}"
                f":{recipient.key}", "agreement.deadline", recipient,
                _agreement_deadline_text(facts), link, trajectory))
    emitter.emit(notices)
    return dict(emitter.counts)


def _agreement_deadline_text(facts: dict) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        subject = _("Nog geen ondertekende overeenkomst voor %(learner)s", **facts)
        if facts["today"]:
            body = _("Vandaag (%(deadline)s) is de laatste van %(n)d opleidingsdagen waarbinnen "
                     "%(learner)s een ondertekende overeenkomst moet hebben.", **facts)
        elif facts["left"] <= 0:
            body = _("De termijn van %(n)d opleidingsdagen voor een ondertekende overeenkomst "
                     "van %(learner)s is verstreken op %(deadline)s.", **facts)
        else:
            body = ngettext(
                "%(learner)s heeft nog geen ondertekende overeenkomst. De termijn van %(n)d "
                "opleidingsdagen loopt af op %(deadline)s: nog %(num)d opleidingsdag.",
                "%(learner)s heeft nog geen ondertekende overeenkomst. De termijn van %(n)d "
                "opleidingsdagen loopt af op %(deadline)s: nog %(num)d opleidingsdagen.",
                facts["left"], **facts)
        return subject, body
    return render


# --- recognitions -------------------------------------------------------------------------

def recognition_deadlines(session: Session, today: date, *, now: datetime | None = None,
                          checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Warn before a recognition expires; on expiry mark it, flag placements, tell schools."""
    emitter = _emitter(session, now, checkpoint)
    # Lock the rows first: a second process waits here and then finds them expired already,
    # instead of failing on the state check inside expire_due (PostgreSQL; SQLite serialises).
    session.execute(
        select(Recognition.id)
        .where(Recognition.status == RecognitionStatus.APPROVED.value,
               Recognition.valid_until < today)
        .order_by(Recognition.id).with_for_update()
    ).all()
    expired_now = expire_due(session, today)
    if expired_now:
        emitter.counts["recognition.marked_expired"] += len(expired_now)
        emitter.checkpoint()
    overrides = _overrides(session, Sector)
    ahead = max(_extremes(overrides, "recognition_expiry_days"))
    columns = (Recognition, Site, Company, Programme, Sector)
    joined = (
        select(*columns)
        .join(Site, Site.id == Recognition.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
    )
    expiring = session.execute(joined.where(
        Recognition.status == RecognitionStatus.APPROVED.value,
        Recognition.valid_until.between(today, today + timedelta(days=ahead)),
    ).order_by(Recognition.id)).all()
    expired = session.execute(joined.where(
        Recognition.status == RecognitionStatus.EXPIRED.value,
        Recognition.valid_until.between(today - timedelta(days=CATCH_UP_DAYS + 1),
                                        today - timedelta(days=1)),
    ).order_by(Recognition.id)).all()
    # Schools with a placement there now or later; for an expired one, those flagged on expiry.
    placements: dict[int, list[tuple[Trajectory, Learner]]] = defaultdict(list)
    ids = [row[0].id for row in expiring + expired]
    lost_on = {row[0].id: row[0].valid_until + timedelta(days=1) for row in expired}
    for start in range(0, len(ids), 500):
        for recognition_id, placement_lost_on, trajectory, learner in session.execute(
            select(Placement.recognition_id, Placement.recognition_lost_on, Trajectory, Learner)
            .join(Trajectory, Trajectory.id == Placement.trajectory_id)
            .join(Learner, Learner.id == Trajectory.learner_id)
            .where(Placement.recognition_id.in_(ids[start:start + 500]),
                   Placement.ends_on >= today - timedelta(days=CATCH_UP_DAYS + 1))
            .order_by(Learner.last_name, Learner.first_name, Placement.id)
        ).all():
            if recognition_id in lost_on:
                if placement_lost_on == lost_on[recognition_id]:
                    placements[recognition_id].append((trajectory, learner))
            elif trajectory.status == TrajectoryStatus.ACTIVE.value:
                placements[recognition_id].append((trajectory, learner))
    trajectories = [t for pairs in placements.values() for t, _ in pairs]
    directory = Directory(session)
    directory.prefetch(
        user_ids=[t.coordinator_id for t in trajectories],
        school_ids=[t.school_id for t in trajectories],
        emails=[company.contact_email for _r, _s, company, *_ in expiring]
        + [sector.email for *_, sector in expiring],
        company_ids=[company.id for _r, _s, company, *_ in expiring],
        sector_ids=[sector.id for *_, sector in expiring],
    )

    def coordinators_of(recognition_id: int) -> dict[str, tuple[Recipient, list[str]]]:
        """Each coordinator concerned, with the names of his or her learners placed there."""
        found: dict[str, tuple[Recipient, list[str]]] = {}
        for trajectory, learner in placements.get(recognition_id, []):
            for recipient in directory.coordinators(trajectory.coordinator_id,
                                                    trajectory.school_id):
                found.setdefault(recipient.key, (recipient, []))[1].append(
                    _name(learner.first_name, learner.last_name))
        return found

    notices = []
    for recognition, site, company, programme, sector in expiring:
        days_left = (recognition.valid_until - today).days
        threshold = latest_passed(days_left, offsets(sector.reminder_offsets,
                                                     "recognition_expiry_days"))
        if threshold is None:
            continue
        facts = {"site": site.name, "company": company.name, "programme": programme.name,
                 "date": format_date(recognition.valid_until)}
        link = app_path("recognitions.detail", recognition_id=recognition.id)
        occasion = (f"recognition={recognition.id}:until={recognition.valid_until.isoformat()}")
        concerned = coordinators_of(recognition.id)
        recipients = unique([*directory.company(company), *directory.sector(sector),
                             *(recipient for recipient, _names in concerned.values())])
        for recipient in recipients:
            notices.append(Notice(
                f"recognition.expiring.{threshold}:{occasion}:{recipient.key}",
                "recognition.expiring", recipient,
                _recognition_expiring_text(facts, days_left,
                                           concerned.get(recipient.key, (None, []))[1]),
                link, recognition))
    for recognition, site, company, programme, _sector in expired:
        facts = {"site": site.name, "company": company.name, "programme": programme.name,
                 "date": format_date(recognition.valid_until)}
        link = app_path("recognitions.detail", recognition_id=recognition.id)
        occasion = f"recognition={recognition.id}:until={recognition.valid_until.isoformat()}"
        for recipient, names in coordinators_of(recognition.id).values():
            notices.append(Notice(
                f"recognition.expired:{occasion}:{recipient.key}", "recognition.expired",
                recipient, _recognition_expired_text(facts, names), link, recognition))
    emitter.emit(notices)
    return dict(emitter.counts)


def _names(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown + (" …" if len(names) > limit else "")


def _recognition_expiring_text(facts: dict, days_left: int,
                               learners: list[str]) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        subject = _("Erkenning van %(site)s voor %(programme)s vervalt op %(date)s", **facts)
        body = ngettext(
            "De erkenning van %(site)s (%(company)s) als leerwerkplek voor %(programme)s "
            "vervalt over %(num)d dag, op %(date)s.",
            "De erkenning van %(site)s (%(company)s) als leerwerkplek voor %(programme)s "
            "vervalt over %(num)d dagen, op %(date)s.", days_left, **facts)
        if learners:
            body += " " + _("Lerenden van je school die daar geplaatst zijn: %(names)s.",
                            names=_names(learners))
        body += " " + _("Zonder verlenging verliezen lopende plaatsingen hun erkenning.")
        return subject, body
    return render


def _recognition_expired_text(facts: dict, learners: list[str]) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        subject = _("Erkenning vervallen: %(site)s voor %(programme)s", **facts)
        body = ngettext(
            "De erkenning van %(site)s (%(company)s) voor %(programme)s is vervallen na "
            "%(date)s. %(num)d plaatsing staat nu gemarkeerd als zonder erkenning: %(names)s.",
            "De erkenning van %(site)s (%(company)s) voor %(programme)s is vervallen na "
            "%(date)s. %(num)d plaatsingen staan nu gemarkeerd als zonder erkenning: %(names)s.",
            len(learners), names=_names(learners), **facts)
        return subject, body
    return render


# --- mentor training ----------------------------------------------------------------------

def mentor_training_deadlines(session: Session, today: date, *, now: datetime | None = None,
                              checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Tell mentor and company before, and on, the mentor-training deadline."""
    emitter = _emitter(session, now, checkpoint)
    overrides = _overrides(session, Sector)
    ahead = max(_extremes(overrides, "mentor_training_days"))
    months_by_sector = dict(session.execute(
        select(Sector.id, Sector.mentor_training_months)).all())
    default_months = MentorRules().training_months
    first, last = today - timedelta(days=CATCH_UP_DAYS), today + timedelta(days=ahead)
    months_expr = func.coalesce(Sector.mentor_training_months, default_months)
    # Deadline = the first recognition decision naming the mentor + the sector's months; per
    # distinct number of months (a few), one range of decision moments, widened by 3 days for
    # month-end clamping and the time zone. A teaching certificate exempts where the sector
    # says so.
    recognised = recognised_at_subquery()
    exempt = and_(Mentor.has_teaching_certificate.is_(True),
                  func.coalesce(Sector.teaching_certificate_exempts, False).is_(True))
    rows = []
    for months in sorted({*months_by_sector.values(), default_months}):
        low = add_months(first, -months) - timedelta(days=3)
        high = add_months(last, -months) + timedelta(days=3)
        rows.extend(session.execute(
            select(Mentor, Company, Sector, recognised.c.recognised_at)
            .join(recognised, recognised.c.mentor_id == Mentor.id)
            .join(Company, Company.id == Mentor.company_id)
            .outerjoin(Sector, Sector.id == Company.sector_id)
            .where(Mentor.training_completed_on.is_(None),
                   or_(and_(recognised.c.recognised_at
                            >= datetime.combine(low, datetime.min.time(), UTC),
                            recognised.c.recognised_at
                            < datetime.combine(high, datetime.min.time(), UTC)),
                       # Appointed after the decision: the clock starts at the appointment.
                       Mentor.appointed_on.between(low, high)),
                   Mentor.is_active.is_(True), months_expr == months, ~exempt)
        ).all())
    rows.sort(key=lambda row: row[0].id)
    directory = Directory(session)
    directory.prefetch(user_ids=[mentor.user_id for mentor, *_ in rows],
                       emails=[mentor.email for mentor, *_ in rows]
                       + [company.contact_email for _m, company, *_rest in rows],
                       company_ids=[company.id for _m, company, *_rest in rows])
    notices = []
    for mentor, company, sector, recognised_at in rows:
        deadline = training_deadline(
            MentorFacts.from_mentor(mentor, recognised_on=decision_day(recognised_at)),
            MentorRules.from_sector(sector))
        if deadline is None:
            continue
        days_left = (deadline - today).days
        threshold = latest_passed(days_left, offsets(sector.reminder_offsets if sector else None,
                                                     "mentor_training_days"))
        if threshold is None or days_left < -CATCH_UP_DAYS:
            continue
        facts = {"mentor": _name(mentor.first_name, mentor.last_name), "company": company.name,
                 "date": format_date(deadline)}
        link = app_path("companies.mentor_edit", company_id=company.id, mentor_id=mentor.id)
        occasion = f"mentor={mentor.id}:deadline={deadline.isoformat()}"
        for recipient in unique([directory.mentor(mentor), *directory.company(company)]):
            notices.append(Notice(
                f"mentor.training.{threshold}:{occasion}:{recipient.key}", "mentor.training",
                recipient, _mentor_training_text(facts, days_left), link, mentor))
    emitter.emit(notices)
    return dict(emitter.counts)


def _mentor_training_text(facts: dict, days_left: int) -> Callable[[], tuple[str, str]]:
    def render() -> tuple[str, str]:
        subject = _("Mentoropleiding van %(mentor)s: uiterlijk %(date)s", **facts)
        if days_left > 0:
            body = ngettext(
                "%(mentor)s (%(company)s) moet de mentoropleiding afronden tegen %(date)s, "
                "over %(num)d dag.",
                "%(mentor)s (%(company)s) moet de mentoropleiding afronden tegen %(date)s, "
                "over %(num)d dagen.", days_left, **facts)
        elif days_left == 0:
            body = _("Vandaag (%(date)s) verstrijkt de termijn voor de mentoropleiding van "
                     "%(mentor)s (%(company)s).", **facts)
        else:
            body = _("De termijn voor de mentoropleiding van %(mentor)s (%(company)s) is "
                     "verstreken op %(date)s.", **facts)
        body += " " + _("Zonder afgeronde opleiding kan %(mentor)s geen nieuwe lerenden "
                        "begeleiden. Registreer de opleiding in dualflow zodra ze gevolgd is.",
                        **facts)
        return subject, body
    return render


# --- all of them --------------------------------------------------------------------------

RULES: dict[str, Callable[..., dict[str, int]]] = {
    "evaluations": evaluation_deadlines,
    "signatures": signature_reminders,
    "agreement_deadlines": agreement_deadlines,
    "recognitions": recognition_deadlines,
    "mentor_training": mentor_training_deadlines,
}


def run_rules(session: Session, today: date, *, now: datetime | None = None,
              checkpoint: Checkpoint | None = None) -> dict[str, int]:
    """Every rule family in turn, with a checkpoint after each; the summed counts."""
    checkpoint = checkpoint or session.flush
    totals: Counter = Counter()
    for rule in RULES.values():
        totals.update(rule(session, today, now=now, checkpoint=checkpoint))
        checkpoint()
    return dict(totals)
