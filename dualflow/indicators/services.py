"""The STEM-agenda indicators, counted in SQL from the trajectories, recognitions and evaluations.

Definitions (the page states them in the same words):

- Count date: school year Y is counted on `settings.count_date(Y)` (1 February of Y + 1 by
  default), or today when that date is still to come. A trajectory counts for Y when it belongs
  to school year Y and runs on that date: `starts_on <= date` and (`ends_on` empty or
  `ends_on >= date`). A learner who starts in March, or left in January, is not counted.
- Learners are distinct learners; a learner with two programmes in one group counts once.
- STEM: programmes whose STEM label is in `settings.stem_labels` (only "STEM" by default).
- Girls: gender F. Learners with gender X count in every total, never as girls.
  "Girls among STEM learners" = girls in STEM / all learners in STEM;
  "girls who chose STEM" = girls in STEM / all girls.
- Dual share: trajectories with learning form `duaal` among all trajectories counted; the change
  is in percentage points against the reference year, the target that share plus
  `dual_points_per_year` for every year since.
- Recognised workplaces: recognitions (a site for a programme) approved or since expired, valid
  on the count date. Withdrawn ones are left out: the date of withdrawal is not kept on them.
- Recognition lead time: calendar days (UTC) from the request (`submitted_at`) to the first
  decision (`decided_at`), per school year of the decision; median, and the share decided within
  the sector's decision term (`Sector.decision_days`).
- Evaluation timeliness: evaluation moments of the school year's trajectories whose due date has
  passed (open moments of trajectories that ended before the due date are left out); on time =
  submitted on or before the due date (UTC date of submission); median days late among the
  evaluations submitted after the due date.
- Intake: learners with a trajectory in the school year. The outcome of a trajectory is the
  class council's decision (passes, does not pass, qualification obtained); a trajectory ended
  as `qualified` without a decision counts as "qualification obtained". Decided: learners with
  an outcome. Progression (doorstroom): learners whose outcome is "passes" or "qualification
  obtained", as a share of the decided learners; qualified exit: learners whose outcome is
  "qualification obtained", as a share of the decided learners too. Learners still waiting
  for the council (or who left before it) are not in either share: a year without decisions
  shows no share rather than 0 %.

Every count is limited to what the user may see: admins all (with optional school and sector
filters), coordinators their school, sector users the programmes of their sector.
Medians come from histograms (value -> count) that the database groups, so only a few hundred
rows ever leave it, whatever the size of the data. Reads only: nothing here changes data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlmodel import Session

from dualflow import policy
from dualflow.accounts.models import User
from dualflow.catalog.models import Programme, School, Sector
from dualflow.evaluations.models import Evaluation, EvaluationMoment
from dualflow.indicators.sql import calendar_date, days_between
from dualflow.indicators.targets import IndicatorSettings
from dualflow.learners.models import Learner
from dualflow.modelbase import (
    CouncilDecision,
    EvaluationStatus,
    Gender,
    LearningForm,
    Level,
    RecognitionStatus,
    Role,
    Track,
    TrajectoryStatus,
)
from dualflow.recognitions.models import Recognition
from dualflow.trajectories.models import ClassCouncilDecision, Placement, Trajectory
from dualflow.trajectories.services import school_year_end, school_year_of

# Roles that see the indicators (see the report: a candidate for policy.PERMISSIONS).

# Recognitions that were approved; an expired one still counts on dates it was valid.
_RECOGNISED = (RecognitionStatus.APPROVED.value, RecognitionStatus.EXPIRED.value)
_WITH_WORKPLACE_LEARNING = (LearningForm.DUAL.value, LearningForm.WORKPLACE_LEARNING.value)
_OPEN_MOMENTS = (EvaluationStatus.PLANNED.value, EvaluationStatus.DRAFT.value)
_LEVEL_ORDER = [level.value for level in Level]
_TRACK_ORDER = [track.value for track in Track]


@dataclass(frozen=True)
class IndicatorFilters:
    """The school year to count (None: the default), the reference year, a school or sector."""

    school_year: int | None
    reference_year: int
    school_id: int | None = None
    sector_id: int | None = None


def _share(part: int | None, whole: int | None) -> float | None:
    """`part` of `whole` in percent; None when there is nothing to divide by."""
    if not whole:
        return None
    return 100.0 * (part or 0) / whole


@dataclass(frozen=True)
class StemCounts:
    """Distinct learners counted on the count date, in STEM and of them girls."""

    learners: int = 0
    stem: int = 0
    girls: int = 0
    girls_stem: int = 0

    @property
    def stem_share(self) -> float | None:
        """Share of learners in STEM programmes (%)."""
        return _share(self.stem, self.learners)

    @property
    def girls_among_stem(self) -> float | None:
        """Share of girls among the learners in STEM programmes (%)."""
        return _share(self.girls_stem, self.stem)

    @property
    def girls_choosing_stem(self) -> float | None:
        """Share of the girls who are in a STEM programme (%)."""
        return _share(self.girls_stem, self.girls)


@dataclass(frozen=True)
class StemGroup:
    """A row of the STEM table: a monitor group, or a level and track no group covers."""

    key: str
    level: str
    track: str | None
    is_monitor_group: bool


@dataclass(frozen=True)
class DualYear:
    """Trajectories counted in a school year, by learning form."""

    school_year: int
    trajectories: int
    dual: int
    workplace_learning: int

    @property
    def dual_share(self) -> float | None:
        """Share of dual trajectories (%)."""
        return _share(self.dual, self.trajectories)

    @property
    def workplace_learning_share(self) -> float | None:
        """Share of trajectories with workplace learning, dual included (%)."""
        return _share(self.workplace_learning, self.trajectories)


@dataclass(frozen=True)
class WorkplaceRow:
    """Recognised workplaces of one programme on the count date."""

    sector: str
    programme: str
    programme_code: str
    workplaces: int


@dataclass(frozen=True)
class LeadTime:
    """Recognition decisions of a sector (or all sectors) in a school year."""

    decisions: int = 0
    within_term: int = 0
    median_days: float | None = None

    @property
    def within_term_share(self) -> float | None:
        """Share decided within the sector's decision term (%)."""
        return _share(self.within_term, self.decisions)


@dataclass(frozen=True)
class SectorLeadTime:
    """A sector's recognition lead time in the selected school year."""

    sector: str
    decision_days: int
    lead_time: LeadTime


@dataclass(frozen=True)
class Timeliness:
    """Evaluation moments due in a school year and how they were submitted."""

    school_year: int
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    median_days_late: float | None = None

    @property
    def on_time_share(self) -> float | None:
        """Share of the due evaluations submitted on or before the due date (%)."""
        return _share(self.on_time, self.due)


@dataclass(frozen=True)
class Flow:
    """Intake, the class council's outcomes, progression and qualified exit of a school year."""

    school_year: int
    intake: int = 0
    intake_stem: int = 0
    # Learners with an outcome: a council decision, or a trajectory ended as qualified.
    decided: int = 0
    # Outcome "passes" or "qualification obtained".
    progressed: int = 0
    # Outcome "qualification obtained".
    qualified: int = 0
    qualified_stem: int = 0
    # Whether the school year is over (its exits are final).
    complete: bool = True

    @property
    def progression_share(self) -> float | None:
        """Share of the decided learners who pass or obtained the qualification (%)."""
        return _share(self.progressed, self.decided)

    @property
    def qualified_share(self) -> float | None:
        """Share of the decided learners who obtained the qualification (%)."""
        return _share(self.qualified, self.decided)

    @property
    def undecided(self) -> int:
        """Learners of the year without an outcome (yet)."""
        return max(0, self.intake - self.decided)


@dataclass
class Indicators:
    """Every figure of the indicators page for one user, filter set and day."""

    settings: IndicatorSettings
    filters: IndicatorFilters
    today: date
    years: list[int]
    count_dates: dict[int, date]
    groups: list[StemGroup] = field(default_factory=list)
    stem: dict[tuple[int, str], StemCounts] = field(default_factory=dict)
    stem_totals: dict[int, StemCounts] = field(default_factory=dict)
    dual: list[DualYear] = field(default_factory=list)
    workplaces: list[WorkplaceRow] = field(default_factory=list)
    workplaces_by_year: dict[int, int] = field(default_factory=dict)
    lead_time_by_sector: list[SectorLeadTime] = field(default_factory=list)
    lead_time_by_year: dict[int, LeadTime] = field(default_factory=dict)
    # Recognition figures have their own years: decisions may predate the first trajectory.
    recognition_years: list[int] = field(default_factory=list)
    timeliness: list[Timeliness] = field(default_factory=list)
    flow: list[Flow] = field(default_factory=list)

    @property
    def count_date(self) -> date:
        """The date the selected school year is counted on."""
        return self.count_dates[self.filters.school_year]

    @property
    def official_count_date(self) -> date:
        """The configured count date of the selected year (maybe still to come)."""
        return self.settings.count_date(self.filters.school_year)

    @property
    def has_data(self) -> bool:
        """Whether the selection holds any trajectory at all."""
        return bool(self.stem_totals) or bool(self.dual)

    @property
    def only_dual(self) -> bool:
        """Whether every counted trajectory is dual: a share of dual says nothing then."""
        return all(year.dual == year.trajectories for year in self.dual)

    def dual_of(self, school_year: int) -> DualYear | None:
        """The dual figures of `school_year`, if it has trajectories."""
        return next((year for year in self.dual if year.school_year == school_year), None)

    @property
    def reference(self) -> DualYear | None:
        """The dual figures of the reference year, if the data holds it."""
        return self.dual_of(self.filters.reference_year)

    def dual_change(self, year: DualYear) -> float | None:
        """Change of the dual share since the reference year, in percentage points."""
        reference = self.reference
        if reference is None or reference.dual_share is None or year.dual_share is None:
            return None
        return year.dual_share - reference.dual_share

    def dual_target(self, school_year: int) -> float | None:
        """The dual share aimed at in `school_year`: reference + points a year, at most 100."""
        reference = self.reference
        if reference is None or reference.dual_share is None:
            return None
        years = school_year - self.filters.reference_year
        return min(100.0, reference.dual_share + years * self.settings.dual_points_per_year)

    def dual_growth(self, year: DualYear) -> float | None:
        """Change of the number of dual trajectories since the reference year (%)."""
        reference = self.reference
        if reference is None or not reference.dual:
            return None
        return 100.0 * (year.dual - reference.dual) / reference.dual

    def stem_of(self, school_year: int, group_key: str) -> StemCounts:
        """The STEM counts of one group in one year (zeros when none)."""
        return self.stem.get((school_year, group_key), StemCounts())


# --- scope ---------------------------------------------------------------------------------


def may_view(user: User) -> bool:
    """Whether `user` may open the indicators (admins, coordinators and sector users)."""
    return policy.may(user, "indicators.view")


def _sector_programmes(sector_id: int):
    return select(Programme.id).where(Programme.sector_id == sector_id)


@dataclass(frozen=True)
class Scope:
    """The SQL conditions of what is counted for one user and filter set."""

    trajectories: Any
    recognitions: Any
    # An admin without filters counts the whole database.
    whole_database: bool

    def in_storage_order(self, foreign_key):
        """`foreign_key` as a join key; for whole-database counts, one no index can serve.

        Without table statistics SQLite walks an index into the big table (trajectories,
        evaluations) and fetches its rows in random order; scanning the big table in storage
        order and looking the other side up by primary key is two to three times faster when
        every row is counted anyway. `+ 0` keeps the value and hides the index. A restricted
        count (a school, a sector) keeps the index that finds its few rows.
        """
        return foreign_key + 0 if self.whole_database else foreign_key


def scope_for(user: User, filters: IndicatorFilters) -> Scope:
    """What `user` counts under `filters`.

    Trajectories: what policy.counted_trajectories allows (admins all, coordinators their
    school, sector users their sector's programmes).
    Recognitions: what policy.visible allows; for a school (a coordinator, or an admin who picked
    one) only the workplaces its learners are or were placed at.
    """
    trajectories = [policy.counted_trajectories(user)]
    recognitions = [policy.visible(user, Recognition)]
    if filters.school_id:
        trajectories.append(Trajectory.school_id == filters.school_id)
    if filters.sector_id:
        trajectories.append(Trajectory.programme_id.in_(_sector_programmes(filters.sector_id)))
        recognitions.append(Recognition.programme_id.in_(_sector_programmes(filters.sector_id)))
    if user.role == Role.COORDINATOR or filters.school_id:
        used = (select(Placement.recognition_id)
                .join(Trajectory, Trajectory.id == Placement.trajectory_id)
                .where(*trajectories))
        recognitions.append(Recognition.id.in_(used))
    whole = user.role == Role.ADMIN and not filters.school_id and not filters.sector_id
    return Scope(and_(*trajectories), and_(*recognitions), whole)


# --- the figures ---------------------------------------------------------------------------


def school_years(session: Session, scope: Scope) -> list[int]:
    """The school years the selection holds trajectories of, oldest first."""
    statement = (select(Trajectory.school_year).distinct()
                 .where(scope.trajectories)
                 .order_by(Trajectory.school_year))
    return list(session.execute(statement).scalars())


def effective_count_dates(settings: IndicatorSettings, years: list[int],
                          today: date) -> dict[int, date]:
    """Per school year the day it is counted on: the count date, or today if that is earlier."""
    return {year: min(settings.count_date(year), today) for year in years}


def _count_day(count_dates: dict[int, date]):
    """SQL: the count date of the trajectory's school year."""
    return case(
        *((Trajectory.school_year == year, literal(on, Date)) for year, on in count_dates.items()),
        else_=null(),
    )


def stem_groups(settings: IndicatorSettings, keys: set[str]) -> list[StemGroup]:
    """The rows of the STEM table for the group keys found in the data, in a fixed order."""
    monitor = {group.key: group for group in settings.groups}
    rows = []
    for key in keys:
        if key in monitor:
            rows.append(StemGroup(key, monitor[key].level, monitor[key].track, True))
        else:
            level, _, track = key.partition(":")
            rows.append(StemGroup(key, level, track, False))

    def order(row: StemGroup):
        level = _LEVEL_ORDER.index(row.level) if row.level in _LEVEL_ORDER else 99
        track = _TRACK_ORDER.index(row.track) if row.track in _TRACK_ORDER else -1
        return level, track, row.key

    return sorted(rows, key=order)


def _group_key(settings: IndicatorSettings):
    """SQL: the STEM table row a programme falls in: its monitor group, else level:track."""
    whens = []
    for group in settings.groups:
        condition = Programme.level == group.level
        if group.track is not None:
            condition = and_(condition, Programme.track == group.track)
        whens.append((condition, literal(group.key)))
    own = Programme.level + literal(":") + Programme.track
    return case(*whens, else_=own) if whens else own


def _flag(condition):
    return case((condition, 1), else_=0)


# Outcomes after which the learner moves on: progression.
_PROGRESSING = (CouncilDecision.PASSES.value, CouncilDecision.QUALIFIED.value)


def _outcome():
    """SQL: the trajectory's outcome: the council's decision; without one, "qualified" for a
    trajectory ended as qualified; else NULL (not decided)."""
    return case(
        (ClassCouncilDecision.decision.is_not(None), ClassCouncilDecision.decision),
        (Trajectory.status == TrajectoryStatus.QUALIFIED.value,
         literal(CouncilDecision.QUALIFIED.value)),
        else_=null(),
    )


# Row kinds of the one statement that counts everything about trajectories.
_GROUP, _YEAR, _FLOW = "group", "year", "flow"


def _trajectory_statement(scope: Scope, settings: IndicatorSettings,
                          count_dates: dict[int, date]):
    """SQL: per school year the STEM counts (per group and in all), learning forms and flow.

    One pass over the trajectories in scope (a CTE the database computes once), then three
    aggregations of it in one UNION ALL; each answer row starts with its kind. Group columns
    are computed in the CTE: PostgreSQL cannot match a GROUP BY expression holding bound
    parameters to the same expression in the select list.
    """
    day = _count_day(count_dates)
    outcome = _outcome()
    base = (
        select(
            Trajectory.school_year.label("school_year"),
            _group_key(settings).label("group_key"),
            Trajectory.learner_id.label("learner_id"),
            _flag(Programme.stem_label.in_(settings.stem_labels)).label("stem"),
            _flag(Learner.gender == Gender.FEMALE.value).label("girl"),
            _flag(Trajectory.learning_form == LearningForm.DUAL.value).label("dual"),
            _flag(Trajectory.learning_form.in_(_WITH_WORKPLACE_LEARNING)).label("workplace"),
            _flag(outcome.is_not(None)).label("decided"),
            _flag(outcome.in_(_PROGRESSING)).label("progresses"),
            _flag(outcome == CouncilDecision.QUALIFIED.value).label("qualified"),
            _flag(and_(Trajectory.starts_on <= day,
                       or_(Trajectory.ends_on.is_(None), Trajectory.ends_on >= day))
                  ).label("counted"),
        )
        .join(Programme, Programme.id == scope.in_storage_order(Trajectory.programme_id))
        .join(Learner, Learner.id == Trajectory.learner_id)
        .outerjoin(ClassCouncilDecision, ClassCouncilDecision.trajectory_id == Trajectory.id)
        .where(scope.trajectories)
        .cte("counted_trajectories")
    )

    def learners(table, *conditions):
        if not conditions:
            return func.count(distinct(table.c.learner_id))
        return func.count(distinct(case((and_(*(table.c[name] == 1 for name in conditions)),
                                         table.c.learner_id), else_=null())))

    def stem_columns(table):
        return (learners(table), learners(table, "stem"), learners(table, "girl"),
                learners(table, "stem", "girl"))

    zero, no_group = literal_column("0"), literal_column("NULL")
    per_group = (select(literal_column(f"'{_GROUP}'"), base.c.school_year, base.c.group_key,
                        *stem_columns(base), zero, zero, zero)
                 .where(base.c.counted == 1)
                 .group_by(base.c.school_year, base.c.group_key))
    per_year = (select(literal_column(f"'{_YEAR}'"), base.c.school_year, no_group,
                       *stem_columns(base), func.count(), func.sum(base.c.dual),
                       func.sum(base.c.workplace))
                .where(base.c.counted == 1)
                .group_by(base.c.school_year))
    per_flow = (select(literal_column(f"'{_FLOW}'"), base.c.school_year, no_group,
                       learners(base), learners(base, "stem"), learners(base, "decided"),
                       learners(base, "progresses"), learners(base, "qualified"),
                       learners(base, "qualified", "stem"), zero)
                .group_by(base.c.school_year))
    return union_all(per_group, per_year, per_flow)


def _trajectory_figures(session: Session, scope: Scope, settings: IndicatorSettings,
                        count_dates: dict[int, date], result: Indicators) -> None:
    """Fill in the STEM counts, the learning forms and the flow from one statement."""
    dual, flow = [], []
    for kind, school_year, group_key, *numbers in session.execute(
            _trajectory_statement(scope, settings, count_dates)):
        school_year, numbers = int(school_year), [int(number or 0) for number in numbers]
        if kind == _GROUP:
            result.stem[school_year, group_key] = StemCounts(*numbers[:4])
        elif kind == _YEAR:
            result.stem_totals[school_year] = StemCounts(*numbers[:4])
            dual.append(DualYear(school_year, *numbers[4:7]))
        else:
            flow.append(Flow(school_year, *numbers[:6],
                             complete=school_year_end(school_year) < result.today))
    result.dual = sorted(dual, key=lambda year: year.school_year)
    result.flow = sorted(flow, key=lambda year: year.school_year)
    result.groups = stem_groups(settings, {key for _year, key in result.stem})


def histogram_median(histogram: dict[float, int]) -> float | None:
    """The median of values given as {value: how many times}; None when there are none."""
    size = sum(histogram.values())
    if not size:
        return None
    # The middle positions (1-based): one for an odd count, two for an even one.
    wanted = {(size + 1) // 2, (size + 2) // 2}
    found, seen = [], 0
    for value in sorted(histogram):
        start, seen = seen + 1, seen + histogram[value]
        found += [value for position in wanted if start <= position <= seen]
    return sum(found) / len(found)


def _timeliness(session: Session, scope: Scope, today: date) -> list[Timeliness]:
    """Per school year: evaluation moments due before today, submitted on time or late.

    Submitted evaluations come back as a histogram of (school year, days after the due date),
    a few hundred rows at most, from which counts and the median are taken.
    """
    submitted = (
        select(Trajectory.school_year.label("school_year"),
               days_between(calendar_date(Evaluation.submitted_at),
                            EvaluationMoment.due_on).label("days"))
        .select_from(Evaluation)
        .join(EvaluationMoment,
              EvaluationMoment.id == scope.in_storage_order(Evaluation.moment_id))
        .join(Trajectory,
              Trajectory.id == scope.in_storage_order(EvaluationMoment.trajectory_id))
        .where(scope.trajectories, Evaluation.submitted_at.is_not(None),
               EvaluationMoment.due_on < today)
        .subquery("submitted")
    )
    histograms: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for school_year, days, count in session.execute(
            select(submitted.c.school_year, submitted.c.days, func.count())
            .group_by(submitted.c.school_year, submitted.c.days)):
        histograms[int(school_year)][round(days)] += count
    # Open moments of a trajectory that ended before the due date will never be evaluated.
    missing = dict(session.execute(
        select(Trajectory.school_year, func.count())
        .select_from(EvaluationMoment)
        .join(Trajectory, Trajectory.id == EvaluationMoment.trajectory_id)
        .where(scope.trajectories, EvaluationMoment.status.in_(_OPEN_MOMENTS),
               EvaluationMoment.due_on < today,
               or_(Trajectory.ends_on.is_(None), Trajectory.ends_on >= EvaluationMoment.due_on))
        .group_by(Trajectory.school_year)).all())
    result = []
    for school_year in sorted({*histograms, *missing}):
        histogram = histograms.get(school_year, {})
        late = {days: count for days, count in histogram.items() if days > 0}
        on_time = sum(count for days, count in histogram.items() if days <= 0)
        late_count, missing_count = sum(late.values()), int(missing.get(school_year, 0))
        result.append(Timeliness(
            school_year=int(school_year), due=on_time + late_count + missing_count,
            on_time=on_time, late=late_count, missing=missing_count,
            median_days_late=histogram_median(late)))
    return result


def _decision_school_year():
    """SQL: the school year (September to August) of the recognition's decision."""
    year = extract("year", Recognition.decided_at)
    return cast(year - case((extract("month", Recognition.decided_at) < 9, 1), else_=0),
                Integer)


def _lead_times(session: Session, scope: Scope, decision_days: dict[int, int]
                ) -> tuple[dict[tuple[int, int], LeadTime], dict[int, LeadTime]]:
    """Recognition decisions per (sector, school year) and per school year, with medians."""
    decided = (
        select(Programme.sector_id.label("sector_id"),
               _decision_school_year().label("school_year"),
               days_between(calendar_date(Recognition.decided_at),
                            calendar_date(Recognition.submitted_at)).label("days"))
        .join(Programme, Programme.id == Recognition.programme_id)
        .where(scope.recognitions, Recognition.decided_at.is_not(None))
        .subquery("decided")
    )
    per_sector: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for sector_id, school_year, days, count in session.execute(
            select(decided.c.sector_id, decided.c.school_year, decided.c.days, func.count())
            .group_by(decided.c.sector_id, decided.c.school_year, decided.c.days)):
        per_sector[sector_id, int(school_year)][round(days)] += count

    def lead_time(histograms: list[tuple[int, dict[int, int]]]) -> LeadTime:
        merged: dict[int, int] = defaultdict(int)
        within = 0
        for sector_id, histogram in histograms:
            term = decision_days.get(sector_id, 14)
            for days, count in histogram.items():
                merged[days] += count
                within += count if days <= term else 0
        return LeadTime(sum(merged.values()), within, histogram_median(merged))

    by_sector = {key: lead_time([(key[0], histogram)]) for key, histogram in per_sector.items()}
    years: dict[int, list[tuple[int, dict[int, int]]]] = defaultdict(list)
    for (sector_id, school_year), histogram in per_sector.items():
        years[school_year].append((sector_id, histogram))
    return by_sector, {year: lead_time(parts) for year, parts in years.items()}


def _recognised_on(day: date):
    return and_(Recognition.status.in_(_RECOGNISED), Recognition.valid_from <= day,
                Recognition.valid_until >= day)


def _workplaces(session: Session, scope: Scope, day: date) -> list[WorkplaceRow]:
    """Recognised workplaces per sector and programme on `day`."""
    statement = (
        select(Sector.name, Programme.name, Programme.code, func.count(Recognition.id))
        .join(Programme, Programme.id == Recognition.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .where(scope.recognitions, _recognised_on(day))
        .group_by(Sector.id, Sector.name, Programme.id, Programme.name, Programme.code)
        .order_by(Sector.name, Programme.name, Programme.code)
    )
    return [WorkplaceRow(*row) for row in session.execute(statement)]


def _workplaces_by_year(session: Session, scope: Scope,
                        count_dates: dict[int, date]) -> dict[int, int]:
    """The number of recognised workplaces on each year's count date (one query)."""
    years = sorted(count_dates)
    statement = select(*(
        func.coalesce(func.sum(_flag(_recognised_on(count_dates[year]))), 0) for year in years
    )).where(scope.recognitions, Recognition.status.in_(_RECOGNISED))
    row = session.execute(statement).one()
    return dict(zip(years, (int(value) for value in row), strict=True))


def default_school_year(years: list[int], settings: IndicatorSettings, today: date) -> int:
    """The latest school year in the data that has been counted officially, else the latest."""
    counted = [year for year in years if settings.count_date(year) <= today]
    if counted:
        return max(counted)
    return max(years) if years else school_year_of(today)


def _year_range(*year_lists) -> list[int]:
    """Every school year from the first to the last of the given years, gaps included."""
    years = [year for found in year_lists for year in found]
    return list(range(min(years), max(years) + 1)) if years else []


def compute(session: Session, user: User, filters: IndicatorFilters, *,
            settings: IndicatorSettings, today: date) -> Indicators:
    """Every figure of the indicators page, each from an aggregate query; nothing row by row."""
    scope = scope_for(user, filters)
    found = school_years(session, scope)
    if filters.school_year is None:
        filters = replace(filters, school_year=default_school_year(found, settings, today))
    years = _year_range(found) or [filters.school_year]
    count_dates = effective_count_dates(
        settings, sorted({*years, filters.school_year, filters.reference_year}), today)
    result = Indicators(settings=settings, filters=filters, today=today, years=years,
                        count_dates=count_dates)
    if found:
        _trajectory_figures(session, scope, settings, count_dates, result)
        result.timeliness = _timeliness(session, scope, today)
    sectors = session.execute(
        select(Sector.id, Sector.name, Sector.decision_days).order_by(Sector.name)).all()
    by_sector, result.lead_time_by_year = _lead_times(
        session, scope, {sector_id: days for sector_id, _name, days in sectors})
    result.recognition_years = _year_range(years, result.lead_time_by_year)
    result.workplaces = _workplaces(session, scope, result.count_date)
    result.workplaces_by_year = _workplaces_by_year(
        session, scope, effective_count_dates(settings, result.recognition_years, today))
    result.lead_time_by_sector = [
        SectorLeadTime(name, decision_days, by_sector[sector_id, filters.school_year])
        for sector_id, name, decision_days in sectors
        if (sector_id, filters.school_year) in by_sector
    ]
    return result


# --- filter choices ------------------------------------------------------------------------


def school_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every school, for the admin's school filter."""
    return [tuple(row) for row in session.execute(
        select(School.id, School.name).order_by(School.name))]


def sector_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every sector, for the admin's sector filter."""
    return [tuple(row) for row in session.execute(
        select(Sector.id, Sector.name).order_by(Sector.name))]


def scope_label(session: Session, user: User, filters: IndicatorFilters) -> str:
    """The name of what the figures cover: the school, the sector, or empty for everything."""
    names = []
    if user.role == Role.COORDINATOR:
        names.append(session.get(School, user.school_id).name)
    elif user.role == Role.SECTOR:
        names.append(session.get(Sector, user.sector_id).name)
    if filters.school_id:
        school = session.get(School, filters.school_id)
        names.append(school.name if school else "")
    if filters.sector_id:
        sector = session.get(Sector, filters.sector_id)
        names.append(sector.name if sector else "")
    return " · ".join(name for name in names if name)
