"""The class council (klassenraad): its decision per trajectory at the end of the school year.

The school decides (DOMAIN.md "Evaluation"): with the mentor's evaluations and the
trajectbegeleider's input in view, the class council decides whether the learner passes
(*geslaagd*, goes on to the next year), does not pass, or obtained the qualification. The
decision can be changed later (after an appeal, say); every change is audited with before and
after.

Recording "qualification obtained" does not end the trajectory: the council meets in June while
the learner still works at the workplace until the agreement ends, and a decision can still be
changed after an appeal, whereas ending a trajectory cannot be undone in the app. The decision
page offers the ending, pre-filled ("gekwalificeerd" on the last day of the school year). Until
then the indicators take the decision as the outcome, and a trajectory ended as qualified
without a decision counts as "qualification obtained".

The decision also sets the learner's allowance category for the next year
(`suggested_allowance_category`). Services flush but never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlmodel import Session

from dualflow import audit, policy
from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement
from dualflow.catalog.models import Competency, Programme
from dualflow.companies.models import Mentor
from dualflow.errors import DomainError, NotAllowed
from dualflow.evaluations import services as evaluations
from dualflow.evaluations.models import Evaluation, EvaluationMoment, EvaluationScore
from dualflow.i18n import format_date
from dualflow.learners.models import Learner
from dualflow.modelbase import CouncilDecision, TrajectoryStatus
from dualflow.trajectories.models import ClassCouncilDecision, Placement, Trajectory
from dualflow.trajectories.services import filter_trajectories, school_year_end

D = CouncilDecision

DECISION_LABELS = {
    D.PASSES.value: _l("geslaagd: gaat over naar het volgende jaar"),
    D.QUALIFIED.value: _l("kwalificatie behaald"),
    D.DOES_NOT_PASS.value: _l("niet geslaagd"),
}
# Short labels for lists and badges.
DECISION_SHORT = {
    D.PASSES.value: _l("geslaagd"),
    D.QUALIFIED.value: _l("kwalificatie behaald"),
    D.DOES_NOT_PASS.value: _l("niet geslaagd"),
}
DECISION_VARIANTS = {
    D.PASSES.value: "primary",
    D.QUALIFIED.value: "success",
    D.DOES_NOT_PASS.value: "secondary",
}
# Decisions after which the learner moves on: progression (doorstroom) in the indicators.
PROGRESSING = (D.PASSES.value, D.QUALIFIED.value)
NOTE_MAX = 2000
# The allowance categories of an OAO (1, 2, 3): a passed training year moves one up.
TOP_CATEGORY = 3


def template_helpers() -> dict[str, Any]:
    """Labels and colours the council templates show."""
    return {"decision_labels": DECISION_LABELS, "decision_short": DECISION_SHORT,
            "decision_variants": DECISION_VARIANTS}


def decision_of(session: Session, trajectory_id: int) -> ClassCouncilDecision | None:
    """The class council's decision on the trajectory, if recorded."""
    return session.execute(
        select(ClassCouncilDecision).where(ClassCouncilDecision.trajectory_id == trajectory_id)
    ).scalar_one_or_none()


def _check(trajectory: Trajectory, decision: str | None, decided_on: date | None, note: str,
           *, today: date, field_prefix: str = "") -> tuple[str, date, str]:
    if decision not in DECISION_LABELS:
        raise DomainError(_("Kies de beslissing van de klassenraad."),
                          field=f"{field_prefix}decision")
    if decided_on is None:
        raise DomainError(_("Vul de datum van de klassenraad in."), field="decided_on")
    if decided_on < trajectory.starts_on:
        raise DomainError(_("De klassenraad kan niet beslissen vóór de start van het traject "
                            "(%(date)s).", date=format_date(trajectory.starts_on)),
                          field="decided_on")
    if decided_on > today:
        raise DomainError(_("De datum van de klassenraad ligt in de toekomst; leg de beslissing "
                            "vast wanneer ze genomen is."), field="decided_on")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("Hoogstens %(n)d tekens.", n=NOTE_MAX), field="note")
    return decision, decided_on, note


def _apply(session: Session, *, actor: User, trajectory: Trajectory,
           current: ClassCouncilDecision | None, decision: str, decided_on: date,
           note: str) -> ClassCouncilDecision:
    if current is None:
        row = ClassCouncilDecision(trajectory_id=trajectory.id, decision=decision,
                                   decided_on=decided_on, note=note, decided_by_id=actor.id)
        session.add(row)
        session.flush()
        audit.record(session, actor=actor, action="class_council.decided", entity=row,
                     changes=audit.snapshot(row))
        return row
    before = audit.snapshot(current)
    current.decision, current.decided_on, current.note = decision, decided_on, note
    changes = audit.diff(before, audit.snapshot(current))
    if changes:
        current.decided_by_id = actor.id
        changes = audit.diff(before, audit.snapshot(current))
        audit.record(session, actor=actor, action="class_council.changed", entity=current,
                     changes=changes)
    return current


def record_decision(session: Session, *, actor: User, trajectory: Trajectory,
                    decision: str | None, decided_on: date | None, note: str = "",
                    today: date) -> ClassCouncilDecision:
    """Record the council's decision on a trajectory, or change the one recorded (audited)."""
    policy.require_may(actor, "trajectory.decide", trajectory, session=session)
    decision, decided_on, note = _check(trajectory, decision, decided_on, note, today=today)
    # Two people saving at once: the second waits and then changes the first one's row.
    session.flush()
    session.refresh(trajectory, with_for_update=True)
    return _apply(session, actor=actor, trajectory=trajectory,
                  current=decision_of(session, trajectory.id), decision=decision,
                  decided_on=decided_on, note=note)


def save_class(session: Session, *, actor: User, decisions: dict[int, str],
               decided_on: date | None, today: date) -> dict[str, int]:
    """The decisions of a class at once: all are saved or none (the first error is raised).

    `decisions` maps trajectory ids to a decision, or to "" for none: an existing decision
    chosen away is removed (audited). New and changed decisions get the date `decided_on`;
    an unchanged one keeps its date, and notes are kept. Returns how many were recorded,
    changed and removed.
    """
    if not decisions:
        return {"recorded": 0, "changed": 0, "removed": 0}
    rows = session.execute(
        select(Trajectory, Learner, ClassCouncilDecision)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .outerjoin(ClassCouncilDecision, ClassCouncilDecision.trajectory_id == Trajectory.id)
        .where(Trajectory.id.in_(list(decisions)), policy.visible(actor, Trajectory))
        .order_by(Trajectory.id)
        .with_for_update(of=Trajectory)
    ).all()
    if len(rows) != len(decisions):
        raise NotAllowed(_("Een van deze trajecten bestaat niet of je mag het niet zien."))
    if decided_on is None and any(
            decisions[trajectory.id] and (current is None
                                          or current.decision != decisions[trajectory.id])
            for trajectory, _learner, current in rows):
        raise DomainError(_("Vul de datum van de klassenraad in."), field="decided_on")
    planned = []
    for trajectory, learner, current in rows:
        policy.require_may(actor, "trajectory.decide", trajectory, session=session)
        choice = decisions[trajectory.id]
        if not choice:
            planned.append((trajectory, current, None))
            continue
        if current is not None and current.decision == choice:
            continue  # unchanged: keeps its own date
        try:
            checked = _check(trajectory, choice, decided_on,
                             current.note if current else "", today=today,
                             field_prefix=f"{trajectory.id}-")
        except DomainError as error:
            name = f"{learner.first_name} {learner.last_name}"
            raise DomainError(f"{name}: {error.message}", field=error.field) from None
        planned.append((trajectory, current, checked))
    counts = {"recorded": 0, "changed": 0, "removed": 0}
    for trajectory, current, checked in planned:
        if checked is None:
            if current is not None:
                audit.record(session, actor=actor, action="class_council.removed",
                             entity=current, changes=audit.snapshot(current))
                session.delete(current)
                counts["removed"] += 1
            continue
        decision, day, note = checked
        counts["recorded" if current is None else "changed"] += 1
        _apply(session, actor=actor, trajectory=trajectory, current=current,
               decision=decision, decided_on=day, note=note)
    session.flush()
    return counts


def suggested_close(trajectory: Trajectory,
                    decision: ClassCouncilDecision | None) -> dict[str, Any] | None:
    """How to end an active trajectory after the council decided: status, date, reason.

    "Qualification obtained" ends it as qualified; passing or not, the school year's trajectory
    ends without qualification (the next year is a new trajectory). The date is the last day
    of the school year, when the learner's placements end anyway (so nothing is cut short).
    None while it runs without a decision, or once it has ended.
    """
    if decision is None or trajectory.status != TrajectoryStatus.ACTIVE.value:
        return None
    status = (TrajectoryStatus.QUALIFIED.value if decision.decision == D.QUALIFIED.value
              else TrajectoryStatus.UNQUALIFIED.value)
    year_end = school_year_end(trajectory.school_year)
    ends_on = max(trajectory.starts_on, year_end)
    return {"status": status, "ends_on": ends_on,
            "reason": _("Beslissing van de klassenraad van %(date)s: %(decision)s.",
                        date=format_date(decision.decided_on),
                        decision=DECISION_SHORT[decision.decision])}


def conflicts_with_status(trajectory: Trajectory,
                          decision: ClassCouncilDecision | None) -> bool:
    """Whether an ended trajectory's status says otherwise than the decision (to point out)."""
    if decision is None or trajectory.status == TrajectoryStatus.ACTIVE.value:
        return False
    qualified = trajectory.status == TrajectoryStatus.QUALIFIED.value
    return qualified != (decision.decision == D.QUALIFIED.value)


# --- the allowance category of the next year ---------------------------------------------------

def suggested_allowance_category(session: Session, learner_id: int,
                                 school_year: int) -> int | None:
    """The learner's allowance category for `school_year` after last year's council decision.

    After a decision "passes" or "qualification obtained" on a trajectory of the previous school
    year: one category up from the highest category of that year's agreements (1 → 2 → 3, at
    most 3); with no category known from last year, 2 (a training year passed, DOMAIN.md).
    Otherwise (no decision, or not passed) None: the coordinator chooses.
    """
    previous = school_year - 1
    passed = session.execute(
        select(func.count())
        .select_from(ClassCouncilDecision)
        .join(Trajectory, Trajectory.id == ClassCouncilDecision.trajectory_id)
        .where(Trajectory.learner_id == learner_id, Trajectory.school_year == previous,
               ClassCouncilDecision.decision.in_(PROGRESSING))
    ).scalar_one()
    if not passed:
        return None
    category = session.execute(
        select(func.max(Agreement.allowance_category))
        .join(Placement, Placement.id == Agreement.placement_id)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .where(Trajectory.learner_id == learner_id, Trajectory.school_year == previous)
    ).scalar_one()
    if category is None:
        return 2
    return min(int(category) + 1, TOP_CATEGORY)


# --- what the council has in view --------------------------------------------------------------

@dataclass
class MomentEvidence:
    """An evaluation moment with its evaluation (if any) and the mentor who wrote it."""

    moment: EvaluationMoment
    evaluation: Evaluation | None
    mentor: Mentor | None
    # competency id -> (level or None for n.v.t., the mentor's comment); final evaluations only.
    scores: dict[int, tuple[int | None, str]] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        """Submitted or reviewed: its levels count."""
        return self.moment.status in evaluations.FINAL_STATUSES


@dataclass
class Evidence:
    """The mentor's evaluations of a trajectory, as the class council reads them."""

    competencies: list[Competency]
    moments: list[MomentEvidence]
    # competency id -> the latest assessed level (n.v.t. keeps the earlier one), or None.
    latest: dict[int, int | None]

    @property
    def final_moments(self) -> list[MomentEvidence]:
        """The moments whose evaluation was submitted or reviewed, by date."""
        return [row for row in self.moments if row.final]

    @property
    def open_moments(self) -> list[MomentEvidence]:
        """Moments due whose evaluation is not (yet) submitted."""
        return [row for row in self.moments if not row.final]

    @property
    def advice(self) -> list[MomentEvidence]:
        """Final evaluations with a general comment (the mentor's advice), latest first."""
        return [row for row in reversed(self.final_moments)
                if row.evaluation and row.evaluation.general_comment]


def evidence(session: Session, trajectory: Trajectory) -> Evidence:
    """Competencies, moments with evaluations and mentors, and final scores: four queries."""
    competencies = list(session.execute(
        select(Competency)
        .where(Competency.programme_id == trajectory.programme_id,
               Competency.location.in_(evaluations.WORKPLACE_LOCATIONS))
        .order_by(Competency.position, Competency.id)
    ).scalars())
    moments = [
        MomentEvidence(moment, evaluation, mentor)
        for moment, evaluation, mentor in session.execute(
            select(EvaluationMoment, Evaluation, Mentor)
            .outerjoin(Evaluation, Evaluation.moment_id == EvaluationMoment.id)
            .outerjoin(Mentor, Mentor.id == Evaluation.mentor_id)
            .where(EvaluationMoment.trajectory_id == trajectory.id)
            .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
        ).all()
    ]
    by_moment = {row.moment.id: row for row in moments}
    for moment_id, competency_id, level, comment in session.execute(
        select(Evaluation.moment_id, EvaluationScore.competency_id, EvaluationScore.level,
               EvaluationScore.comment)
        .join(Evaluation, Evaluation.id == EvaluationScore.evaluation_id)
        .join(EvaluationMoment, EvaluationMoment.id == Evaluation.moment_id)
        .where(EvaluationMoment.trajectory_id == trajectory.id,
               EvaluationMoment.status.in_(evaluations.FINAL_STATUSES))
    ).all():
        by_moment[moment_id].scores[competency_id] = (level, comment)
    latest: dict[int, int | None] = {competency.id: None for competency in competencies}
    for row in moments:
        if row.final:
            for competency_id, (level, _comment) in row.scores.items():
                if level is not None:
                    latest[competency_id] = level
    return Evidence(competencies=competencies, moments=moments, latest=latest)


# --- the class list ----------------------------------------------------------------------------

def _class_select(user: User, columns, *, school_year: int, class_group: str = "",
                  programme_id: int | None = None, q: str = ""):
    statement = (
        select(*columns)
        .select_from(Trajectory)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .outerjoin(ClassCouncilDecision, ClassCouncilDecision.trajectory_id == Trajectory.id)
        .where(policy.visible(user, Trajectory))
    )
    return filter_trajectories(statement, school_year=school_year, programme_id=programme_id,
                               class_group=class_group, q=q)


def class_statement(user: User, *, school_year: int, class_group: str = "",
                    programme_id: int | None = None, q: str = ""):
    """The trajectories of a school year (and class, programme) the user sees, by name.

    Rows are (Trajectory, Learner, Programme, ClassCouncilDecision or None); filtered in SQL.
    """
    return _class_select(
        user, (Trajectory, Learner, Programme, ClassCouncilDecision), school_year=school_year,
        class_group=class_group, programme_id=programme_id, q=q,
    ).order_by(Learner.last_name, Learner.first_name, Programme.name, Trajectory.id)


def class_summary(session: Session, user: User, *, school_year: int, class_group: str = "",
                  programme_id: int | None = None, q: str = "") -> dict[str, int]:
    """How many trajectories of the selection have which decision, and none ("" key)."""
    statement = _class_select(
        user, (ClassCouncilDecision.decision, func.count()), school_year=school_year,
        class_group=class_group, programme_id=programme_id, q=q,
    ).group_by(ClassCouncilDecision.decision)
    return {decision or "": count for decision, count in session.execute(statement).all()}


def class_groups_of_year(session: Session, user: User, school_year: int) -> list[str]:
    """The class groups of the user's trajectories in a school year (for the filter)."""
    return list(session.execute(
        select(Trajectory.class_group).where(policy.visible(user, Trajectory),
                                             Trajectory.school_year == school_year,
                                             Trajectory.class_group != "")
        .distinct().order_by(Trajectory.class_group).limit(200)
    ).scalars())


def decided_by_names(session: Session, ids) -> dict[int, str]:
    """Names of the users who recorded decisions (one query)."""
    ids = sorted({ident for ident in ids if ident})
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
