"""Trajectories, their training plan and evaluation moments, placements, and the agreement clock.

State machine: a trajectory is `active` until it ends as qualified, unqualified, stopped or
reoriented (one function, audited). A placement puts an active trajectory at a recognised site
with an eligible mentor who has room; every refusal says exactly which rule failed, on which
field. Services flush but never commit; the request commits once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dualflow import audit, policy
from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement
from dualflow.catalog.models import Competency, Programme, School, SchoolHoliday, Sector
from dualflow.companies.eligibility import MentorRules, check_mentor
from dualflow.companies.models import Company, Mentor, Site
from dualflow.companies.services import facts_at_recognition
from dualflow.errors import DomainError, NotAllowed
from dualflow.evaluations.models import Evaluation, EvaluationMoment
from dualflow.i18n import format_date, school_year_label
from dualflow.learners.models import Learner
from dualflow.modelbase import (
    AgreementStatus,
    CompetencyLocation,
    EvaluationStatus,
    LearningForm,
    RecognitionStatus,
    Role,
    TrajectoryStatus,
)
from dualflow.recognitions.models import Recognition
from dualflow.recognitions.services import RegisterFilters, continuing_renewal, register_statement
from dualflow.recognitions.services import status_label as recognition_status_label
from dualflow.trajectories.models import Placement, TrainingPlanEntry, Trajectory
from dualflow.trajectories.training_days import (
    DEFAULT_DEADLINE_DAYS,
    TrainingCalendar,
    clock_start,
)

T = TrajectoryStatus
ENDED_STATUSES = (T.QUALIFIED.value, T.UNQUALIFIED.value, T.STOPPED.value, T.REORIENTED.value)
# A deadline this many training days away (or fewer) is "near" on the dashboard.
DEADLINE_NEAR_DAYS = 5
# The dashboard shows this many trajectories; the rest are one click away in the list.
DASHBOARD_ROWS = 25

STATUS_LABELS = {
    T.ACTIVE.value: _l("lopend"),
    T.QUALIFIED.value: _l("gekwalificeerd"),
    T.UNQUALIFIED.value: _l("niet gekwalificeerd"),
    T.STOPPED.value: _l("gestopt"),
    T.REORIENTED.value: _l("geheroriënteerd"),
}
STATUS_VARIANTS = {
    T.ACTIVE.value: "primary",
    T.QUALIFIED.value: "success",
    T.UNQUALIFIED.value: "secondary",
    T.STOPPED.value: "dark",
    T.REORIENTED.value: "info",
}
LEARNING_FORM_LABELS = {
    LearningForm.DUAL.value: _l("duaal leren"),
    LearningForm.WORKPLACE_LEARNING.value: _l("werkplekleren"),
    LearningForm.SCHOOL_BASED.value: _l("schoolgebonden"),
}
LOCATION_LABELS = {
    CompetencyLocation.SCHOOL.value: _l("Op school"),
    CompetencyLocation.WORKPLACE.value: _l("Op de werkplek"),
    CompetencyLocation.BOTH.value: _l("Op school en op de werkplek"),
}
# The weekly schedule: half-days at the workplace, stored as "mon_am", "mon_pm" ... "sat_pm".
WEEKDAYS = {
    "mon": _l("maandag"), "tue": _l("dinsdag"), "wed": _l("woensdag"), "thu": _l("donderdag"),
    "fri": _l("vrijdag"), "sat": _l("zaterdag"),
}
HALF_DAYS = {"am": _l("voormiddag"), "pm": _l("namiddag")}
SCHEDULE_KEYS = tuple(f"{day}_{half}" for day in WEEKDAYS for half in HALF_DAYS)
AGREEMENT_STATUS_LABELS = {
    AgreementStatus.DRAFT.value: _l("ontwerp"),
    AgreementStatus.AWAITING_SIGNATURES.value: _l("wacht op handtekeningen"),
    AgreementStatus.SIGNED.value: _l("ondertekend"),
    AgreementStatus.TERMINATED.value: _l("beëindigd"),
}

# --- the school year ------------------------------------------------------------------------

def school_year_of(day: date) -> int:
    """The school year of a day, as its starting calendar year (September boundary)."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_start(school_year: int) -> date:
    """1 September: the earliest start of a trajectory of that school year."""
    return date(school_year, 9, 1)


def school_year_end(school_year: int) -> date:
    """30 June: the end of the school year, the last day of moments and placements."""
    return date(school_year + 1, 6, 30)


def last_day(trajectory: Trajectory) -> date:
    """The trajectory's end date, or the end of its school year while it runs."""
    return trajectory.ends_on or school_year_end(trajectory.school_year)


def template_helpers() -> dict[str, Any]:
    """Labels and colours the trajectory templates show."""
    return {
        "status_labels": STATUS_LABELS,
        "status_variants": STATUS_VARIANTS,
        "learning_form_labels": LEARNING_FORM_LABELS,
        "location_labels": LOCATION_LABELS,
        "agreement_status_labels": AGREEMENT_STATUS_LABELS,
        "near_days": DEADLINE_NEAR_DAYS,
        "weekdays": WEEKDAYS,
        "half_days": HALF_DAYS,
        "schedule_text": schedule_text,
    }


# --- the weekly schedule --------------------------------------------------------------------

def normalise_schedule(keys: Iterable[str] | None, *, field: str = "weekly_schedule") -> list[str]:
    """The half-days in week order, each once; an unknown half-day is refused."""
    chosen = set(keys or ())
    unknown = sorted(chosen - set(SCHEDULE_KEYS))
    if unknown:
        raise DomainError(_("Onbekend dagdeel in het weekrooster: %(keys)s.",
                            keys=", ".join(unknown)), field=field)
    return [key for key in SCHEDULE_KEYS if key in chosen]


def schedule_days(keys: Iterable[str] | None) -> list[tuple[str, str]]:
    """Per day at the workplace: (day, "both" | "am" | "pm"), in week order."""
    chosen = set(keys or ())
    days = []
    for day in WEEKDAYS:
        am, pm = f"{day}_am" in chosen, f"{day}_pm" in chosen
        if am or pm:
            days.append((day, "both" if am and pm else ("am" if am else "pm")))
    return days


def schedule_text(keys: Iterable[str] | None) -> str:
    """maandag (hele dag), woensdag (voormiddag): the days at the workplace, for the screens."""
    parts = {"both": _l("hele dag"), **HALF_DAYS}
    return ", ".join(f"{WEEKDAYS[day]} ({parts[part]})" for day, part in schedule_days(keys))


# --- who may change a trajectory ------------------------------------------------------------

def may_manage(user: User, trajectory: Trajectory) -> bool:
    """Coordinators of the trajectory's school and admins; mentors and companies only look."""
    return policy.may(user, "trajectory.manage", trajectory)


def _require_manage(actor: User, trajectory: Trajectory) -> None:
    policy.require_may(actor, "trajectory.manage", trajectory)


def _require_active(trajectory: Trajectory) -> None:
    if trajectory.status != T.ACTIVE.value:
        raise DomainError(_("Dit traject is afgesloten (%(status)s); het kan niet meer "
                            "gewijzigd worden.", status=STATUS_LABELS[trajectory.status]))


# --- the 20-training-day rule ---------------------------------------------------------------

def deadline_training_days() -> int:
    """The configured number of training days within which a signed agreement is due."""
    if has_app_context():
        return int(current_app.config.get("AGREEMENT_DEADLINE_TRAINING_DAYS",
                                          DEFAULT_DEADLINE_DAYS))
    return DEFAULT_DEADLINE_DAYS


def school_calendar(session: Session, school_id: int) -> TrainingCalendar:
    """The training days of one school (one query for its holidays)."""
    return school_calendars(session, [school_id])[school_id]


def school_calendars(session: Session, school_ids: Iterable[int]) -> dict[int, TrainingCalendar]:
    """Training calendars of several schools, from one query (public holidays included)."""
    ids = sorted(set(school_ids))
    periods: dict[int, list[tuple[date, date]]] = defaultdict(list)
    if ids:
        for school_id, starts_on, ends_on in session.execute(
            select(SchoolHoliday.school_id, SchoolHoliday.starts_on, SchoolHoliday.ends_on)
            .where(SchoolHoliday.school_id.in_(ids))
        ).all():
            periods[school_id].append((starts_on, ends_on))
    return {school_id: TrainingCalendar(periods[school_id]) for school_id in ids}


def signed_agreement_exists(today: date, *, seen_by: User | None = None):
    """SQL: the trajectory (correlated) has a signed agreement covering today or starting later.

    With `seen_by`, only the placements that user may see count: a company or mentor learns
    nothing of another company's agreement in the same trajectory.
    """
    return exists().where(
        Placement.trajectory_id == Trajectory.id,
        Agreement.placement_id == Placement.id,
        # A terminated agreement still counts until its last day (a termination dated later).
        or_(and_(Agreement.status == AgreementStatus.SIGNED.value, Agreement.ends_on >= today),
            and_(Agreement.status == AgreementStatus.TERMINATED.value,
                 Agreement.terminated_on >= today)),
        Placement.ends_on >= today,
        true() if seen_by is None else policy.visible(seen_by, Placement),
    )


def placement_ahead_exists(today: date, *, seen_by: User | None = None):
    """SQL: the trajectory (correlated) has a placement running today or starting later
    (with `seen_by`: one that user may see)."""
    return exists().where(Placement.trajectory_id == Trajectory.id, Placement.ends_on >= today,
                          true() if seen_by is None else policy.visible(seen_by, Placement))


def awaiting_signatures_exists(today: date):
    """SQL: an agreement of a current or coming placement is out for signature."""
    return exists().where(
        Placement.trajectory_id == Trajectory.id,
        Agreement.placement_id == Placement.id,
        Agreement.status == AgreementStatus.AWAITING_SIGNATURES.value,
        Placement.ends_on >= today,
    )


@dataclass(frozen=True)
class AgreementDeadline:
    """Where a trajectory stands with the rule "a signed agreement within n training days"."""

    satisfied: bool
    clock_start: date
    deadline: date
    days_left: int
    n: int

    @property
    def overdue(self) -> bool:
        """No signed agreement and the deadline has passed ("termijn verstreken")."""
        return not self.satisfied and self.days_left <= 0

    @property
    def near(self) -> bool:
        """No signed agreement and at most DEADLINE_NEAR_DAYS training days left."""
        return not self.satisfied and 0 < self.days_left <= DEADLINE_NEAR_DAYS

    @property
    def started(self) -> bool:
        """Whether the clock runs already (False before the first training day)."""
        return self.days_left < self.n


def agreement_deadline(trajectory: Trajectory, *, satisfied: bool, calendar: TrainingCalendar,
                       today: date, n: int | None = None) -> AgreementDeadline | None:
    """The deadline of an active trajectory (None once it has ended)."""
    if trajectory.status != T.ACTIVE.value:
        return None
    n = n or deadline_training_days()
    start = clock_start(trajectory)
    return AgreementDeadline(
        satisfied=satisfied,
        clock_start=start,
        deadline=calendar.deadline(start, n),
        days_left=calendar.days_left(today, start, n),
        n=n,
    )


# --- evaluation moments ---------------------------------------------------------------------

def moment_dates(starts_on: date, *, interval_weeks: int, until: date,
                 calendar: TrainingCalendar) -> list[date]:
    """Every `interval_weeks` weeks after `starts_on` up to `until`, each moved to a training day.

    A date on a weekend or in a holiday moves to the next training day; a moved date beyond
    `until` is dropped, and two dates that move onto the same day become one.
    """
    if interval_weeks < 1:
        raise ValueError("interval_weeks must be at least 1")
    dates: list[date] = []
    step = timedelta(weeks=interval_weeks)
    planned = starts_on + step
    while planned <= until:
        moved = calendar.next_training_day(planned)
        if moved <= until and (not dates or moved > dates[-1]):
            dates.append(moved)
        planned += step
    return dates


def moment_titles(count: int) -> list[str]:
    """'Tussentijdse evaluatie 1', '… 2', …, the last one 'Eindevaluatie'."""
    titles = [_("Tussentijdse evaluatie %(n)d", n=index) for index in range(1, count)]
    return [*titles, _("Eindevaluatie")] if count else []


_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
)


def parse_dates(text: str | None, *, field: str = "fixed_dates") -> list[date]:
    """Dates typed as dd/mm/jjjj (or jjjj-mm-dd), separated by lines, commas or spaces."""
    found: list[date] = []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        for pattern, (y, m, d) in _DATE_PATTERNS:
            match = pattern.match(token)
            if match:
                try:
                    found.append(date(int(match.group(y)), int(match.group(m)),
                                      int(match.group(d))))
                except ValueError:
                    match = None
                break
        else:
            match = None
        if match is None:
            raise DomainError(_("‘%(value)s’ is geen geldige datum; schrijf dd/mm/jjjj.",
                                value=token[:20]), field=field)
    return sorted(set(found))


def _check_moment_date(trajectory: Trajectory, due_on: date | None, *, field: str) -> date:
    if due_on is None:
        raise DomainError(_("Vul de datum in."), field=field)
    first, last = trajectory.starts_on, last_day(trajectory)
    if not first <= due_on <= last:
        raise DomainError(
            _("%(date)s ligt buiten het traject: kies een datum van %(first)s tot en met "
              "%(last)s.", date=format_date(due_on), first=format_date(first),
              last=format_date(last)),
            field=field,
        )
    return due_on


def _title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Geef het evaluatiemoment een titel."), field="title")
    if len(title) > 100:
        raise DomainError(_("Hoogstens %(n)d tekens.", n=100), field="title")
    return title


def _plan_moments(session: Session, trajectory: Trajectory, school: School,
                  fixed_dates: list[date] | None) -> list[EvaluationMoment]:
    if fixed_dates:
        dates = sorted({_check_moment_date(trajectory, day, field="fixed_dates")
                        for day in fixed_dates})
    else:
        dates = moment_dates(
            trajectory.starts_on, interval_weeks=school.evaluation_interval_weeks,
            until=last_day(trajectory), calendar=school_calendar(session, school.id),
        )
    moments = [
        EvaluationMoment(trajectory_id=trajectory.id, title=title, due_on=due_on)
        for title, due_on in zip(moment_titles(len(dates)), dates, strict=True)
    ]
    session.add_all(moments)
    return moments


def _has_evaluation(session: Session, moment: EvaluationMoment) -> bool:
    return moment.status != EvaluationStatus.PLANNED.value or session.execute(
        select(Evaluation.id).where(Evaluation.moment_id == moment.id)
    ).first() is not None


def _require_plannable(session: Session, moment: EvaluationMoment) -> None:
    if _has_evaluation(session, moment):
        raise DomainError(_("Voor ‘%(title)s’ is de evaluatie al begonnen; dit moment kan niet "
                            "meer gewijzigd of verwijderd worden.", title=moment.title))


def add_moment(session: Session, *, actor: User, trajectory: Trajectory, title: str,
               due_on: date | None) -> EvaluationMoment:
    """Add an evaluation moment to the training plan."""
    _require_manage(actor, trajectory)
    _require_active(trajectory)
    moment = EvaluationMoment(trajectory_id=trajectory.id, title=_title(title),
                              due_on=_check_moment_date(trajectory, due_on, field="due_on"))
    session.add(moment)
    audit.record(session, actor=actor, action="evaluation_moment.added", entity=moment,
                 changes=audit.snapshot(moment))
    return moment


def update_moment(session: Session, *, actor: User, trajectory: Trajectory,
                  moment: EvaluationMoment, title: str, due_on: date | None) -> EvaluationMoment:
    """Change the title or date of a moment whose evaluation has not begun."""
    _require_manage(actor, trajectory)
    _require_active(trajectory)
    if moment.trajectory_id != trajectory.id:
        raise NotAllowed(_("Dit evaluatiemoment hoort niet bij dit traject."))
    _require_plannable(session, moment)
    before = audit.snapshot(moment)
    moment.title = _title(title)
    moment.due_on = _check_moment_date(trajectory, due_on, field="due_on")
    changes = audit.diff(before, audit.snapshot(moment))
    if changes:
        audit.record(session, actor=actor, action="evaluation_moment.updated", entity=moment,
                     changes=changes)
    return moment


def delete_moment(session: Session, *, actor: User, trajectory: Trajectory,
                  moment: EvaluationMoment) -> None:
    """Remove a planned moment whose evaluation has not begun."""
    _require_manage(actor, trajectory)
    _require_active(trajectory)
    if moment.trajectory_id != trajectory.id:
        raise NotAllowed(_("Dit evaluatiemoment hoort niet bij dit traject."))
    _require_plannable(session, moment)
    audit.record(session, actor=actor, action="evaluation_moment.deleted", entity=moment,
                 changes=audit.snapshot(moment))
    session.delete(moment)
    session.flush()


# --- opening and ending a trajectory --------------------------------------------------------

def open_trajectory(
    session: Session,
    *,
    actor: User,
    learner_id: int | None,
    programme_id: int | None,
    school_year: int | None,
    starts_on: date | None,
    coordinator_id: int | None = None,
    class_group: str | None = None,
    learning_form: str | None = None,
    fixed_dates: list[date] | None = None,
) -> Trajectory:
    """Open a trajectory for a learner of the school, with its evaluation moments planned.

    The moments follow the school's default (every `evaluation_interval_weeks` weeks from the
    start until 30 June, moved to training days) unless `fixed_dates` are given.
    """
    if not policy.can(actor, "learners.manage"):
        raise NotAllowed(_("Je mag geen trajecten openen."))
    learner = session.get(Learner, learner_id) if learner_id else None
    if learner is None or (actor.role != Role.ADMIN and learner.school_id != actor.school_id):
        raise DomainError(_("Kies een lerende van je school."), field="learner_id")
    if learner.anonymised_at is not None:
        raise DomainError(_("De gegevens van deze lerende zijn geanonimiseerd."),
                          field="learner_id")
    programme = session.get(Programme, programme_id) if programme_id else None
    if programme is None or not programme.is_active:
        raise DomainError(_("Kies een opleiding."), field="programme_id")
    if school_year is None or not 2000 <= school_year <= 2100:
        raise DomainError(_("Kies een schooljaar."), field="school_year")
    if starts_on is None:
        raise DomainError(_("Vul de startdatum in."), field="starts_on")
    first, last = school_year_start(school_year), school_year_end(school_year)
    if not first <= starts_on <= last:
        raise DomainError(
            _("Een traject van schooljaar %(year)s start tussen %(first)s en %(last)s.",
              year=school_year_label(school_year), first=format_date(first),
              last=format_date(last)),
            field="starts_on",
        )
    form = learning_form or LearningForm.DUAL.value
    if form not in LEARNING_FORM_LABELS:
        raise DomainError(_("Kies een leervorm."), field="learning_form")
    if coordinator_id is None and actor.role == Role.COORDINATOR:
        coordinator_id = actor.id
    if coordinator_id is not None:
        coordinator = session.get(User, coordinator_id)
        if (coordinator is None or coordinator.role != Role.COORDINATOR
                or coordinator.school_id != learner.school_id or not coordinator.is_active):
            raise DomainError(_("Kies een actieve trajectbegeleider van de school."),
                              field="coordinator_id")
    duplicate = session.execute(
        select(Trajectory.id).where(Trajectory.learner_id == learner.id,
                                    Trajectory.programme_id == programme.id,
                                    Trajectory.school_year == school_year)
    ).first()
    if duplicate:
        raise DomainError(
            _("%(name)s heeft al een traject %(programme)s in schooljaar %(year)s.",
              name=f"{learner.first_name} {learner.last_name}", programme=programme.name,
              year=school_year_label(school_year)),
            field="programme_id",
        )
    class_group = (class_group if class_group is not None else learner.class_group) or ""
    trajectory = Trajectory(
        learner_id=learner.id, programme_id=programme.id, school_id=learner.school_id,
        coordinator_id=coordinator_id, school_year=school_year, starts_on=starts_on,
        learning_form=form, class_group=class_group.strip()[:30],
    )
    session.add(trajectory)
    session.flush()
    school = session.get(School, learner.school_id)
    moments = _plan_moments(session, trajectory, school, fixed_dates)
    changes = audit.snapshot(trajectory)
    changes["evaluation_moments"] = [moment.due_on.isoformat() for moment in moments]
    changes["moments_from"] = "fixed_dates" if fixed_dates else "school_default"
    audit.record(session, actor=actor, action="trajectory.opened", entity=trajectory,
                 changes=changes)
    return trajectory


def end_trajectory(session: Session, *, actor: User, trajectory: Trajectory, status: str,
                   ends_on: date | None, reason: str) -> Trajectory:
    """End an active trajectory (qualified, unqualified, stopped, reoriented) with date and reason.

    Placements that run past the end date are shortened to it (one that would only start later
    is removed, unless it has an agreement); planned moments after it are removed.
    """
    _require_manage(actor, trajectory)
    # Re-read under a row lock: two people ending the same trajectory cannot both succeed.
    session.flush()
    session.refresh(trajectory, with_for_update=True)
    if trajectory.status != T.ACTIVE.value:
        raise DomainError(_("Dit traject is al afgesloten (%(status)s).",
                            status=STATUS_LABELS[trajectory.status]))
    if status not in ENDED_STATUSES:
        raise DomainError(_("Kies hoe het traject eindigt."), field="status")
    if ends_on is None:
        raise DomainError(_("Vul de einddatum in."), field="ends_on")
    if ends_on < trajectory.starts_on:
        raise DomainError(_("Het traject kan niet eindigen vóór de start (%(date)s).",
                            date=format_date(trajectory.starts_on)), field="ends_on")
    year_end = school_year_end(trajectory.school_year)
    if ends_on > year_end:
        raise DomainError(_("Het traject eindigt uiterlijk op %(date)s, het einde van het "
                            "schooljaar.", date=format_date(year_end)), field="ends_on")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Geef de reden of een toelichting."), field="reason")
    if len(reason) > 500:
        raise DomainError(_("Hoogstens %(n)d tekens.", n=500), field="reason")
    later = session.execute(
        select(Placement, Site.name).join(Site, Site.id == Placement.site_id)
        .where(Placement.trajectory_id == trajectory.id, Placement.ends_on > ends_on)
        .order_by(Placement.starts_on)
    ).all()
    with_agreement = set(session.execute(
        select(Agreement.placement_id).where(
            Agreement.placement_id.in_([placement.id for placement, _name in later]))
    ).scalars()) if later else set()
    shortened, removed = [], []
    for placement, site_name in later:
        if placement.starts_on > ends_on:
            if placement.id in with_agreement:
                raise DomainError(
                    _("De plaatsing bij %(site)s begint pas op %(date)s en heeft een "
                      "overeenkomst: beëindig eerst die overeenkomst.", site=site_name,
                      date=format_date(placement.starts_on)),
                    field="ends_on",
                )
            removed.append(placement.id)
            session.delete(placement)
        else:
            shortened.append([placement.id, placement.ends_on.isoformat()])
            placement.ends_on = ends_on
    moments_removed = session.execute(
        delete(EvaluationMoment).where(
            EvaluationMoment.trajectory_id == trajectory.id,
            EvaluationMoment.due_on > ends_on,
            EvaluationMoment.status == EvaluationStatus.PLANNED.value,
            ~exists().where(Evaluation.moment_id == EvaluationMoment.id),
        ).execution_options(synchronize_session=False)
    ).rowcount or 0
    before = audit.snapshot(trajectory)
    trajectory.status = status
    trajectory.ends_on = ends_on
    trajectory.end_reason = reason
    changes = audit.diff(before, audit.snapshot(trajectory))
    if shortened:
        changes["placements_shortened"] = shortened
    if removed:
        changes["placements_removed"] = removed
    if moments_removed:
        changes["moments_removed"] = moments_removed
    audit.record(session, actor=actor, action="trajectory.ended", entity=trajectory,
                 changes=changes)
    session.flush()
    return trajectory


# --- placements -----------------------------------------------------------------------------

def _mentor_name(mentor: Mentor) -> str:
    return f"{mentor.first_name} {mentor.last_name}"


def _recognition_for(session: Session, site: Site, programme: Programme,
                     starts_on: date | None = None) -> Recognition:
    """The approved recognition of the site for the programme, or the exact reason why not.

    With a renewal approved next to the current recognition, the one valid on `starts_on`.
    """
    rows = session.execute(
        select(Recognition).where(Recognition.site_id == site.id,
                                  Recognition.programme_id == programme.id)
        .order_by(Recognition.submitted_at.desc(), Recognition.id.desc())
    ).scalars().all()
    approved = [row for row in rows if row.status == RecognitionStatus.APPROVED.value]
    if approved:
        covering = [row for row in approved if starts_on and row.valid_from and row.valid_until
                    and row.valid_from <= starts_on <= row.valid_until]
        return (covering or approved)[0]
    if not rows:
        raise DomainError(
            _("%(site)s is niet erkend als leerwerkplek voor %(programme)s.", site=site.name,
              programme=programme.name),
            field="site_id",
        )
    latest = rows[0]
    if latest.status == RecognitionStatus.EXPIRED.value and latest.valid_until:
        message = _("De erkenning van %(site)s voor %(programme)s is verlopen op %(date)s.",
                    site=site.name, programme=programme.name,
                    date=format_date(latest.valid_until))
    else:
        message = _("%(site)s heeft geen goedgekeurde erkenning voor %(programme)s: de "
                    "erkenning is %(status)s.", site=site.name, programme=programme.name,
                    status=recognition_status_label(latest.status))
    raise DomainError(message, field="site_id")


def _check_validity(recognition: Recognition, site: Site, programme: Programme,
                    starts_on: date, ends_on: date, session: Session | None = None) -> None:
    """The recognition must hold on every day of the placement: from ≤ start, end ≤ until;
    an approved renewal that continues it without a gap counts for the days after its end."""
    if session is not None and recognition.valid_until is not None \
            and recognition.valid_until < ends_on:
        renewal = continuing_renewal(session, recognition)
        if renewal is not None and renewal.valid_until >= ends_on:
            ends_on = recognition.valid_until
    if recognition.valid_from is None or recognition.valid_from > starts_on:
        raise DomainError(
            _("De erkenning van %(site)s voor %(programme)s geldt pas vanaf %(date)s; de "
              "plaatsing begint op %(start)s.", site=site.name, programme=programme.name,
              date=format_date(recognition.valid_from), start=format_date(starts_on)),
            field="starts_on",
        )
    if recognition.valid_until is None or recognition.valid_until < ends_on:
        raise DomainError(
            _("De erkenning van %(site)s voor %(programme)s geldt tot en met %(date)s; de "
              "plaatsing loopt tot %(end)s.", site=site.name, programme=programme.name,
              date=format_date(recognition.valid_until), end=format_date(ends_on)),
            field="ends_on",
        )


def max_overlap(periods: list[tuple[date, date]], starts_on: date, ends_on: date) -> int:
    """The most periods running on one same day between `starts_on` and `ends_on`."""
    events: list[tuple[date, int]] = []
    for first, last in periods:
        first, last = max(first, starts_on), min(last, ends_on)
        if first <= last:
            events += [(first, 1), (last + timedelta(days=1), -1)]
    running = peak = 0
    for _day, change in sorted(events, key=lambda event: (event[0], event[1])):
        running += change
        peak = max(peak, running)
    return peak


def mentor_load(session: Session, mentor_id: int, sector_id: int, starts_on: date,
                ends_on: date, *, except_placement_id: int | None = None) -> int:
    """Learners of the sector's programmes the mentor guides at once, at most, in the period.

    A placement counts until it ends or its trajectory ended, whichever comes first; learners of
    other sectors' programmes do not fill this sector's cap (as on the company page).
    """
    rows = session.execute(
        select(Placement.starts_on, Placement.ends_on, Trajectory.ends_on)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .where(
            Placement.mentor_id == mentor_id,
            Programme.sector_id == sector_id,
            Placement.starts_on <= ends_on,
            Placement.ends_on >= starts_on,
            Placement.id != (except_placement_id or 0),
        )
    ).all()
    periods = [(first, min(last, ended) if ended else last) for first, last, ended in rows]
    return max_overlap(periods, starts_on, ends_on)


def _check_mentor(session: Session, mentor: Mentor | None, site: Site, company: Company,
                  sector: Sector, starts_on: date, ends_on: date,
                  recognition: Recognition | None = None) -> Mentor:
    if mentor is None:
        raise DomainError(_("Kies een mentor."), field="mentor_id")
    if mentor.company_id != site.company_id:
        raise DomainError(
            _("%(name)s is geen mentor van %(company)s, de onderneming van deze vestiging.",
              name=_mentor_name(mentor), company=company.name),
            field="mentor_id",
        )
    if not mentor.is_active:
        raise DomainError(_("%(name)s is niet meer actief als mentor.",
                            name=_mentor_name(mentor)), field="mentor_id")
    rules = MentorRules.from_sector(sector)
    facts = facts_at_recognition(session, [mentor], recognition)[mentor.id]
    verdict = check_mentor(facts, rules, on=starts_on)
    if not verdict.eligible:
        reasons = "; ".join(f"{rule.label}: {rule.detail}" for rule in verdict.failures)
        raise DomainError(
            _("%(name)s voldoet op %(date)s niet aan de mentorregels van de sector %(sector)s. "
              "%(reasons)s", name=_mentor_name(mentor), date=format_date(starts_on),
              sector=sector.name, reasons=reasons),
            field="mentor_id",
        )
    if rules.max_learners is not None:
        # Two coordinators placing the same mentor at once: the second waits for the first.
        session.flush()
        session.refresh(mentor, with_for_update=True)
        load = mentor_load(session, mentor.id, sector.id, starts_on, ends_on)
        if load >= rules.max_learners:
            raise DomainError(
                _("%(name)s begeleidt in deze periode al %(n)d lerende(n) van de sector "
                  "%(sector)s; de sector staat maximaal %(cap)d lerende(n) per mentor toe.",
                  name=_mentor_name(mentor), n=load, sector=sector.name,
                  cap=rules.max_learners),
                field="mentor_id",
            )
    return mentor


def _check_period(trajectory: Trajectory, starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is None:
        raise DomainError(_("Vul de begindatum in."), field="starts_on")
    if ends_on is None:
        raise DomainError(_("Vul de einddatum in."), field="ends_on")
    if ends_on < starts_on:
        raise DomainError(_("De einddatum ligt vóór de begindatum."), field="ends_on")
    if starts_on < trajectory.starts_on:
        raise DomainError(_("De plaatsing kan niet beginnen vóór de start van het traject "
                            "(%(date)s).", date=format_date(trajectory.starts_on)),
                          field="starts_on")
    if ends_on > last_day(trajectory):
        raise DomainError(_("De plaatsing moet eindigen op of vóór %(date)s, het einde van het "
                            "traject.", date=format_date(last_day(trajectory))),
                          field="ends_on")


def _check_no_overlap(session: Session, trajectory: Trajectory, starts_on: date,
                      ends_on: date) -> None:
    clash = session.execute(
        select(Placement, Site.name).join(Site, Site.id == Placement.site_id)
        .where(Placement.trajectory_id == trajectory.id, Placement.starts_on <= ends_on,
               Placement.ends_on >= starts_on)
        .order_by(Placement.starts_on).limit(1)
    ).first()
    if clash:
        other, site_name = clash
        raise DomainError(
            _("Deze periode overlapt met de plaatsing bij %(site)s van %(start)s tot en met "
              "%(end)s.", site=site_name, start=format_date(other.starts_on),
              end=format_date(other.ends_on)),
            field="starts_on",
        )


def create_placement(
    session: Session,
    *,
    actor: User,
    trajectory: Trajectory,
    site_id: int | None,
    mentor_id: int | None,
    starts_on: date | None,
    ends_on: date | None,
    hours_per_week: float | None,
    weekly_schedule: Iterable[str] | None = None,
) -> Placement:
    """Place the learner at a recognised site with a mentor, or refuse with the exact reason.

    Refused when: the dates fall outside the trajectory or overlap another of its placements;
    the site has no approved recognition for the trajectory's programme, or it does not hold on
    every day of the placement; the mentor is not of the site's company, inactive, fails a rule
    of the programme's sector on the start date, or already guides the sector's maximum of
    learners at some point in the period; the weekly schedule names an unknown half-day.
    """
    _require_manage(actor, trajectory)
    _require_active(trajectory)
    schedule = normalise_schedule(weekly_schedule)
    site = session.get(Site, site_id) if site_id else None
    if site is None:
        raise DomainError(_("Kies een erkende werkplek."), field="site_id")
    _check_period(trajectory, starts_on, ends_on)
    if hours_per_week is None or not 0 < hours_per_week <= 50:
        raise DomainError(_("Geef het aantal uren per week: meer dan 0 en hoogstens 50."),
                          field="hours_per_week")
    _check_no_overlap(session, trajectory, starts_on, ends_on)
    programme = session.get(Programme, trajectory.programme_id)
    sector = session.get(Sector, programme.sector_id)
    company = session.get(Company, site.company_id)
    recognition = _recognition_for(session, site, programme, starts_on)
    _check_validity(recognition, site, programme, starts_on, ends_on, session)
    mentor = session.get(Mentor, mentor_id) if mentor_id else None
    mentor = _check_mentor(session, mentor, site, company, sector, starts_on, ends_on,
                           recognition)
    placement = Placement(
        trajectory_id=trajectory.id, site_id=site.id, mentor_id=mentor.id,
        recognition_id=recognition.id, starts_on=starts_on, ends_on=ends_on,
        hours_per_week=float(hours_per_week), weekly_schedule=schedule,
    )
    session.add(placement)
    audit.record(session, actor=actor, action="placement.created", entity=placement,
                 changes=audit.snapshot(placement))
    return placement


def end_placement(session: Session, *, actor: User, trajectory: Trajectory,
                  placement: Placement, ends_on: date | None) -> Placement:
    """End a placement earlier (shorten it); it can only become shorter, never longer.

    When the placement had a signed agreement reaching past the new end, that agreement ends
    early, so the agreement clock restarts on the day after the new end (DOMAIN.md: a signed
    agreement is due again within 20 training days after an agreement ends early).
    """
    _require_manage(actor, trajectory)
    _require_active(trajectory)
    if placement.trajectory_id != trajectory.id:
        raise NotAllowed(_("Deze plaatsing hoort niet bij dit traject."))
    if ends_on is None:
        raise DomainError(_("Vul de einddatum in."), field="ends_on")
    if ends_on < placement.starts_on:
        raise DomainError(_("Een plaatsing kan niet eindigen vóór haar begin (%(date)s).",
                            date=format_date(placement.starts_on)), field="ends_on")
    if ends_on >= placement.ends_on:
        raise DomainError(_("Een plaatsing kan hier alleen ingekort worden; ze loopt nu tot en "
                            "met %(date)s.", date=format_date(placement.ends_on)),
                          field="ends_on")
    before = audit.snapshot(placement)
    cut_agreement = session.execute(
        select(Agreement.id).where(
            Agreement.placement_id == placement.id,
            Agreement.status.in_((AgreementStatus.SIGNED.value,
                                  AgreementStatus.TERMINATED.value)),
            Agreement.ends_on > ends_on,
        )
    ).first()
    placement.ends_on = ends_on
    changes = audit.diff(before, audit.snapshot(placement))
    if cut_agreement:
        restart = ends_on + timedelta(days=1)
        current = trajectory.agreement_clock_starts_on
        if current is None or current < restart:
            trajectory.agreement_clock_starts_on = restart
            changes["agreement_clock_starts_on"] = [
                current.isoformat() if current else None, restart.isoformat()
            ]
    audit.record(session, actor=actor, action="placement.ended", entity=placement,
                 changes=changes)
    session.flush()
    return placement


def change_schedule(session: Session, *, actor: User, trajectory: Trajectory,
                    placement: Placement, weekly_schedule: Iterable[str] | None) -> Placement:
    """Set the half-days at the workplace of a placement (a sent contract keeps what it states)."""
    _require_manage(actor, trajectory)
    _require_active(trajectory)
    if placement.trajectory_id != trajectory.id:
        raise NotAllowed(_("Deze plaatsing hoort niet bij dit traject."))
    schedule = normalise_schedule(weekly_schedule)
    before = list(placement.weekly_schedule or [])
    if schedule != before:
        placement.weekly_schedule = schedule
        audit.record(session, actor=actor, action="placement.schedule_changed",
                     entity=placement, changes={"weekly_schedule": [before, schedule]})
        session.flush()
    return placement


# --- reading --------------------------------------------------------------------------------

@dataclass
class TrajectoryContext:
    """A trajectory with the rows its page shows beside it."""

    trajectory: Trajectory
    learner: Learner
    programme: Programme
    sector: Sector
    school: School
    coordinator: User | None


def context(session: Session, trajectory: Trajectory) -> TrajectoryContext:
    """Learner, programme, sector, school and coordinator of a trajectory, in one query."""
    coordinator = aliased(User)
    learner, programme, sector, school, person = session.execute(
        select(Learner, Programme, Sector, School, coordinator)
        .select_from(Trajectory)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .join(School, School.id == Trajectory.school_id)
        .outerjoin(coordinator, coordinator.id == Trajectory.coordinator_id)
        .where(Trajectory.id == trajectory.id)
    ).one()
    return TrajectoryContext(trajectory, learner, programme, sector, school, person)


@dataclass
class PlanRow:
    """A competency of the learner's plan: where the standard path puts it, where this learner
    learns it, and whether that differs."""

    competency: Competency
    standard: str
    location: str

    @property
    def differs(self) -> bool:
        return self.location != self.standard


def training_plan(session: Session, trajectory: Trajectory) -> list[PlanRow]:
    """The learner's individual training plan: the programme's standard path, adapted by the
    trajectory's plan entries, in the programme's order (one query)."""
    rows = session.execute(
        select(Competency, TrainingPlanEntry.location)
        .outerjoin(TrainingPlanEntry, (TrainingPlanEntry.competency_id == Competency.id)
                   & (TrainingPlanEntry.trajectory_id == trajectory.id))
        .where(Competency.programme_id == trajectory.programme_id)
        .order_by(Competency.position, Competency.code, Competency.id)
    ).all()
    return [PlanRow(competency, competency.location, chosen or competency.location)
            for competency, chosen in rows]


def plan_by_location(rows: list[PlanRow]) -> dict[str, list[PlanRow]]:
    """The plan's rows under school, workplace and both."""
    plan: dict[str, list[PlanRow]] = {location.value: [] for location in CompetencyLocation}
    for row in rows:
        plan.setdefault(row.location, []).append(row)
    return plan


def save_training_plan(session: Session, *, actor: User, trajectory: Trajectory,
                       choices: dict[int, str | None]) -> dict[str, list[str]]:
    """Set where this learner learns each competency; only differences from the standard path
    are stored. Competencies not in `choices` keep their place. Returns the audited changes."""
    _require_manage(actor, trajectory)
    _require_active(trajectory)
    valid = {location.value for location in CompetencyLocation}
    rows = training_plan(session, trajectory)
    changes: dict[str, list[str]] = {}
    for row in rows:
        if row.competency.id not in choices:
            continue
        chosen = choices[row.competency.id] or row.standard
        if chosen not in valid:
            raise DomainError(_("Kies voor %(code)s: op school, op de werkplek of beide.",
                                code=row.competency.code), field=f"loc-{row.competency.id}")
        if chosen == row.location:
            continue
        changes[row.competency.code] = [row.location, chosen]
        entry = session.get(TrainingPlanEntry, (trajectory.id, row.competency.id))
        if chosen == row.standard:
            if entry is not None:
                session.delete(entry)
        elif entry is None:
            session.add(TrainingPlanEntry(trajectory_id=trajectory.id,
                                          competency_id=row.competency.id, location=chosen))
        else:
            entry.location = chosen
    if changes:
        audit.record(session, actor=actor, action="training_plan.updated", entity=trajectory,
                     changes=changes)
        session.flush()
    return changes


@dataclass
class MomentRow:
    """An evaluation moment and whether it can still be changed."""

    moment: EvaluationMoment
    has_evaluation: bool


def moments(session: Session, trajectory: Trajectory, *,
            user: User | None = None) -> list[MomentRow]:
    """The trajectory's evaluation moments by date (those `user` may see, when given), each
    with whether its evaluation began."""
    rows = session.execute(
        select(EvaluationMoment, Evaluation.id)
        .outerjoin(Evaluation, Evaluation.moment_id == EvaluationMoment.id)
        .where(EvaluationMoment.trajectory_id == trajectory.id,
               true() if user is None else policy.visible(user, EvaluationMoment))
        .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
    ).all()
    return [
        MomentRow(moment, evaluation_id is not None
                  or moment.status != EvaluationStatus.PLANNED.value)
        for moment, evaluation_id in rows
    ]


@dataclass
class PlacementRow:
    """A placement with its site, company, mentor, recognition and agreements (newest first)."""

    placement: Placement
    site: Site
    company: Company
    mentor: Mentor
    recognition: Recognition
    agreements: list[Agreement] = field(default_factory=list)

    @property
    def agreement(self) -> Agreement | None:
        """The latest version of the placement's agreement, if any."""
        return self.agreements[0] if self.agreements else None


def placements(session: Session, trajectory: Trajectory, *,
               user: User | None = None) -> list[PlacementRow]:
    """The trajectory's placements by start date (those `user` may see, when given), with
    their agreements (two queries)."""
    rows = [
        PlacementRow(*row) for row in session.execute(
            select(Placement, Site, Company, Mentor, Recognition)
            .join(Site, Site.id == Placement.site_id)
            .join(Company, Company.id == Site.company_id)
            .join(Mentor, Mentor.id == Placement.mentor_id)
            .join(Recognition, Recognition.id == Placement.recognition_id)
            .where(Placement.trajectory_id == trajectory.id,
                   true() if user is None else policy.visible(user, Placement))
            .order_by(Placement.starts_on, Placement.id)
        ).all()
    ]
    if rows:
        by_id = {row.placement.id: row for row in rows}
        for agreement in session.execute(
            select(Agreement).where(Agreement.placement_id.in_(by_id))
            .order_by(Agreement.version.desc(), Agreement.id.desc())
        ).scalars():
            by_id[agreement.placement_id].agreements.append(agreement)
    return rows


def has_signed_agreement(rows: list[PlacementRow], today: date) -> bool:
    """A signed agreement of one of the placements covers today or starts later."""
    return any(
        ((agreement.status == AgreementStatus.SIGNED.value and agreement.ends_on >= today)
         or (agreement.status == AgreementStatus.TERMINATED.value
         and agreement.terminated_on is not None and agreement.terminated_on >= today))
        and row.placement.ends_on >= today
        for row in rows for agreement in row.agreements
    )


def filter_trajectories(statement, *, school_year: int | None = None,
                        programme_id: int | None = None, class_group: str = "",
                        status: str = "", q: str = ""):
    """`statement` (which joins Trajectory and Learner) narrowed by the list filters, in SQL."""
    if school_year:
        statement = statement.where(Trajectory.school_year == school_year)
    if programme_id:
        statement = statement.where(Trajectory.programme_id == programme_id)
    if class_group.strip():
        statement = statement.where(Trajectory.class_group == class_group.strip())
    if status:
        statement = statement.where(Trajectory.status == status)
    if q.strip():
        pattern = f"%{q.strip()}%"
        full_name = Learner.first_name + " " + Learner.last_name
        statement = statement.where(or_(Learner.last_name.ilike(pattern),
                                        Learner.first_name.ilike(pattern),
                                        full_name.ilike(pattern)))
    return statement


def trajectories_statement(user: User, *, today: date, school_year: int | None = None,
                           programme_id: int | None = None, class_group: str = "",
                           status: str = "", q: str = "", attention: str = ""):
    """Visible trajectories with learner and programme, filtered in SQL.

    Rows are (Trajectory, Learner, Programme, signed, placed): whether a signed agreement covers
    today or later, and whether a placement runs today or later. With `attention` ("unsigned":
    no signed agreement; "unplaced": not even a placement) only active trajectories needing
    action are listed, earliest agreement clock first — within a school that is the order of
    the deadlines, since every trajectory there counts the same training days.
    """
    signed = signed_agreement_exists(today, seen_by=user)
    placed = placement_ahead_exists(today, seen_by=user)
    statement = (
        select(Trajectory, Learner, Programme, signed.label("signed"), placed.label("placed"))
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .where(policy.visible(user, Trajectory))
    )
    statement = filter_trajectories(statement, school_year=school_year,
                                    programme_id=programme_id, class_group=class_group,
                                    status=status, q=q)
    if attention in ("unsigned", "unplaced"):
        statement = statement.where(Trajectory.status == T.ACTIVE.value, ~signed)
        if attention == "unplaced":
            statement = statement.where(~placed)
        clock = func.coalesce(Trajectory.agreement_clock_starts_on, Trajectory.starts_on)
        return statement.order_by(clock, Learner.last_name, Learner.first_name, Trajectory.id)
    return statement.order_by(Trajectory.school_year.desc(), Learner.last_name,
                              Learner.first_name, Trajectory.id)


@dataclass
class ListRow:
    """A row of the trajectory list, with its agreement deadline when one applies."""

    trajectory: Trajectory
    learner: Learner
    programme: Programme
    signed: bool
    placed: bool
    deadline: AgreementDeadline | None


def list_rows(session: Session, rows, *, today: date) -> list[ListRow]:
    """Attach the deadline to a page of `trajectories_statement` rows (one holiday query)."""
    calendars = school_calendars(session, [row[0].school_id for row in rows
                                           if row[0].status == T.ACTIVE.value])
    result = []
    for trajectory, learner, programme, signed, placed in rows:
        deadline = None
        if trajectory.status == T.ACTIVE.value:
            deadline = agreement_deadline(trajectory, satisfied=bool(signed),
                                          calendar=calendars[trajectory.school_id], today=today)
        result.append(ListRow(trajectory, learner, programme, bool(signed), bool(placed),
                              deadline))
    return result


# --- the coordinator's worklist -------------------------------------------------------------

@dataclass(frozen=True)
class AttentionRow:
    """An active trajectory without a signed agreement, and how urgent it is."""

    trajectory_id: int
    first_name: str
    last_name: str
    programme: str
    class_group: str
    placed: bool
    awaiting_signatures: bool
    deadline: AgreementDeadline

    @property
    def kind(self) -> str:
        """'unplaced' (no placement yet) or 'unsigned' (placed, agreement not signed)."""
        return "unsigned" if self.placed else "unplaced"

    @property
    def sort_key(self) -> tuple:
        """Fewest training days left first (overdue ones, most overdue first); then unplaced."""
        return (self.deadline.days_left, self.placed, self.last_name.lower(),
                self.first_name.lower(), self.trajectory_id)


@dataclass
class Attention:
    """The coordinator's worklist: the most urgent rows and counts over all of them."""

    rows: list[AttentionRow]
    total: int
    overdue: int
    near: int
    unplaced: int


def attention(session: Session, user: User, *, today: date,
              limit: int = DASHBOARD_ROWS) -> Attention:
    """Active trajectories needing action, most urgent first: two queries whatever the size.

    Needing action: no signed agreement covering today or later — with no placement ahead
    at all, or placed but not (yet) signed. Urgency is the number of training days left until
    the agreement deadline; overdue first, then the fewest days left, unplaced before placed.
    """
    rows = session.execute(
        select(Trajectory.id, Trajectory.school_id, Trajectory.status, Trajectory.starts_on,
               Trajectory.agreement_clock_starts_on, Learner.first_name, Learner.last_name,
               Programme.name, Trajectory.class_group,
               placement_ahead_exists(today).label("placed"),
               awaiting_signatures_exists(today).label("awaiting"))
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .where(policy.visible(user, Trajectory), Trajectory.status == T.ACTIVE.value,
               ~signed_agreement_exists(today))
    ).all()
    calendars = school_calendars(session, [row.school_id for row in rows])
    n = deadline_training_days()
    items = [
        AttentionRow(
            trajectory_id=row.id, first_name=row.first_name, last_name=row.last_name,
            programme=row.name, class_group=row.class_group, placed=bool(row.placed),
            awaiting_signatures=bool(row.awaiting),
            deadline=agreement_deadline(row, satisfied=False, calendar=calendars[row.school_id],
                                        today=today, n=n),
        )
        for row in rows
    ]
    items.sort(key=lambda item: item.sort_key)
    return Attention(
        rows=items[:limit],
        total=len(items),
        overdue=sum(item.deadline.overdue for item in items),
        near=sum(item.deadline.near for item in items),
        unplaced=sum(not item.placed for item in items),
    )


# --- choosing a workplace and a mentor ------------------------------------------------------

def workplaces_statement(user: User, trajectory: Trajectory, *, on: date, q: str = "",
                         postcode: str = ""):
    """The register's workplaces recognised on `on` for the trajectory's programme."""
    filters = RegisterFilters(on=on, programme_id=trajectory.programme_id,
                              postcode=postcode if postcode.isdigit() else "", q=q)
    statement = register_statement(user, filters)
    # The register also lists approvals the daily job has not yet marked expired: the same.
    return statement.where(Recognition.status == RecognitionStatus.APPROVED.value)


def site_choice(session: Session, user: User, trajectory: Trajectory, site_id: int):
    """(Site, Company, Recognition or None) of a chosen site the user may see, or None."""
    row = session.execute(
        select(Site, Company)
        .join(Company, Company.id == Site.company_id)
        .where(Site.id == site_id, policy.visible(user, Site))
    ).first()
    if row is None:
        return None
    recognition = session.execute(
        select(Recognition).where(Recognition.site_id == site_id,
                                  Recognition.programme_id == trajectory.programme_id,
                                  Recognition.status == RecognitionStatus.APPROVED.value)
    ).scalars().first()
    return row[0], row[1], recognition


@dataclass
class MentorChoice:
    """A mentor of the chosen company, judged by the programme's sector on the start date."""

    mentor: Mentor
    eligibility: Any


def mentor_choices(session: Session, user: User, *, company_id: int, sector: Sector,
                   on: date, ends_on: date,
                   recognition: Recognition | None = None) -> list[MentorChoice]:
    """Active mentors of the company with the verdict of the sector's rules and their load."""
    mentors = session.execute(
        policy.scoped(user, Mentor)
        .where(Mentor.company_id == company_id, Mentor.is_active.is_(True))
        .order_by(Mentor.last_name, Mentor.first_name, Mentor.id)
    ).scalars().all()
    rules = MentorRules.from_sector(sector)
    loads: dict[int, int] = defaultdict(int)
    if mentors and rules.max_learners is not None:
        rows = session.execute(
            select(Placement.mentor_id, Placement.starts_on, Placement.ends_on, Trajectory.ends_on)
            .join(Trajectory, Trajectory.id == Placement.trajectory_id)
            .join(Programme, Programme.id == Trajectory.programme_id)
            .where(Placement.mentor_id.in_([mentor.id for mentor in mentors]),
                   Programme.sector_id == sector.id,
                   Placement.starts_on <= ends_on, Placement.ends_on >= on)
        ).all()
        periods: dict[int, list[tuple[date, date]]] = defaultdict(list)
        for mentor_id, first, last, ended in rows:
            periods[mentor_id].append((first, min(last, ended) if ended else last))
        for mentor_id, spans in periods.items():
            loads[mentor_id] = max_overlap(spans, on, ends_on)
    facts = facts_at_recognition(session, list(mentors), recognition)
    return [
        MentorChoice(mentor, check_mentor(facts[mentor.id], rules, on=on,
                                          active_placements=loads[mentor.id]))
        for mentor in mentors
    ]


def coordinators_of(session: Session, school_id: int) -> list[User]:
    """Active coordinators of a school, by name."""
    return list(session.execute(
        select(User).where(User.role == Role.COORDINATOR.value, User.school_id == school_id,
                           User.is_active.is_(True))
        .order_by(User.full_name, User.id)
    ).scalars())


def learners_statement(user: User, *, q: str = ""):
    """Visible learners (not anonymised) to open a trajectory for, by name."""
    statement = (
        policy.scoped(user, Learner).where(Learner.anonymised_at.is_(None))
        .order_by(Learner.last_name, Learner.first_name, Learner.id)
    )
    if q.strip():
        pattern = f"%{q.strip()}%"
        statement = statement.where(or_(Learner.last_name.ilike(pattern),
                                        Learner.first_name.ilike(pattern),
                                        Learner.class_group == q.strip()))
    return statement


def class_groups(session: Session, user: User) -> list[str]:
    """The class groups of the visible trajectories (for the list filter)."""
    return list(session.execute(
        select(Trajectory.class_group).where(policy.visible(user, Trajectory),
                                             Trajectory.class_group != "")
        .distinct().order_by(Trajectory.class_group).limit(200)
    ).scalars())

