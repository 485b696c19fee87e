"""Scope: which rows each user sees, checked through `policy.scoped` for every role."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from dualflow import policy
from dualflow.accounts.models import AccessToken, User
from dualflow.catalog.models import School
from dualflow.companies.models import Company, Mentor, Site
from dualflow.learners.models import Learner
from dualflow.modelbase import Role
from dualflow.recognitions.models import Recognition
from dualflow.trajectories.models import Placement, Trajectory
from tests import factories

ROLES = ["admin", "coordinator_a", "coordinator_b", "company_user_a", "mentor_user_a",
         "mentor_user_b", "sector_user_a", "sector_user_b", "inactive_coordinator_a"]


@pytest.fixture
def scene(world, session):
    """See factories.placed_world for who is placed where."""
    return factories.placed_world(session, world)


def _visible_ids(session, user, model) -> set[int]:
    return {row.id for row in session.execute(policy.scoped(user, model)).scalars().all()}


def _all_ids(session, model) -> set[int]:
    return set(session.execute(select(model.id)).scalars().all())


# (model, {user: names of the rows the user sees}); "*" means every row of the table.
EXPECTED = {
    Trajectory: {
        "admin": "*",
        "coordinator_a": {"traj_a", "traj_c"},
        "coordinator_b": {"traj_b", "traj_d"},
        "company_user_a": {"traj_a", "traj_b"},
        "mentor_user_a": {"traj_a", "traj_b"},
        "mentor_user_b": {"traj_c"},
        "sector_user_a": set(),
        "sector_user_b": set(),
        "inactive_coordinator_a": set(),
    },
    Learner: {
        "admin": "*",
        "coordinator_a": {"learner_a", "learner_c"},
        "coordinator_b": {"learner_b", "learner_d"},
        "company_user_a": {"learner_a", "learner_b"},
        "mentor_user_a": {"learner_a", "learner_b"},
        "mentor_user_b": {"learner_c"},
        "sector_user_a": set(),
        "sector_user_b": set(),
        "inactive_coordinator_a": set(),
    },
    Placement: {
        "admin": "*",
        "coordinator_a": {"place_a", "place_c"},
        "coordinator_b": {"place_b"},
        "company_user_a": {"place_a", "place_b"},
        "mentor_user_a": {"place_a", "place_b"},
        "mentor_user_b": {"place_c"},
        "sector_user_a": set(),
        "sector_user_b": set(),
        "inactive_coordinator_a": set(),
    },
    Company: {
        "admin": "*",
        "coordinator_a": "*",
        "coordinator_b": "*",
        "company_user_a": {"company_a"},
        "mentor_user_a": {"company_a"},
        "mentor_user_b": {"company_b"},
        "sector_user_a": {"company_a"},
        "sector_user_b": {"company_a", "company_b", "company_c"},
        "inactive_coordinator_a": set(),
    },
    Site: {
        "admin": "*",
        "coordinator_a": "*",
        "coordinator_b": "*",
        "company_user_a": {"site_a1", "site_a2"},
        "mentor_user_a": {"site_a1", "site_a2"},
        "mentor_user_b": {"site_b1"},
        "sector_user_a": {"site_a1", "site_a2"},
        "sector_user_b": {"site_a1", "site_a2", "site_b1", "site_c1"},
        "inactive_coordinator_a": set(),
    },
    Mentor: {
        "admin": "*",
        "coordinator_a": "*",
        "coordinator_b": "*",
        "company_user_a": {"mentor_a", "mentor_a2"},
        "mentor_user_a": {"mentor_a"},
        "mentor_user_b": {"mentor_b"},
        "sector_user_a": {"mentor_a", "mentor_a2"},
        "sector_user_b": {"mentor_a", "mentor_a2", "mentor_b"},
        "inactive_coordinator_a": set(),
    },
    Recognition: {
        "admin": "*",
        "coordinator_a": "*",
        "coordinator_b": "*",
        "company_user_a": {"rec_a", "rec_ab"},
        "mentor_user_a": {"rec_a", "rec_ab"},
        "mentor_user_b": {"rec_b"},
        "sector_user_a": {"rec_a"},
        "sector_user_b": {"rec_ab", "rec_b"},
        "inactive_coordinator_a": set(),
    },
    User: {
        "admin": "*",
        "coordinator_a": {"coordinator_a", "inactive_coordinator_a"},
        "coordinator_b": {"coordinator_b"},
        "company_user_a": {"company_user_a", "mentor_user_a"},
        "mentor_user_a": {"mentor_user_a"},
        "mentor_user_b": {"mentor_user_b"},
        "sector_user_a": {"sector_user_a"},
        "sector_user_b": {"sector_user_b"},
        "inactive_coordinator_a": set(),
    },
    School: {
        "admin": "*",
        "coordinator_a": {"school_a"},
        "coordinator_b": {"school_b"},
        "company_user_a": set(),
        "mentor_user_a": set(),
        "mentor_user_b": set(),
        "sector_user_a": set(),
        "sector_user_b": set(),
        "inactive_coordinator_a": set(),
    },
}

CASES = [
    pytest.param(model, role, expected, id=f"{model.__name__}-{role}")
    for model, table in EXPECTED.items()
    for role, expected in table.items()
]


def test_every_role_is_in_every_table():
    assert all(set(table) == set(ROLES) for table in EXPECTED.values())


@pytest.mark.parametrize(("model", "role", "expected"), CASES)
def test_scope(scene, session, model, role, expected):
    user = getattr(scene, role)
    seen = {row.id for row in session.execute(policy.scoped(user, model)).scalars().all()}
    if expected == "*":
        wanted = _all_ids(session, model)
    else:
        wanted = {getattr(scene, name).id for name in expected}
    assert seen == wanted, {
        "unexpected": sorted(seen - wanted), "missing": sorted(wanted - seen)
    }


@pytest.mark.parametrize(("model", "role", "expected"), CASES)
def test_get_or_404_agrees_with_the_scope(scene, session, model, role, expected):
    user = getattr(scene, role)
    wanted = _all_ids(session, model) if expected == "*" else {
        getattr(scene, name).id for name in expected
    }
    for ident in sorted(_all_ids(session, model)):
        if ident in wanted:
            assert policy.get_or_404(session, user, model, ident).id == ident
        else:
            with pytest.raises(NotFound):
                policy.get_or_404(session, user, model, ident)


def test_get_or_404_for_an_id_that_does_not_exist(scene, session):
    with pytest.raises(NotFound):
        policy.get_or_404(session, scene.admin, Learner, 999_999)


def test_hidden_learner_is_404_for_another_school(scene, session):
    assert policy.get_or_404(session, scene.coordinator_a, Learner, scene.learner_a.id)
    with pytest.raises(NotFound):
        policy.get_or_404(session, scene.coordinator_a, Learner, scene.learner_b.id)


def test_deactivating_a_mentor_user_hides_everything_at_once(scene, session):
    assert session.execute(policy.scoped(scene.mentor_user_a, Trajectory)).first()
    scene.mentor_user_a.is_active = False
    for model in EXPECTED:
        assert session.execute(policy.scoped(scene.mentor_user_a, model)).first() is None


def test_anonymous_sees_nothing(scene, session):
    anonymous = AnonymousUserMixin()
    for model in EXPECTED:
        assert session.execute(policy.scoped(anonymous, model)).first() is None


def test_catalogue_is_visible_to_every_active_user(scene, session):
    from dualflow.catalog.models import Programme, Sector

    for role in ROLES[:-1]:
        user = getattr(scene, role)
        assert _visible_ids(session, user, Sector) >= {scene.sector_a.id, scene.sector_b.id}
        assert _visible_ids(session, user, Programme) >= {
            scene.programme_a.id, scene.programme_b.id
        }


def test_model_without_a_rule_is_refused_loudly(scene):
    with pytest.raises(LookupError):
        policy.scoped(scene.coordinator_a, AccessToken)


# --- permissions ---------------------------------------------------------------------------


PERMISSION_HOLDERS = {
    "admin.manage": {"admin"},
    "audit.view": {"admin"},
    "users.invite": {"admin", "coordinator", "company"},
    "learners.manage": {"admin", "coordinator"},
    "trajectories.view": {"admin", "coordinator", "mentor", "company"},
    "companies.manage": {"admin", "coordinator", "company"},
    "recognitions.decide": {"sector"},
    "evaluations.write": {"mentor"},
    "evaluations.review": {"coordinator"},
}


@pytest.mark.parametrize("permission", sorted(PERMISSION_HOLDERS))
def test_permissions_per_role(scene, permission):
    users = {
        "admin": scene.admin, "coordinator": scene.coordinator_a,
        "company": scene.company_user_a, "mentor": scene.mentor_user_a,
        "sector": scene.sector_user_a,
    }
    holders = {role for role, user in users.items() if policy.can(user, permission)}
    assert holders == PERMISSION_HOLDERS[permission]
    assert not policy.can(AnonymousUserMixin(), permission)
    assert not policy.can(scene.inactive_coordinator_a, permission)


def test_unknown_permission_is_nobody_s(scene):
    assert not policy.can(scene.admin, "no.such.permission")


# --- object rules ----------------------------------------------------------------------------


@pytest.fixture
def registered(scene, session):
    """company_b (no account of its own) was registered by school_a; company_d by nobody."""
    scene.company_b.registered_by_school_id = scene.school_a.id
    session.commit()
    return scene


def _account(scene, role: Role, organisation: str | None) -> User:
    """An unsaved account of `role` in the named organisation."""
    fields = {}
    if organisation:
        row = getattr(scene, organisation)
        fields[organisation.rsplit("_", 1)[0] + "_id"] = row.id
    return User(role=role.value, **fields)


@pytest.mark.parametrize(
    ("inviter", "role", "organisation", "allowed"),
    [
        ("admin", Role.ADMIN, None, True),
        ("admin", Role.SECTOR, "sector_a", True),
        ("admin", Role.COORDINATOR, "school_b", True),
        ("admin", Role.COMPANY, "company_a", True),
        ("coordinator_a", Role.COORDINATOR, "school_a", True),
        ("coordinator_a", Role.COORDINATOR, "school_b", False),
        ("coordinator_a", Role.COMPANY, "company_b", True),  # registered by school A
        ("coordinator_a", Role.MENTOR, "company_b", True),
        ("coordinator_a", Role.COMPANY, "company_a", False),  # manages itself
        ("coordinator_a", Role.MENTOR, "company_a", False),
        ("coordinator_a", Role.COMPANY, "company_d", False),  # registered by nobody
        ("coordinator_b", Role.COMPANY, "company_b", False),  # another school's company
        ("coordinator_a", Role.ADMIN, None, False),
        ("coordinator_a", Role.SECTOR, "sector_a", False),
        ("company_user_a", Role.MENTOR, "company_a", True),
        ("company_user_a", Role.COMPANY, "company_a", True),
        ("company_user_a", Role.COMPANY, "company_b", False),
        ("company_user_a", Role.COORDINATOR, "school_a", False),
        ("mentor_user_a", Role.MENTOR, "company_a", False),
        ("sector_user_a", Role.SECTOR, "sector_a", False),
        ("inactive_coordinator_a", Role.COORDINATOR, "school_a", False),
    ],
)
def test_who_invites_whom(registered, inviter, role, organisation, allowed):
    account = _account(registered, role, organisation)
    assert policy.may(getattr(registered, inviter), "user.invite", account) is allowed
    assert policy.may(getattr(registered, inviter), "user.manage", account) is allowed


@pytest.mark.parametrize(
    ("user", "company", "allowed"),
    [
        ("admin", "company_a", True),
        ("admin", "company_d", True),
        ("company_user_a", "company_a", True),
        ("company_user_a", "company_b", False),
        ("coordinator_a", "company_b", True),
        ("coordinator_a", "company_a", False),
        ("coordinator_a", "company_d", False),
        ("coordinator_b", "company_b", False),
        ("mentor_user_a", "company_a", False),
        ("sector_user_a", "company_a", False),
        ("inactive_coordinator_a", "company_b", False),
    ],
)
def test_who_maintains_a_company(registered, user, company, allowed):
    who, target = getattr(registered, user), getattr(registered, company)
    assert policy.may(who, "company.maintain", target) is allowed
    assert policy.may(who, "mentor.invite", Mentor(company_id=target.id)) is allowed


def test_a_company_with_its_own_account_leaves_the_registering_school(registered, session):
    assert policy.may(registered.coordinator_a, "company.maintain", registered.company_b)
    factories.user(session, "company", company_id=registered.company_b.id)
    session.commit()
    assert not policy.may(registered.coordinator_a, "company.maintain", registered.company_b)
    assert not policy.may(registered.coordinator_a, "company.invite_contact",
                          registered.company_b)


def test_trajectory_agreement_and_evaluation_rules(scene, session):
    from dualflow.evaluations.models import EvaluationMoment

    s = scene
    for action in ("trajectory.manage", "agreement.manage"):
        assert [policy.may(getattr(s, name), action, s.traj_a) for name in (
            "admin", "coordinator_a", "coordinator_b", "company_user_a", "mentor_user_a")] == [
            True, True, False, False, False]
    assert policy.may(s.coordinator_a, "evaluation.review", s.traj_a)
    assert not policy.may(s.admin, "evaluation.review", s.traj_a)
    moment = EvaluationMoment(trajectory_id=s.traj_a.id, title="M", due_on=s.place_a.starts_on)
    session.add(moment)
    session.flush()
    assert policy.may(s.mentor_user_a, "evaluation.write", moment)
    assert not policy.may(s.mentor_user_b, "evaluation.write", moment)
    assert not policy.may(s.coordinator_a, "evaluation.write", moment)
    agreement = factories.agreement(session, s.place_a)
    assert [policy.may(getattr(s, name), "agreement.download", agreement) for name in (
        "admin", "coordinator_a", "coordinator_b", "company_user_a", "mentor_user_a")] == [
        True, True, False, True, False]


@pytest.mark.parametrize(
    ("action", "holders"),
    [
        ("indicators.view", {"admin", "coordinator", "sector"}),
        ("reports.request", {"coordinator"}),
        ("learner.national_number", {"admin", "coordinator"}),
    ],
)
def test_rules_without_an_object(scene, action, holders):
    users = {"admin": scene.admin, "coordinator": scene.coordinator_a,
             "company": scene.company_user_a, "mentor": scene.mentor_user_a,
             "sector": scene.sector_user_a}
    assert {role for role, user in users.items() if policy.may(user, action)} == holders
    assert not policy.may(AnonymousUserMixin(), action)


def test_require_may_raises_the_rule_s_message(scene):
    from dualflow.errors import NotAllowed

    with pytest.raises(NotAllowed) as refused:
        policy.require_may(scene.coordinator_b, "trajectory.manage", scene.traj_a)
    assert refused.value.message == str(policy.RULES["trajectory.manage"].refusal)
    policy.require_may(scene.coordinator_a, "trajectory.manage", scene.traj_a)


def test_an_unknown_action_is_refused_loudly(scene):
    with pytest.raises(LookupError):
        policy.may(scene.admin, "no.such.action")


@pytest.mark.parametrize("viewer", [*ROLES, "company_user_b"])
def test_account_lists_agree_with_the_account_rule(registered, session, viewer):
    # company_b gets a pending (not yet activated) account of its own: it manages nothing yet.
    registered.company_user_b = factories.user(session, "company", password_hash=None,
                                               company_id=registered.company_b.id)
    factories.user(session, "mentor", company_id=registered.company_d.id)
    session.commit()
    who = getattr(registered, viewer)
    users = session.execute(select(User)).scalars().all()
    by_rule = {user.id for user in users if policy.may(who, "user.manage", user)}
    by_sql = set(session.execute(
        select(User.id).where(policy.manageable_accounts(who))).scalars())
    assert by_sql == by_rule
