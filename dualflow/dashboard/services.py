"""The figures and lists each role's home page shows; every query goes through the policy scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import Session

from dualflow import policy
from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Programme, School, Sector
from dualflow.companies import services as company_services
from dualflow.companies.eligibility import MentorFacts, training_deadline
from dualflow.companies.models import Company, Mentor, Site
from dualflow.evaluations import overview as evaluation_overview
from dualflow.evaluations.models import Evaluation, EvaluationMoment
from dualflow.learners.models import Learner
from dualflow.modelbase import EvaluationStatus, RecognitionStatus, Role, TrajectoryStatus, utcnow
from dualflow.notifications.models import JobRun
from dualflow.recognitions.models import Recognition
from dualflow.trajectories import company as company_view
from dualflow.trajectories import services as trajectories
from dualflow.trajectories.models import Placement, Trajectory

# The company's dashboard lists this many items per kind; the rest are in the lists.
COMPANY_ROWS = 10
# A recognition ending within this many days is listed on the company's dashboard.
RECOGNITION_EXPIRY_DAYS = 90
# A mentor training deadline within this many days is listed on the company's dashboard.
TRAINING_NOTICE_DAYS = 60
OPEN_RECOGNITION = (RecognitionStatus.SUBMITTED.value, RecognitionStatus.IN_REVIEW.value)


def _count(session: Session, user: User, model, *conditions) -> int:
    statement = (
        select(func.count())
        .select_from(model)
        .where(policy.visible(user, model), *conditions)
    )
    return session.execute(statement).scalar_one()


def admin_overview(session: Session, user: User) -> dict[str, Any]:
    """Platform-wide counts, recent audit events and the scheduler's last heartbeat."""
    counts = {
        "schools": _count(session, user, School),
        "users": _count(session, user, User, User.is_active.is_(True)),
        "programmes": _count(session, user, Programme),
        "companies": _count(session, user, Company),
        "learners": _count(session, user, Learner),
        "trajectories": _count(
            session, user, Trajectory, Trajectory.status == TrajectoryStatus.ACTIVE.value
        ),
    }
    recent = session.execute(
        select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(8)
    ).scalars().all()
    heartbeat = session.execute(
        select(JobRun).where(JobRun.job == "heartbeat").order_by(JobRun.started_at.desc()).limit(1)
    ).scalar_one_or_none()
    return {"counts": counts, "recent": recent, "heartbeat": heartbeat}


def coordinator_overview(session: Session, user: User, *, today: date) -> dict[str, Any]:
    """The school's figures and its worklist: trajectories needing action, most urgent first.

    Needing action: an active trajectory without a signed agreement covering today or later
    (no placement yet, or placed but not signed), ordered by training days left until the
    agreement deadline, overdue first. A bounded number of queries whatever the school's size.
    """
    active = Trajectory.status == TrajectoryStatus.ACTIVE.value
    worklist = trajectories.attention(session, user, today=today)
    evaluations = evaluation_overview.state_counts(
        session, user,
        evaluation_overview.OverviewFilters(school_year=trajectories.school_year_of(today)),
        today=today,
    )
    counts = {
        "learners": _count(session, user, Learner, Learner.anonymised_at.is_(None)),
        "active": _count(session, user, Trajectory, active),
        "unplaced": worklist.unplaced,
        "deadline_overdue": worklist.overdue,
        "deadline_near": worklist.near,
        "attention": worklist.total,
        # The same figures as the evaluation overview opens with (this school year), so a
        # click on them lands on a list of exactly that many moments.
        "overdue": evaluations[evaluation_overview.OVERDUE],
        "to_review": evaluations[evaluation_overview.SUBMITTED],
    }
    school = session.get(School, user.school_id)
    return {"counts": counts, "worklist": worklist, "school": school, "today": today,
            "near_days": trajectories.DEADLINE_NEAR_DAYS}


def company_overview(session: Session, user: User, *, today: date) -> dict[str, Any]:
    """The company's figures and what waits for its action: agreements to sign, evaluations
    overdue at its mentors, recognitions ending soon (a bounded number of queries)."""
    by_status = dict(
        session.execute(
            select(Recognition.status, func.count())
            .where(policy.visible(user, Recognition))
            .group_by(Recognition.status)
        ).all()
    )
    counts = {
        "sites": _count(session, user, Site),
        "mentors": _count(session, user, Mentor, Mentor.is_active.is_(True)),
        "placed": _count(
            session, user, Placement, Placement.starts_on <= today, Placement.ends_on >= today,
            Placement.site_id.in_(select(Site.id).where(Site.company_id == user.company_id)),
        ),
        "recognised": by_status.get(RecognitionStatus.APPROVED.value, 0),
        "open": sum(by_status.get(status, 0) for status in OPEN_RECOGNITION),
    }
    awaiting = session.execute(
        select(Agreement, Learner, Site)
        .select_from(Agreement)
        .join(Placement, Placement.id == Agreement.placement_id)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Site, Site.id == Placement.site_id)
        .where(policy.visible(user, Agreement), company_view.company_signature_pending())
        .order_by(Agreement.sent_at, Agreement.id)
        .limit(COMPANY_ROWS)
    ).all()
    overdue = session.execute(
        select(EvaluationMoment, Learner, Mentor)
        .select_from(EvaluationMoment)
        .join(Placement, company_view.moment_in_own_placement(user))
        .join(Trajectory, Trajectory.id == EvaluationMoment.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .where(Trajectory.status == TrajectoryStatus.ACTIVE.value,
               EvaluationMoment.status.in_(company_view.OPEN_MOMENTS),
               EvaluationMoment.due_on < today)
        .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
        .limit(COMPANY_ROWS)
    ).all()
    expiring = session.execute(
        select(Recognition, Site, Programme)
        .join(Site, Site.id == Recognition.site_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .where(policy.visible(user, Recognition),
               Recognition.status == RecognitionStatus.APPROVED.value,
               Recognition.valid_until >= today,
               Recognition.valid_until <= today + timedelta(days=RECOGNITION_EXPIRY_DAYS))
        .order_by(Recognition.valid_until, Recognition.id)
        .limit(COMPANY_ROWS)
    ).all()
    company = session.get(Company, user.company_id)
    return {"counts": counts, "company": company,
            "awaiting": awaiting, "overdue": overdue, "expiring": expiring, "today": today,
            "training": _training_due(session, user, company, today=today),
            "expiry_days": RECOGNITION_EXPIRY_DAYS}


def _training_due(session: Session, user: User, company: Company | None, *,
                  today: date) -> list[tuple[Mentor, date]]:
    """Active mentors without the mentor training whose deadline has passed or is near,
    by the rules of the company's sector; earliest deadline first."""
    if company is None:
        return []
    rules = company_services.company_rules(session, company)
    # The clock runs from the first recognition decision naming the mentor.
    first = company_services.recognised_at_subquery()
    rows = session.execute(
        select(Mentor, first.c.recognised_at)
        .join(first, first.c.mentor_id == Mentor.id)
        .where(policy.visible(user, Mentor), Mentor.company_id == company.id,
               Mentor.is_active.is_(True), Mentor.training_completed_on.is_(None))
    ).all()
    horizon = today + timedelta(days=TRAINING_NOTICE_DAYS)
    due = [(mentor, deadline) for mentor, recognised_at in rows
           if (deadline := training_deadline(MentorFacts.from_mentor(
               mentor, recognised_on=company_services.decision_day(recognised_at)), rules))
           is not None and deadline <= horizon]
    due.sort(key=lambda item: (item[1], item[0].last_name, item[0].first_name))
    return due[:COMPANY_ROWS]


@dataclass
class MentorRow:
    """A learner the mentor guides, with the next open evaluation moment the mentor fills in."""

    learner: Learner
    programme: Programme
    school: School
    site: Site
    trajectory_id: int
    next_moment: EvaluationMoment | None = None
    # The school's reason when the next moment was sent back to the mentor.
    sent_back_reason: str = ""
    open_moments: int = 0
    overdue: bool = False


def mentor_overview(session: Session, user: User, *, today: date) -> dict[str, Any]:
    """Every learner the mentor guides, from every school, with the next evaluation to fill in.

    A moment is the mentor's when one of his or her placements covers its due date (the rule
    of policy.mentor_of), so each row leads to a form the mentor may fill in.
    Learners whose placement ended still show while such a moment is open. Overdue rows come
    first, then by due date; moments the school sent back are listed apart. Two queries.
    """
    open_statuses = (EvaluationStatus.PLANNED.value, EvaluationStatus.DRAFT.value)
    active = Trajectory.status == TrajectoryStatus.ACTIVE.value
    moments = session.execute(
        select(EvaluationMoment, Evaluation.sent_back_reason, Placement.id)
        .join(Placement, and_(Placement.trajectory_id == EvaluationMoment.trajectory_id,
                              Placement.starts_on <= EvaluationMoment.due_on,
                              Placement.ends_on >= EvaluationMoment.due_on))
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .join(Trajectory, Trajectory.id == EvaluationMoment.trajectory_id)
        .outerjoin(Evaluation, Evaluation.moment_id == EvaluationMoment.id)
        .where(Mentor.user_id == user.id, active, EvaluationMoment.status.in_(open_statuses))
        .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
    ).all()
    placements = session.execute(
        select(Placement, Learner, Programme, School, Site)
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .join(School, School.id == Trajectory.school_id)
        .join(Site, Site.id == Placement.site_id)
        .where(Mentor.user_id == user.id, active,
               (Placement.ends_on >= today)
               | Placement.id.in_(sorted({placement_id for *_, placement_id in moments})))
        .order_by(Placement.starts_on, Placement.id)
    ).all()

    rows: dict[int, MentorRow] = {}
    for placement, learner, programme, school, site in placements:
        current = rows.get(placement.trajectory_id)
        # One row per learner: the placement running today wins over earlier or later ones.
        if current is None or placement.starts_on <= today:
            rows[placement.trajectory_id] = MentorRow(learner, programme, school, site,
                                                      placement.trajectory_id)
    seen: set[int] = set()
    sent_back: list[tuple[MentorRow, EvaluationMoment, str]] = []
    for moment, reason, _placement_id in moments:
        row = rows.get(moment.trajectory_id)
        if row is None or moment.id in seen:
            continue
        seen.add(moment.id)
        row.open_moments += 1
        if row.next_moment is None:
            row.next_moment, row.sent_back_reason = moment, reason or ""
            row.overdue = moment.due_on < today
        if reason and moment.status == EvaluationStatus.DRAFT.value:
            sent_back.append((row, moment, reason))

    def urgency(row: MentorRow) -> tuple:
        due = row.next_moment.due_on if row.next_moment else date.max
        return (not row.overdue, row.next_moment is None, due,
                row.learner.last_name, row.learner.first_name)

    learners = sorted(rows.values(), key=urgency)
    return {"learners": learners, "sent_back": sent_back, "today": today,
            "overdue": sum(row.overdue for row in learners)}


def sector_overview(session: Session, user: User, *, today: date) -> dict[str, Any]:
    """Open recognition requests of the sector, oldest first, with the service-level deadline."""
    sector = session.get(Sector, user.sector_id)
    open_rows = session.execute(
        select(Recognition, Site, Company, Programme)
        .join(Site, Site.id == Recognition.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(Programme, Programme.id == Recognition.programme_id)
        .where(policy.visible(user, Recognition), Recognition.status.in_(OPEN_RECOGNITION))
        .order_by(Recognition.submitted_at)
        .limit(20)
    ).all()
    late_before = utcnow() - timedelta(days=sector.decision_days if sector else 14)
    counts = {
        "open": _count(session, user, Recognition, Recognition.status.in_(OPEN_RECOGNITION)),
        "late": _count(
            session, user, Recognition, Recognition.status.in_(OPEN_RECOGNITION),
            Recognition.submitted_at < late_before,
        ),
        "approved": _count(
            session, user, Recognition, Recognition.status == RecognitionStatus.APPROVED.value
        ),
        "programmes": _count(session, user, Programme, Programme.sector_id == user.sector_id),
    }
    return {"sector": sector, "requests": open_rows, "late_before": late_before, "counts": counts}


def overview_for(session: Session, user: User, *, today: date) -> tuple[str, dict[str, Any]]:
    """The template name and context of the user's home page."""
    role = Role(user.role)
    if role == Role.ADMIN:
        return "dashboard/admin.html", admin_overview(session, user)
    if role == Role.COORDINATOR:
        return "dashboard/coordinator.html", coordinator_overview(session, user, today=today)
    if role == Role.COMPANY:
        return "dashboard/company.html", company_overview(session, user, today=today)
    if role == Role.MENTOR:
        return "dashboard/mentor.html", mentor_overview(session, user, today=today)
    return "dashboard/sector.html", sector_overview(session, user, today=today)
