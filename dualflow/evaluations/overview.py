"""The coordinator's overview of evaluation moments: what is late, with whom, and what to review.

The visible moments, with learner, programme, class, the mentor and company of the placement
that covers the moment's due date, and the evaluation's dates. One set of conditions (scope,
filters, state) serves the list, the counts on its tabs, the CSV export and the dashboard's
figures, so they always agree. Reads only: nothing here changes data.

States (what the coordinator does about a moment):
- `overdue`: planned or draft, due before today — chase the mentor;
- `due`: planned or draft, due today or later — coming up;
- `submitted`: the mentor submitted, waiting for the school's review;
- `reviewed`: reviewed by the school, done.
Open moments of a trajectory that has ended are left out: nobody will evaluate them any more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dualflow import policy
from dualflow.accounts.models import User
from dualflow.catalog.models import Programme, School
from dualflow.companies.models import Company, Mentor, Site
from dualflow.evaluations.models import Evaluation, EvaluationMoment
from dualflow.learners.models import Learner
from dualflow.modelbase import EvaluationStatus, TrajectoryStatus
from dualflow.pagination import Page
from dualflow.trajectories.models import Placement, Trajectory

OVERDUE, SUBMITTED, DUE, REVIEWED = "overdue", "submitted", "due", "reviewed"
# Tab order, and the order of the "all" list: what needs the coordinator first.
STATES = (OVERDUE, SUBMITTED, DUE, REVIEWED)
PAGE_SIZE = 25
# A moment due within this many days is "soon" (highlighted in the due list).
DUE_SOON_DAYS = 14
# Rows per round trip when the export streams the whole filtered list.
EXPORT_BATCH = 500

_OPEN = (EvaluationStatus.PLANNED.value, EvaluationStatus.DRAFT.value)
_FINAL = (EvaluationStatus.SUBMITTED.value, EvaluationStatus.REVIEWED.value)


@dataclass(frozen=True)
class OverviewFilters:
    """What the coordinator narrowed the overview down to; empty values filter nothing."""

    school_year: int | None = None
    school_id: int | None = None
    programme_id: int | None = None
    class_group: str = ""
    trajectory_id: int | None = None
    mentor_id: int | None = None
    state: str = ""
    q: str = ""


@dataclass(frozen=True)
class OverviewRow:
    """One evaluation moment as the overview shows it."""

    moment_id: int
    title: str
    due_on: date
    status: str
    state: str
    trajectory_id: int
    class_group: str
    learner_first_name: str
    learner_last_name: str
    programme: str
    school: str
    mentor_id: int | None
    mentor_name: str
    mentor_email: str
    mentor_phone: str
    company: str
    site: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    today: date

    @property
    def learner_name(self) -> str:
        """'Last, First' as the lists of the application show learners."""
        return f"{self.learner_last_name}, {self.learner_first_name}"

    @property
    def days_late(self) -> int:
        """Days past the due date of an overdue moment; 0 otherwise."""
        return (self.today - self.due_on).days if self.state == OVERDUE else 0

    @property
    def days_until_due(self) -> int:
        """Days left until a coming moment is due; 0 otherwise."""
        return (self.due_on - self.today).days if self.state == DUE else 0

    @property
    def due_soon(self) -> bool:
        """Whether a coming moment falls within the next DUE_SOON_DAYS."""
        return self.state == DUE and self.days_until_due <= DUE_SOON_DAYS


def state_of(today: date):
    """SQL: the state of the moment (one of STATES), given today's date."""
    return case(
        (EvaluationMoment.status == EvaluationStatus.SUBMITTED.value, literal(SUBMITTED)),
        (EvaluationMoment.status == EvaluationStatus.REVIEWED.value, literal(REVIEWED)),
        (EvaluationMoment.due_on < today, literal(OVERDUE)),
        else_=literal(DUE),
    )


def _state_condition(state: str, today: date):
    if state == OVERDUE:
        return and_(EvaluationMoment.status.in_(_OPEN), EvaluationMoment.due_on < today)
    if state == DUE:
        return and_(EvaluationMoment.status.in_(_OPEN), EvaluationMoment.due_on >= today)
    if state == SUBMITTED:
        return EvaluationMoment.status == EvaluationStatus.SUBMITTED.value
    return EvaluationMoment.status == EvaluationStatus.REVIEWED.value


def _covering_placement():
    """SQL: the placement of the moment's trajectory that runs on its due date (latest start).

    The trajectory rules forbid overlapping placements; picking one in a subquery still keeps
    one row per moment, so counts and pages stay right whatever the data.
    """
    candidate = aliased(Placement)
    return (
        select(candidate.id)
        .where(candidate.trajectory_id == EvaluationMoment.trajectory_id,
               candidate.starts_on <= EvaluationMoment.due_on,
               candidate.ends_on >= EvaluationMoment.due_on)
        .order_by(candidate.starts_on.desc(), candidate.id.desc())
        .limit(1)
        .correlate(EvaluationMoment)
        .scalar_subquery()
    )


def _filtered(statement, user: User, filters: OverviewFilters):
    """`statement` (over moments joined to trajectory and learner) narrowed to the filters."""
    relevant = or_(Trajectory.status == TrajectoryStatus.ACTIVE.value,
                   EvaluationMoment.status.in_(_FINAL))
    statement = statement.where(
        policy.visible(user, EvaluationMoment),
        # The same scope on the joined trajectory lets the database start from the school's
        # trajectories (ix_trajectories_school_year_status) instead of from all moments.
        policy.visible(user, Trajectory),
        relevant,
    )
    if filters.school_year:
        statement = statement.where(Trajectory.school_year == filters.school_year)
    if filters.school_id:
        statement = statement.where(Trajectory.school_id == filters.school_id)
    if filters.programme_id:
        statement = statement.where(Trajectory.programme_id == filters.programme_id)
    if filters.class_group.strip():
        statement = statement.where(Trajectory.class_group == filters.class_group.strip())
    if filters.trajectory_id:
        statement = statement.where(EvaluationMoment.trajectory_id == filters.trajectory_id)
    if filters.mentor_id:
        statement = statement.where(Placement.mentor_id == filters.mentor_id)
    if filters.q.strip():
        pattern = f"%{filters.q.strip()}%"
        full_name = Learner.first_name + " " + Learner.last_name
        statement = statement.where(or_(Learner.last_name.ilike(pattern),
                                        Learner.first_name.ilike(pattern),
                                        full_name.ilike(pattern)))
    return statement


def _joined(statement, *, with_placement: bool):
    statement = (
        statement
        .join(Trajectory, Trajectory.id == EvaluationMoment.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
    )
    if with_placement:
        statement = statement.outerjoin(Placement, Placement.id == _covering_placement())
    return statement


def _selection(columns, user: User, filters: OverviewFilters, *, today: date,
               with_placement: bool):
    """`columns` of the moments matching `filters` (state included), most urgent first.

    Order: overdue (most days late first), submitted (waiting longest first), due (soonest
    first), reviewed (latest review first); then by learner name.
    """
    state = state_of(today)
    statement = _joined(select(*columns).select_from(EvaluationMoment),
                        with_placement=with_placement)
    statement = statement.outerjoin(Evaluation, Evaluation.moment_id == EvaluationMoment.id)
    statement = _filtered(statement, user, filters)
    if filters.state in STATES:
        statement = statement.where(_state_condition(filters.state, today))
    rank = case(*((state == name, index) for index, name in enumerate(STATES)), else_=len(STATES))
    return statement.order_by(
        rank,
        case((state == SUBMITTED, Evaluation.submitted_at)).asc().nulls_last(),
        case((state == REVIEWED, Evaluation.reviewed_at)).desc().nulls_last(),
        EvaluationMoment.due_on,
        Learner.last_name, Learner.first_name, EvaluationMoment.id,
    )


def _detail_columns(today: date) -> tuple:
    mentor_account = aliased(User, name="mentor_account")
    mentor_name = Mentor.first_name + " " + Mentor.last_name
    # The mentor's own address; a mentor with an account but none on file is reached there.
    mentor_email = func.coalesce(func.nullif(Mentor.email, ""), mentor_account.email, "")
    columns = (
        EvaluationMoment.id, EvaluationMoment.title, EvaluationMoment.due_on,
        EvaluationMoment.status, state_of(today).label("state"), EvaluationMoment.trajectory_id,
        Trajectory.class_group, Learner.first_name, Learner.last_name,
        Programme.name.label("programme"), School.name.label("school"),
        Mentor.id.label("mentor_id"), mentor_name.label("mentor_name"),
        mentor_email.label("mentor_email"), Mentor.phone.label("mentor_phone"),
        Company.name.label("company"), Site.name.label("site"),
        Evaluation.submitted_at, Evaluation.reviewed_at,
    )
    return columns, mentor_account


def _with_details(statement, mentor_account):
    return (
        statement
        .join(Programme, Programme.id == Trajectory.programme_id)
        .join(School, School.id == Trajectory.school_id)
        .outerjoin(Mentor, Mentor.id == Placement.mentor_id)
        .outerjoin(mentor_account, mentor_account.id == Mentor.user_id)
        .outerjoin(Site, Site.id == Placement.site_id)
        .outerjoin(Company, Company.id == Site.company_id)
    )


def moments_statement(user: User, filters: OverviewFilters, *, today: date):
    """Every visible moment matching `filters` with all it shows, most urgent first."""
    columns, mentor_account = _detail_columns(today)
    return _with_details(_selection(columns, user, filters, today=today, with_placement=True),
                         mentor_account)


def _row(values, today: date) -> OverviewRow:
    return OverviewRow(
        moment_id=values.id, title=values.title, due_on=values.due_on, status=values.status,
        state=values.state, trajectory_id=values.trajectory_id,
        class_group=values.class_group or "", learner_first_name=values.first_name,
        learner_last_name=values.last_name, programme=values.programme, school=values.school,
        mentor_id=values.mentor_id, mentor_name=values.mentor_name or "",
        mentor_email=values.mentor_email or "", mentor_phone=values.mentor_phone or "",
        company=values.company or "", site=values.site or "",
        submitted_at=values.submitted_at, reviewed_at=values.reviewed_at, today=today,
    )


def _rows_of(session: Session, moment_ids: list[int], *, today: date) -> list[OverviewRow]:
    """The rows of the given (already scoped) moments, in the order of `moment_ids`."""
    if not moment_ids:
        return []
    columns, mentor_account = _detail_columns(today)
    statement = _with_details(
        _joined(select(*columns).select_from(EvaluationMoment), with_placement=True)
        .outerjoin(Evaluation, Evaluation.moment_id == EvaluationMoment.id),
        mentor_account,
    ).where(EvaluationMoment.id.in_(moment_ids))
    by_id = {values.id: _row(values, today) for values in session.execute(statement)}
    return [by_id[moment_id] for moment_id in moment_ids if moment_id in by_id]


def state_counts(session: Session, user: User, filters: OverviewFilters, *,
                 today: date) -> dict[str, int]:
    """{state: number of moments} under every filter but the state itself; one grouped query."""
    state = state_of(today)
    statement = _joined(select(state.label("state"), func.count()).select_from(EvaluationMoment),
                        with_placement=bool(filters.mentor_id))
    statement = _filtered(statement, user, filters).group_by(state)
    counts = dict.fromkeys(STATES, 0)
    counts.update(dict(session.execute(statement).all()))
    return counts


@dataclass
class Overview:
    """A page of the overview and the counts of its tabs."""

    page: Page
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Moments in every state under the current filters."""
        return sum(self.counts.values())


def overview(session: Session, user: User, filters: OverviewFilters, *, today: date,
             page: int = 1, per_page: int = PAGE_SIZE) -> Overview:
    """One page of moments and the per-state counts: three queries whatever the number of rows.

    The grouped counts already give the total, so no separate count is needed. The page is
    chosen on the narrow join (moment, trajectory, learner, evaluation) and only its rows get
    the placement, mentor and company: sorting a whole school year does not drag them along.
    """
    counts = state_counts(session, user, filters, today=today)
    total = counts[filters.state] if filters.state in STATES else sum(counts.values())
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    moment_ids = list(session.execute(
        _selection((EvaluationMoment.id,), user, filters, today=today,
                   with_placement=bool(filters.mentor_id))
        .limit(per_page).offset((page - 1) * per_page)
    ).scalars())
    items = _rows_of(session, moment_ids, today=today)
    return Overview(page=Page(items=items, total=total, page=page, per_page=per_page),
                    counts=counts)


def export_rows(session: Session, user: User, filters: OverviewFilters, *,
                today: date) -> Iterator[OverviewRow]:
    """Every moment matching `filters`, in overview order, fetched in batches (for the CSV)."""
    statement = moments_statement(user, filters, today=today)
    result = session.execute(statement.execution_options(yield_per=EXPORT_BATCH))
    try:
        for values in result:
            yield _row(values, today)
    finally:
        # A download cut off half-way: the server-side cursor goes now, not when collected.
        result.close()


def programme_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """Programmes of the trajectories the user sees (for the filter), by name."""
    visible = select(Trajectory.programme_id).where(policy.visible(user, Trajectory))
    return [(row.id, row.name) for row in session.execute(
        select(Programme.id, Programme.name).where(Programme.id.in_(visible))
        .order_by(Programme.name)
    ).all()]


def school_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """Schools the user may filter on (admins: all), by name."""
    return [(row.id, row.name) for row in session.execute(
        select(School.id, School.name).where(policy.visible(user, School)).order_by(School.name)
    ).all()]


def mentor_label(session: Session, user: User, mentor_id: int) -> str | None:
    """'First Last (Company)' of a mentor the user may see, for the active-filter chip."""
    row = session.execute(
        select(Mentor.first_name, Mentor.last_name, Company.name)
        .join(Company, Company.id == Mentor.company_id)
        .where(Mentor.id == mentor_id, policy.visible(user, Mentor))
    ).first()
    return f"{row.first_name} {row.last_name} ({row.name})" if row else None


def trajectory_label(session: Session, user: User, trajectory_id: int) -> str | None:
    """'Last, First · Programme' of a trajectory the user may see, for the active-filter chip."""
    row = session.execute(
        select(Learner.first_name, Learner.last_name, Programme.name)
        .select_from(Trajectory)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .where(Trajectory.id == trajectory_id, policy.visible(user, Trajectory))
    ).first()
    return f"{row.last_name}, {row.first_name} · {row.name}" if row else None
