"""Who may do what, and which rows each user may see. Views never write a scope by hand."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import false, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel

from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Competency, Programme, School, SchoolHoliday, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.evaluations.models import EvaluationMoment
from dualflow.learners.models import Learner
from dualflow.modelbase import RecognitionStatus, Role
from dualflow.recognitions.models import Recognition
from dualflow.reports.models import ReportBatch
from dualflow.trajectories.models import Placement, Trajectory

ModelT = TypeVar("ModelT", bound=SQLModel)


def _mentor_trajectory_ids(user: User):
    """Trajectories on which the user is (or was) the mentor of a placement."""
    return (
        select(Placement.trajectory_id)
        .join(Mentor, Mentor.id == Placement.mentor_id)
        .where(Mentor.user_id == user.id)
    )


def _company_trajectory_ids(user: User):
    """Trajectories with a placement at one of the user's company's sites."""
    return (
        select(Placement.trajectory_id)
        .join(Site, Site.id == Placement.site_id)
        .where(Site.company_id == user.company_id)
    )


def _sector_programme_ids(user: User):
    return select(Programme.id).where(Programme.sector_id == user.sector_id)


def _trajectory_scope(user: User):
    if user.role == Role.COORDINATOR:
        return Trajectory.school_id == user.school_id
    if user.role == Role.MENTOR:
        return Trajectory.id.in_(_mentor_trajectory_ids(user))
    if user.role == Role.COMPANY:
        return Trajectory.id.in_(_company_trajectory_ids(user))
    return false()


def _learner_scope(user: User):
    if user.role == Role.COORDINATOR:
        return Learner.school_id == user.school_id
    if user.role in (Role.MENTOR, Role.COMPANY):
        visible = select(Trajectory.learner_id).where(_trajectory_scope(user))
        return Learner.id.in_(visible)
    return false()


def _company_scope(user: User):
    if user.role == Role.COORDINATOR:
        return true()
    if user.role in (Role.COMPANY, Role.MENTOR):
        return Company.id == user.company_id
    if user.role == Role.SECTOR:
        with_recognition = (
            select(Site.company_id)
            .join(Recognition, Recognition.site_id == Site.id)
            .where(Recognition.programme_id.in_(_sector_programme_ids(user)))
        )
        return (Company.sector_id == user.sector_id) | Company.id.in_(with_recognition)
    return false()


def _site_scope(user: User):
    if user.role in (Role.COMPANY, Role.MENTOR):
        return Site.company_id == user.company_id
    return Site.company_id.in_(select(Company.id).where(_company_scope(user)))


def _mentor_scope(user: User):
    if user.role == Role.MENTOR:
        return Mentor.user_id == user.id
    if user.role == Role.COMPANY:
        return Mentor.company_id == user.company_id
    return Mentor.company_id.in_(select(Company.id).where(_company_scope(user)))


_DECIDED_RECOGNITION = (
    RecognitionStatus.APPROVED.value,
    RecognitionStatus.EXPIRED.value,
    RecognitionStatus.WITHDRAWN.value,
)


def _recognition_scope(user: User):
    if user.role == Role.SECTOR:
        return Recognition.programme_id.in_(_sector_programme_ids(user))
    if user.role in (Role.COMPANY, Role.MENTOR):
        return Recognition.site_id.in_(select(Site.id).where(Site.company_id == user.company_id))
    if user.role == Role.COORDINATOR:
        # Schools see decided recognitions (to find and follow workplaces), and the open
        # requests and refusals only of what somebody of the own school filed.
        filed_by_school = select(User.id).where(User.school_id == user.school_id)
        return Recognition.status.in_(_DECIDED_RECOGNITION) | Recognition.submitted_by_id.in_(
            filed_by_school
        )
    return false()


def _evaluation_moment_scope(user: User):
    return EvaluationMoment.trajectory_id.in_(select(Trajectory.id).where(_trajectory_scope(user)))


def _placement_scope(user: User):
    return Placement.trajectory_id.in_(select(Trajectory.id).where(_trajectory_scope(user)))


def _agreement_scope(user: User):
    """An agreement is visible when its placement's trajectory is."""
    return Agreement.placement_id.in_(select(Placement.id).where(_placement_scope(user)))


def _user_scope(user: User):
    if user.role == Role.COORDINATOR:
        colleague = aliased(User)
        invited_by_school = select(colleague.id).where(colleague.school_id == user.school_id)
        return (User.school_id == user.school_id) | User.invited_by_id.in_(invited_by_school)
    if user.role == Role.COMPANY:
        return User.company_id == user.company_id
    if user.role == Role.SECTOR:
        return User.sector_id == user.sector_id
    return User.id == user.id


def _school_scope(user: User):
    if user.role == Role.COORDINATOR:
        return School.id == user.school_id
    return false()


def _everyone(_user: User):
    return true()


def _nobody(_user: User):
    return false()


# For each model: the SQL condition of the rows a (non-admin) user may see.
_SCOPES: dict[type[SQLModel], Callable[[User], Any]] = {
    Trajectory: _trajectory_scope,
    Learner: _learner_scope,
    Company: _company_scope,
    Site: _site_scope,
    Mentor: _mentor_scope,
    Recognition: _recognition_scope,
    EvaluationMoment: _evaluation_moment_scope,
    Placement: _placement_scope,
    Agreement: _agreement_scope,
    User: _user_scope,
    School: _school_scope,
    SchoolHoliday: lambda user: SchoolHoliday.school_id == user.school_id,
    Sector: _everyone,
    Programme: _everyone,
    Competency: _everyone,
    AuditEvent: _nobody,
    ReportBatch: lambda user: (ReportBatch.school_id == user.school_id
                               if user.role == Role.COORDINATOR else false()),
}


def visible(user: User, model: type[SQLModel]):
    """The SQL condition selecting the rows of `model` that `user` may see."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return false()
    if user.role == Role.ADMIN:
        return true()
    try:
        return _SCOPES[model](user)
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None


def counted_trajectories(user: User):
    """The SQL condition for the trajectories `user` may count in aggregate figures.

    Like `visible`, except that sector users, who see no trajectory rows, count the
    trajectories of their sector's programmes.
    """
    if getattr(user, "is_active", False) and user.role == Role.SECTOR:
        return Trajectory.programme_id.in_(_sector_programme_ids(user))
    return visible(user, Trajectory)


def scoped(user: User, model: type[ModelT]):
    """`select(model)` limited to the rows `user` may see."""
    return select(model).where(visible(user, model))


def get_or_404(session: Session, user: User, model: type[ModelT], ident: Any) -> ModelT:
    """Load one row the user may see, or answer 404 so that hidden ids do not leak."""
    primary_key = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    row = session.execute(
        scoped(user, model).where(primary_key == ident)
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


# Which roles may use which screens; object-level rules come on top through `visible`.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "admin.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "users.invite": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "learners.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "trajectories.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.MENTOR, Role.COMPANY}),
    "companies.manage": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY}),
    "companies.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY, Role.SECTOR}),
    "companies.create": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "mentors.invite": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY}),
    "recognitions.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY, Role.SECTOR}),
    "recognitions.request": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY}),
    "recognitions.decide": frozenset({Role.SECTOR}),
    "recognitions.register": frozenset({Role.ADMIN, Role.COORDINATOR, Role.SECTOR}),
    "agreements.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "evaluations.write": frozenset({Role.MENTOR}),
    "evaluations.review": frozenset({Role.COORDINATOR}),
    "evaluations.overview": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "reports.batches": frozenset({Role.COORDINATOR}),
    "indicators.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.SECTOR}),
}

# Roles an inviter may hand out: admins any, coordinators the company side.
INVITABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.ADMIN: tuple(Role),
    Role.COORDINATOR: (Role.COORDINATOR, Role.COMPANY, Role.MENTOR),
    # Company users invite their own mentors (companies.services.invite_mentor checks the company).
    Role.COMPANY: (Role.MENTOR,),
}


def can(user: User, permission: str) -> bool:
    """Whether `user` holds `permission`; a deactivated account holds none."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return user.role in PERMISSIONS.get(permission, frozenset())


def may_invite(user: User, role: Role | str, *, school_id: int | None = None) -> bool:
    """Whether `user` may invite somebody with `role` (for coordinators: into the own school)."""
    role = Role(role)
    allowed = can(user, "users.invite") or (role == Role.MENTOR and can(user, "mentors.invite"))
    if not allowed or role not in INVITABLE_ROLES.get(Role(user.role), ()):
        return False
    if user.role == Role.COORDINATOR and role == Role.COORDINATOR:
        return school_id == user.school_id
    return True


def require(permission: str):
    """View decorator: 403 unless the signed-in user holds `permission`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from flask import current_app

                return current_app.login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
