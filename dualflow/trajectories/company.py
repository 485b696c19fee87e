"""The company's view of the learners placed with it: one row per own placement.

A trajectory may pass through several companies; a company sees only its own placements and
what hangs from them (their agreements, the evaluation moments due within them), never the
other company's. Everything is scoped by the policy on Placement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, select
from sqlmodel import Session

from dualflow import policy
from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement, Signature
from dualflow.catalog.models import Programme, School
from dualflow.companies.models import Mentor, Site
from dualflow.evaluations.models import EvaluationMoment
from dualflow.learners.models import Learner
from dualflow.modelbase import AgreementStatus, EvaluationStatus, SignatureParty
from dualflow.trajectories.models import Placement, Trajectory
from dualflow.trajectories.services import filter_trajectories

OPEN_MOMENTS = (EvaluationStatus.PLANNED.value, EvaluationStatus.DRAFT.value)


def company_signature_pending():
    """SQL: the agreement (correlated) is out for signature and the company has not signed
    the document that is out."""
    return and_(
        Agreement.status == AgreementStatus.AWAITING_SIGNATURES.value,
        exists().where(
            Signature.agreement_id == Agreement.id,
            Signature.party == SignatureParty.COMPANY.value,
            Signature.signed_at.is_(None),
            Signature.document_id.is_not_distinct_from(Agreement.document_id),
        ),
    )


def moment_in_own_placement(user: User):
    """SQL join condition: the placement of `user`'s company that covers the moment's due date."""
    return and_(Placement.trajectory_id == EvaluationMoment.trajectory_id,
                Placement.starts_on <= EvaluationMoment.due_on,
                Placement.ends_on >= EvaluationMoment.due_on,
                policy.visible(user, Placement))


def placements_statement(user: User, *, school_year: int | None = None,
                         programme_id: int | None = None, status: str = "", q: str = ""):
    """The company's own placements with trajectory, learner, school, programme, site and
    mentor, filtered in SQL; the current school year's first, then by learner."""
    statement = (
        select(Placement, Trajectory, Learner, School, Programme, Site, Mentor)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .join(School, School.id == Trajectory.school_id)
        .join(Programme, Programme.id == Trajectory.programme_id)
        .join(Site, Site.id == Placement.site_id)
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .where(policy.visible(user, Placement), policy.visible(user, Trajectory))
    )
    statement = filter_trajectories(statement, school_year=school_year,
                                    programme_id=programme_id, status=status, q=q)
    return statement.order_by(Trajectory.school_year.desc(), Learner.last_name,
                              Learner.first_name, Placement.starts_on, Placement.id)


@dataclass
class CompanyRow:
    """A placement with the company: who, from which school, where, with whom, and what is due."""

    placement: Placement
    trajectory: Trajectory
    learner: Learner
    school: School
    programme: Programme
    site: Site
    mentor: Mentor
    agreement: Agreement | None = None
    awaits_company: bool = False
    next_moment: EvaluationMoment | None = None
    overdue: int = 0
    open_moments: int = 0


def company_rows(session: Session, user: User, rows, *, today: date) -> list[CompanyRow]:
    """Attach the latest agreement and the open evaluation moments to a page of placements
    (two queries whatever the page holds)."""
    result = [CompanyRow(*row) for row in rows]
    by_id = {row.placement.id: row for row in result}
    if not by_id:
        return result
    for agreement, pending in session.execute(
        select(Agreement, company_signature_pending().label("pending"))
        .where(Agreement.placement_id.in_(by_id), policy.visible(user, Agreement))
        .order_by(Agreement.version.desc(), Agreement.id.desc())
    ).all():
        row = by_id[agreement.placement_id]
        if row.agreement is None:
            row.agreement, row.awaits_company = agreement, bool(pending)
    for moment, placement_id in session.execute(
        select(EvaluationMoment, Placement.id)
        .join(Placement, moment_in_own_placement(user))
        .where(Placement.id.in_(by_id), EvaluationMoment.status.in_(OPEN_MOMENTS))
        .order_by(EvaluationMoment.due_on, EvaluationMoment.id)
    ).all():
        row = by_id[placement_id]
        row.open_moments += 1
        row.overdue += moment.due_on < today
        if row.next_moment is None:
            row.next_moment = moment
    return result
