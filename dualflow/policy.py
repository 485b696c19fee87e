"""Who may do what, and which rows each user may see. Views never write a scope by hand.

Three tables answer every access question: `_SCOPES` (which rows of a model a user sees, through
`visible`, `scoped` and `get_or_404`), `PERMISSIONS` (which roles use which screens, through
`can` and the `require` view decorator) and `RULES` (who may do what to one object, through
`may`, `require_may` in services and `guard` in views).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import exists, false, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel

from dualflow.accounts.models import User
from dualflow.agreements.models import Agreement
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Competency, Programme, School, SchoolHoliday, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.errors import NotAllowed
from dualflow.evaluations.models import EvaluationMoment
from dualflow.extensions import db
from dualflow.learners.models import Learner
from dualflow.modelbase import RecognitionStatus, Role
from dualflow.recognitions.models import Recognition, RecognitionMentor
from dualflow.reports.models import ReportBatch
from dualflow.trajectories.models import Placement, Trajectory

if TYPE_CHECKING:
    from sqlalchemy.orm import Session as OrmSession

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


def _own_placements(user: User):
    """A company's placements are those at its sites, a mentor's those he or she guides."""
    if user.role == Role.MENTOR:
        return Placement.mentor_id.in_(select(Mentor.id).where(Mentor.user_id == user.id))
    return Placement.site_id.in_(select(Site.id).where(Site.company_id == user.company_id))


def _evaluation_moment_scope(user: User):
    if user.role in (Role.MENTOR, Role.COMPANY):
        # A trajectory may pass through several companies: each sees the moments that fall
        # in its own placements, never the other company's evaluations.
        return exists(
            select(Placement.id).where(
                Placement.trajectory_id == EvaluationMoment.trajectory_id,
                Placement.starts_on <= EvaluationMoment.due_on,
                Placement.ends_on >= EvaluationMoment.due_on,
                _own_placements(user),
            )
        )
    return EvaluationMoment.trajectory_id.in_(select(Trajectory.id).where(_trajectory_scope(user)))


def _placement_scope(user: User):
    if user.role in (Role.MENTOR, Role.COMPANY):
        return _own_placements(user)
    return Placement.trajectory_id.in_(select(Trajectory.id).where(_trajectory_scope(user)))


def _agreement_scope(user: User):
    """An agreement is visible when its placement is."""
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


# Which roles may use which screens; rows come on top through `visible`, objects through `RULES`.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "admin.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    # Company users manage their colleagues' and mentors' accounts on the same screens.
    "users.invite": frozenset({Role.ADMIN, Role.COORDINATOR, Role.COMPANY}),
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

def can(user: User, permission: str) -> bool:
    """Whether `user` holds `permission`; a deactivated account holds none."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return user.role in PERMISSIONS.get(permission, frozenset())


def require(permission: str):
    """View decorator: 403 unless the signed-in user holds `permission`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def guard(action: str, obj: Any = None, *, hidden: bool = False) -> None:
    """View guard for an object rule: 403 unless the signed-in user `may` do `action` to `obj`.

    Load the object with `get_or_404` first: what the user may not see is a 404, what the
    user sees but may not change is a 403. With `hidden`, a refusal is a 404 as well: for
    private documents whose existence is itself not to be told.
    """
    if not may(current_user, action, obj):
        abort(404 if hidden else 403)


# --- object rules: who may do what to this object --------------------------------------------

def _db_session(session: OrmSession | None) -> OrmSession:
    if session is not None:
        return session
    return db.session


def _active_company_account(company_id):
    """SQL: the company has an activated, active account of its own."""
    account = aliased(User)  # never correlated with a User of an enclosing query
    return exists().where(
        account.company_id == company_id,
        account.role == Role.COMPANY.value,
        account.is_active.is_(True),
        account.password_hash.is_not(None),
    )


def has_company_account(session: OrmSession, company_id: int) -> bool:
    """Whether the company has an activated, active account of its own (it manages itself)."""
    return bool(session.execute(select(_active_company_account(company_id))).scalar_one())


def maintained_companies(user: User):
    """SQL condition: the companies `user` maintains (edits, and invites company users for)."""
    if not can(user, "companies.manage"):
        return false()
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.COMPANY:
        return Company.id == user.company_id
    if user.role == Role.COORDINATOR and user.school_id is not None:
        return (Company.registered_by_school_id == user.school_id) & ~_active_company_account(
            Company.id
        )
    return false()


def mentor_of(session: OrmSession, moment: EvaluationMoment, user: Any) -> Mentor | None:
    """The user's mentor record when the user guides the placement covering the moment."""
    if getattr(user, "id", None) is None:
        return None
    return session.execute(
        select(Mentor)
        .join(Placement, Placement.mentor_id == Mentor.id)
        .where(
            Placement.trajectory_id == moment.trajectory_id,
            Placement.starts_on <= moment.due_on,
            Placement.ends_on >= moment.due_on,
            Mentor.user_id == user.id,
        )
        .limit(1)
    ).scalar_one_or_none()


def _maintains_company(user: User, company: Company, session: OrmSession) -> bool:
    # The company itself once it has an active account; until then the school that
    # registered it. Every other school only reads.
    if not can(user, "companies.manage"):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COMPANY:
        return user.company_id == company.id
    return (
        user.role == Role.COORDINATOR
        and user.school_id is not None
        and company.registered_by_school_id == user.school_id
        and not has_company_account(session, company.id)
    )


def _invites_contact(user: User, company: Company, session: OrmSession) -> bool:
    """The school side brings a company's first contact in, while it maintains the company."""
    return can(user, "companies.create") and _maintains_company(user, company, session)


def _requests_recognition(user: User, company: Company, _session: OrmSession) -> bool:
    # Schools request on a company's behalf; a company user only for the own company.
    return can(user, "recognitions.request") and (
        user.role != Role.COMPANY or user.company_id == company.id
    )


def _invites_mentor(user: User, mentor: Mentor, session: OrmSession) -> bool:
    company = session.get(Company, mentor.company_id)
    return (can(user, "mentors.invite") and company is not None
            and _maintains_company(user, company, session))


def _opens_record_extract(user: User, mentor: Mentor, session: OrmSession) -> bool:
    """The criminal record extract is private: the mentor's company (its company users), the
    sector that decides a recognition naming the mentor, and admins. Nobody else, not even the
    school that registered the company, nor the mentor's own account."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COMPANY:
        return user.company_id is not None and user.company_id == mentor.company_id
    if user.role == Role.SECTOR and user.sector_id is not None:
        return bool(session.execute(select(exists().where(
            RecognitionMentor.mentor_id == mentor.id,
            Recognition.id == RecognitionMentor.recognition_id,
            Recognition.programme_id.in_(_sector_programme_ids(user)),
        ))).scalar_one())
    return False


# Roles an inviter may hand out at all; `_manages_account` decides for one organisation.
INVITABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.ADMIN: tuple(Role),
    Role.COORDINATOR: (Role.COORDINATOR, Role.COMPANY, Role.MENTOR),
    Role.COMPANY: (Role.COMPANY, Role.MENTOR),
}


def _manages_account(user: User, account: User, session: OrmSession) -> bool:
    """Who may invite, deactivate, reactivate or re-invite `account` (saved or not yet)."""
    if not can(user, "users.invite"):
        return False
    role = Role(account.role)
    if role not in INVITABLE_ROLES.get(Role(user.role), ()):
        return False
    if user.role == Role.ADMIN:
        return True
    if role == Role.COORDINATOR:
        return account.school_id is not None and account.school_id == user.school_id
    # Company and mentor accounts: for a company the inviter maintains. A coordinator never
    # brings anyone into a company that manages itself; a company only into its own.
    company = session.get(Company, account.company_id) if account.company_id else None
    return company is not None and _maintains_company(user, company, session)


def manageable_accounts(user: User):
    """SQL condition: the accounts `user` may deactivate, reactivate or re-invite.

    The same rule as `"user.manage"` (see `_manages_account`), for lists of accounts.
    """
    if not can(user, "users.invite"):
        return false()
    if user.role == Role.ADMIN:
        return true()
    company_roles = [role.value for role in INVITABLE_ROLES.get(Role(user.role), ())
                     if role in (Role.COMPANY, Role.MENTOR)]
    company_side = User.role.in_(company_roles) & User.company_id.in_(
        select(Company.id).where(maintained_companies(user))
    )
    if user.role == Role.COORDINATOR:
        colleagues = (User.role == Role.COORDINATOR.value) & (User.school_id == user.school_id)
        return colleagues | company_side
    return company_side


def _manages_trajectory(user: User, trajectory: Trajectory, _session: OrmSession) -> bool:
    return can(user, "learners.manage") and (
        user.role == Role.ADMIN or user.school_id == trajectory.school_id
    )


def _manages_agreements(user: User, trajectory: Trajectory, _session: OrmSession) -> bool:
    return can(user, "agreements.manage") and (
        user.role == Role.ADMIN or user.school_id == trajectory.school_id
    )


def _downloads_agreement(user: User, agreement: Agreement, session: OrmSession) -> bool:
    # The school that manages the agreement and the company that is a party to it; mentors
    # read the terms on screen but do not download the contract.
    placement = session.get(Placement, agreement.placement_id)
    if placement is None:
        return False
    if user.role == Role.COMPANY and can(user, "trajectories.view"):
        site = session.get(Site, placement.site_id)
        return site is not None and site.company_id == user.company_id
    trajectory = session.get(Trajectory, placement.trajectory_id)
    return trajectory is not None and _manages_agreements(user, trajectory, session)


def _writes_evaluation(user: User, moment: EvaluationMoment, session: OrmSession) -> bool:
    return can(user, "evaluations.write") and mentor_of(session, moment, user) is not None


def _reviews_evaluation(user: User, trajectory: Trajectory, _session: OrmSession) -> bool:
    return (can(user, "evaluations.review") and user.role == Role.COORDINATOR
            and user.school_id == trajectory.school_id)


def _requests_report_batches(user: User, trajectory: Trajectory | None,
                             _session: OrmSession) -> bool:
    # A coordinator of a school; with a trajectory, of that trajectory's school.
    return can(user, "reports.batches") and user.school_id is not None and (
        trajectory is None or trajectory.school_id == user.school_id
    )


class Rule(NamedTuple):
    """An object rule: who may (check), and what a refused user is told."""

    check: Callable[[User, Any, OrmSession], bool]
    refusal: Any


# For each action: the object it applies to, who may, and the message of a refusal.
RULES: dict[str, Rule] = {
    # Company: edit it, its sites and its mentors' facts.
    "company.maintain": Rule(_maintains_company, _l(
        "Alleen de onderneming zelf, of zolang ze geen eigen account heeft de school die ze "
        "registreerde, beheert deze gegevens.")),
    # Company: correct its enterprise number (it identifies the company: admins only).
    "company.correct_number": Rule(lambda user, _obj, _s: user.role == Role.ADMIN, _l(
        "Alleen een beheerder kan het ondernemingsnummer corrigeren.")),
    # Company: invite its contact person to a company account.
    "company.invite_contact": Rule(_invites_contact, _l(
        "Je mag voor deze onderneming niemand uitnodigen.")),
    # Company: request recognition of one of its sites.
    "company.request_recognition": Rule(_requests_recognition, _l(
        "Je mag geen erkenning aanvragen.")),
    # Mentor: give the mentor an account.
    "mentor.invite": Rule(_invites_mentor, _l(
        "Je mag voor deze onderneming niemand uitnodigen.")),
    # Mentor: open the uploaded criminal record extract (a private document).
    "mentor.record_extract": Rule(_opens_record_extract, _l(
        "Je mag dit uittreksel uit het strafregister niet openen.")),
    # User (not saved yet): invite an account with this role and organisation.
    "user.invite": Rule(_manages_account, _l(
        "Je mag geen gebruiker met deze rol voor deze organisatie uitnodigen.")),
    # User: deactivate, reactivate or re-invite the account.
    "user.manage": Rule(_manages_account, _l("Je mag deze gebruiker niet beheren.")),
    # Trajectory: change it, its placements and its evaluation moments.
    "trajectory.manage": Rule(_manages_trajectory, _l(
        "Alleen de school van dit traject kan het wijzigen.")),
    # Trajectory: record or change the class council's decision (the school of the trajectory).
    "trajectory.decide": Rule(_manages_trajectory, _l(
        "Alleen de school van dit traject legt de beslissing van de klassenraad vast.")),
    # Trajectory: draw up, send and end the agreements of its placements.
    "agreement.manage": Rule(_manages_agreements, _l(
        "Alleen de school van deze lerende beheert de overeenkomsten.")),
    # Agreement: download its stored PDFs.
    "agreement.download": Rule(_downloads_agreement, _l(
        "Je mag deze overeenkomst niet downloaden.")),
    # EvaluationMoment: fill in the evaluation (the mentor of the covering placement).
    "evaluation.write": Rule(_writes_evaluation, _l(
        "Alleen de mentor van deze lerende kan deze evaluatie invullen.")),
    # Trajectory: review its evaluations (a coordinator of its school).
    "evaluation.review": Rule(_reviews_evaluation, _l(
        "Alleen de school van deze lerende kan de evaluatie nakijken.")),
    # No object: open the indicators.
    "indicators.view": Rule(lambda user, _obj, _s: can(user, "indicators.view"), _l(
        "Je mag de indicatoren niet bekijken.")),
    # No object (or a trajectory): ask for and download report batches of the own school.
    "reports.request": Rule(_requests_report_batches, _l(
        "Alleen een trajectbegeleider van een school vraagt rapporten aan.")),
    # No object (or a learner): see a national number (the school side only).
    "learner.national_number": Rule(lambda user, _obj, _s: can(user, "learners.manage"), _l(
        "Je mag geen rijksregisternummers bekijken.")),
}


def may(user: User, action: str, obj: Any = None, *, session: OrmSession | None = None) -> bool:
    """Whether `user` may do `action` to `obj`; a deactivated or anonymous user may nothing."""
    try:
        rule = RULES[action]
    except KeyError:
        raise LookupError(f"no object rule for {action!r}") from None
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(rule.check(user, obj, _db_session(session)))


def require_may(user: User, action: str, obj: Any = None, *,
                session: OrmSession | None = None) -> None:
    """Raise `NotAllowed` with the rule's message unless `user` may do `action` to `obj`."""
    if not may(user, action, obj, session=session):
        raise NotAllowed(str(RULES[action].refusal))
