"""The access matrix: every route with an id, for every role, on objects in and out of scope.

The matrix is data. `MATRIX` names, for every route with an id in its path, which kind of
object the id identifies and which roles may use the route on an object they may see;
`SCOPES` says, per kind of object and per role, which objects of the test world are theirs
("own") or visible read-only ("read"). Every other combination must answer 404 (or 403), never
data and never a server error; a POST to it must write nothing. A route with an id that has no
entry here fails `test_every_route_with_an_id_is_in_the_matrix`.

The world: school A's side (coordinator, company A with its user and mentor, sector A) and
school B's side (company B with its user and mentor, sector B), companies C and D without an
account (registered by school B and school A), and one trajectory of school A placed first at
company A and then at company B, each placement with its agreement and evaluation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from dualflow.audit import AuditEvent
from tests.clients import isolated_client
from tests.conftest import login
from tests.security.world import MatrixWorld, build

# --- the matrix --------------------------------------------------------------------------

ADMIN = frozenset({"admin"})
SCHOOL = frozenset({"admin", "coordinator"})
TRAJECTORY_READERS = frozenset({"admin", "coordinator", "company", "mentor", "company_b",
                                "mentor_b"})
# The parties who download an agreement's PDFs: the school and the company, not the mentor.
AGREEMENT_PARTIES = frozenset({"admin", "coordinator", "company", "company_b"})
COMPANY_READERS = frozenset({"admin", "coordinator", "company", "sector", "company_b"})
COMPANY_MAINTAINERS = frozenset({"admin", "coordinator", "company", "company_b"})
MENTORS = frozenset({"mentor", "mentor_b"})
COORDINATOR = frozenset({"coordinator"})
SECTOR = frozenset({"sector"})
NOBODY: frozenset[str] = frozenset()
EXTRACT_READERS = frozenset({"admin", "company", "sector", "company_b"})
REQUESTERS = frozenset({"admin", "coordinator", "company", "company_b"})


@dataclass(frozen=True)
class Entry:
    """A route's object: its kind, the path arguments naming it, who may use the route."""

    kind: str
    args: tuple[str, ...]
    roles: frozenset[str]
    # The route changes the object (or shows its edit form): read-only visibility is not enough.
    writes: bool = False
    # Who may open the page (GET) of an object they may read, when that differs from `roles`.
    shows: frozenset[str] | None = None


MATRIX: dict[str, Entry] = {
    # Catalogue and schools: administrators only.
    "admin.programme": Entry("catalog", ("programme_id",), ADMIN),
    "admin.programme_edit": Entry("catalog", ("programme_id",), ADMIN, writes=True),
    "admin.programme_competency_add": Entry("catalog", ("programme_id",), ADMIN, writes=True),
    "admin.programme_competency_edit": Entry(
        "catalog", ("programme_id", "competency_id"), ADMIN, writes=True),
    "admin.programme_competency_delete": Entry(
        "catalog", ("programme_id", "competency_id"), ADMIN, writes=True),
    "admin.programme_competency_move": Entry(
        "catalog", ("programme_id", "competency_id"), ADMIN, writes=True),
    "admin.sector_edit": Entry("catalog", ("sector_id",), ADMIN, writes=True),
    "admin.school": Entry("catalog", ("school_id",), ADMIN),
    "admin.school_edit": Entry("catalog", ("school_id",), ADMIN, writes=True),
    "admin.school_holiday_add": Entry("catalog", ("school_id",), ADMIN, writes=True),
    "admin.school_holiday_edit": Entry(
        "catalog", ("school_id", "holiday_id"), ADMIN, writes=True),
    "admin.school_holiday_delete": Entry(
        "catalog", ("school_id", "holiday_id"), ADMIN, writes=True),
    # Accounts: administrators, and coordinators for the people of their school.
    "admin.user_deactivate": Entry("user", ("user_id",), SCHOOL, writes=True),
    "admin.user_reactivate": Entry("user", ("user_id",), SCHOOL, writes=True),
    "admin.user_reinvite": Entry("user", ("user_id",), SCHOOL, writes=True),
    # Agreements: the school manages, the company and the mentor of the placement read.
    "agreements.detail": Entry("agreement", ("agreement_id",), TRAJECTORY_READERS),
    "agreements.document": Entry("agreement", ("agreement_id",), AGREEMENT_PARTIES),
    "agreements.signed_pdf": Entry("agreement", ("agreement_id",), AGREEMENT_PARTIES),
    "agreements.translation": Entry("agreement", ("agreement_id",), AGREEMENT_PARTIES),
    "agreements.preview": Entry("agreement", ("agreement_id",), SCHOOL),
    "agreements.edit": Entry("agreement", ("agreement_id",), SCHOOL, writes=True),
    "agreements.new_version": Entry("agreement", ("agreement_id",), SCHOOL, writes=True),
    "agreements.reopen": Entry("agreement", ("agreement_id",), SCHOOL, writes=True),
    "agreements.send": Entry("agreement", ("agreement_id",), SCHOOL, writes=True),
    "agreements.terminate": Entry("agreement", ("agreement_id",), SCHOOL, writes=True),
    "agreements.resend": Entry(
        "agreement", ("agreement_id", "signature_id"), SCHOOL, writes=True),
    # Companies, their sites and mentors.
    "companies.detail": Entry("company", ("company_id",), COMPANY_READERS),
    "companies.sites": Entry("company", ("company_id",), COMPANY_READERS),
    "companies.mentors": Entry("company", ("company_id",), COMPANY_READERS),
    "companies.edit": Entry("company", ("company_id",), COMPANY_MAINTAINERS, writes=True),
    # The school that maintains a company invites its contact person.
    "companies.invite_contact": Entry("company", ("company_id",), SCHOOL, writes=True),
    "companies.site_new": Entry("company", ("company_id",), COMPANY_MAINTAINERS, writes=True),
    "companies.site_edit": Entry(
        "company", ("company_id", "site_id"), COMPANY_MAINTAINERS, writes=True),
    "companies.mentor_new": Entry("company", ("company_id",), COMPANY_MAINTAINERS, writes=True),
    # The mentor's page shows the profile to readers and the form to maintainers.
    "companies.mentor_edit": Entry(
        "company", ("company_id", "mentor_id"), COMPANY_MAINTAINERS, writes=True,
        shows=COMPANY_READERS),
    "companies.mentor_invite": Entry(
        "company", ("company_id", "mentor_id"), COMPANY_MAINTAINERS, writes=True),
    "companies.record_extract_upload": Entry(
        "company", ("company_id", "mentor_id"), COMPANY_MAINTAINERS, writes=True),
    # The criminal record extract: the company, the deciding sector and admins; everyone else
    # (the schools included) gets 404.
    "companies.record_extract": Entry("extract", ("mentor_id",), EXTRACT_READERS),
    # Evaluations: the mentor writes, the school reviews, the company reads.
    "evaluations.moment": Entry("moment", ("moment_id",), TRAJECTORY_READERS),
    "evaluations.submit": Entry("moment", ("moment_id",), MENTORS, writes=True),
    "evaluations.review": Entry("moment", ("moment_id",), COORDINATOR, writes=True),
    "evaluations.send_back": Entry("moment", ("moment_id",), COORDINATOR, writes=True),
    "evaluations.reflection_link": Entry("moment", ("moment_id",), COORDINATOR, writes=True),
    # Learners: the school's.
    "learners.detail": Entry("learner", ("learner_id",), TRAJECTORY_READERS),
    "learners.edit": Entry("learner", ("learner_id",), SCHOOL, writes=True),
    "learners.reveal": Entry("learner", ("learner_id",), SCHOOL, writes=True),
    # Notifications: one's own only.
    "notifications.open_notification": Entry(
        "notification", ("notification_id",), NOBODY, writes=True),
    "notifications.mark_read": Entry("notification", ("notification_id",), NOBODY, writes=True),
    # Recognitions: the sector decides, schools and companies read.
    "recognitions.detail": Entry("recognition", ("recognition_id",), COMPANY_READERS),
    "recognitions.approve": Entry("recognition", ("recognition_id",), SECTOR, writes=True),
    "recognitions.refuse": Entry("recognition", ("recognition_id",), SECTOR, writes=True),
    "recognitions.review": Entry("recognition", ("recognition_id",), SECTOR, writes=True),
    "recognitions.withdraw": Entry("recognition", ("recognition_id",), SECTOR, writes=True),
    # Renewing: whoever may file a request for the site (it refuses outside its window).
    "recognitions.renew": Entry("recognition", ("recognition_id",), REQUESTERS),
    # Progress reports: the school's batches; a trajectory's report for who reads it.
    "reports.batch_progress": Entry("batch", ("batch_id",), COORDINATOR),
    "reports.batch_download": Entry("batch", ("batch_id",), COORDINATOR),
    "reports.progress_report": Entry("trajectory", ("trajectory_id",), TRAJECTORY_READERS),
    # Trajectories: everyone involved reads, the school manages.
    "trajectories.detail": Entry("trajectory", ("trajectory_id",), TRAJECTORY_READERS),
    "trajectories.end": Entry("trajectory", ("trajectory_id",), SCHOOL, writes=True),
    # The class council's decision: the school of the trajectory.
    "council.decide": Entry("trajectory", ("trajectory_id",), SCHOOL, writes=True),
    "trajectories.moment_add": Entry("trajectory", ("trajectory_id",), SCHOOL, writes=True),
    "trajectories.placement_new": Entry("trajectory", ("trajectory_id",), SCHOOL, writes=True),
    "trajectories.moment_edit": Entry(
        "moment", ("trajectory_id", "moment_id"), SCHOOL, writes=True),
    "trajectories.moment_delete": Entry(
        "moment", ("trajectory_id", "moment_id"), SCHOOL, writes=True),
    "trajectories.placement_end": Entry(
        "placement", ("trajectory_id", "placement_id"), SCHOOL, writes=True),
    "trajectories.placement_schedule": Entry(
        "placement", ("trajectory_id", "placement_id"), SCHOOL, writes=True),
    "trajectories.plan": Entry("trajectory", ("trajectory_id",), SCHOOL, writes=True),
}

ROLES = ["anonymous", "admin", "coordinator", "company", "mentor", "sector", "company_b",
         "mentor_b"]

# Objects of the world (see `_build`), per kind, per role: "own" (may use every route the role
# is allowed), "read" (visible, routes that write refuse). Anything not listed is out of scope.
# A: school A's side, company A; B: school B's side, company B; T2A/T2B: the trajectory of
# school A placed at company A and then at company B, seen through the placement at A or B;
# C/D: companies without an account registered by school B/A; X: a parent of A's side with a
# child of B's side in one path; H: ids beyond any database integer.
_TRAJECTORY = {
    "admin": {"A": "own", "B": "own", "T2A": "own", "T2B": "own"},
    "coordinator": {"A": "own", "T2A": "own", "T2B": "own"},
    "company": {"A": "own", "T2A": "own", "T2B": "own"},
    "mentor": {"A": "own", "T2A": "own", "T2B": "own"},
    "company_b": {"B": "own", "T2A": "own", "T2B": "own"},
    "mentor_b": {"B": "own", "T2A": "own", "T2B": "own"},
}
# What hangs off one placement: each company and mentor sees its own placement's only.
_PLACEMENT = {
    "admin": {"A": "own", "B": "own", "T2A": "own", "T2B": "own"},
    "coordinator": {"A": "own", "T2A": "own", "T2B": "own"},
    "company": {"A": "own", "T2A": "own"},
    "mentor": {"A": "own", "T2A": "own"},
    "company_b": {"B": "own", "T2B": "own"},
    "mentor_b": {"B": "own", "T2B": "own"},
}
SCOPES: dict[str, dict[str, dict[str, str]]] = {
    "catalog": {"admin": {"A": "own", "B": "own"}},
    "user": {"admin": {"A": "own", "B": "own"}, "coordinator": {"A": "own"}},
    "trajectory": _TRAJECTORY,
    "learner": _TRAJECTORY,
    "placement": _PLACEMENT,
    "agreement": _PLACEMENT,
    "moment": _PLACEMENT,
    "company": {
        "admin": {"A": "own", "B": "own", "C": "own", "D": "own"},
        # Schools read every company and maintain those they registered without an account.
        "coordinator": {"A": "read", "B": "read", "C": "read", "D": "own"},
        "company": {"A": "own"},
        "mentor": {"A": "read"},
        "sector": {"A": "read"},
        "company_b": {"B": "own"},
        "mentor_b": {"B": "read"},
    },
    "recognition": {
        "admin": {"A": "own", "B": "own"},
        "coordinator": {"A": "read"},
        "company": {"A": "read"},
        "sector": {"A": "own"},
        "company_b": {"B": "read"},
    },
    "batch": {"coordinator": {"A": "own"}},
    "notification": {},
    # A's mentor is named in a request of sector A; B's in none of sector A.
    "extract": {
        "admin": {"A": "own", "B": "own"},
        "company": {"A": "own"},
        "sector": {"A": "own"},
        "company_b": {"B": "own"},
    },
}

# The objects each kind is tried with (X only where a path names a parent and a child).
BUNDLES: dict[str, tuple[str, ...]] = {
    "catalog": ("A", "B", "X", "H"),
    "user": ("A", "B", "H"),
    "trajectory": ("A", "B", "T2A", "H"),
    "learner": ("A", "B", "T2A", "H"),
    "placement": ("A", "B", "T2A", "T2B", "X", "H"),
    "agreement": ("A", "B", "T2A", "T2B", "X", "H"),
    "moment": ("A", "B", "T2A", "T2B", "X", "H"),
    "company": ("A", "B", "C", "D", "X", "H"),
    "recognition": ("A", "B", "H"),
    "batch": ("A", "B", "H"),
    "notification": ("B", "H"),
    "extract": ("A", "B", "H"),
}

# Cases that fail on the code as it stands, because of holes being closed elsewhere: each is
# (endpoint, role, object, method), "*" for any. Empty this set once the fixes are in. An exact
# entry whose case passes fails the test, so the set cannot go stale unnoticed.
KNOWN_HOLES: set[tuple[str, str, str, str]] = set()


@dataclass(frozen=True)
class Case:
    """One request of the matrix and what it must answer."""

    endpoint: str
    role: str
    bundle: str
    method: str
    allowed: bool
    # Out of scope for a role that may use the route: the object must not even seem to exist.
    hidden: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} as {self.role} on {self.bundle}"


def _id_arguments(rule) -> list[str]:
    return [arg for arg in rule.arguments
            if arg.endswith("_id") or isinstance(rule._converters.get(arg), IntegerConverter)]


def _id_rules(app) -> dict[str, object]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()
            if _id_arguments(rule) and not any("token" in arg for arg in rule.arguments)}


def _cases(app, role: str) -> Iterator[Case]:
    for endpoint, rule in sorted(_id_rules(app).items()):
        entry = MATRIX[endpoint]
        for bundle in BUNDLES[entry.kind]:
            if bundle == "X" and len(entry.args) < 2:
                continue
            level = SCOPES[entry.kind].get(role, {}).get(bundle)
            allowed = (level == "own" or (level == "read" and not entry.writes)) and (
                role in entry.roles
            )
            if "GET" in rule.methods:
                readers = entry.roles if entry.shows is None else entry.shows
                shown = allowed if entry.shows is None else (
                    level in ("own", "read") and role in entry.shows)
                yield Case(endpoint, role, bundle, "GET", shown,
                           hidden=_hidden(level, bundle) and role in readers)
            if "POST" in rule.methods and not allowed:
                yield Case(endpoint, role, bundle, "POST", False,
                           hidden=_hidden(level, bundle) and role in entry.roles)


def _hidden(level: str | None, bundle: str) -> bool:
    """Whether the object must answer 404: out of scope, and not a mix whose parent is visible
    (a parent one may only read answers 403 before the child is looked at)."""
    return level is None and bundle != "X"


def _known(case: Case) -> bool:
    return any(
        all(part in ("*", value) for part, value in zip(
            hole, (case.endpoint, case.role, case.bundle, case.method), strict=True))
        for hole in KNOWN_HOLES
    )


def _wildcard(case: Case) -> bool:
    """Whether `case` is known only through an entry with a "*"."""
    key = (case.endpoint, case.role, case.bundle, case.method)
    return key not in KNOWN_HOLES


@pytest.fixture
def matrix_world(world, session) -> MatrixWorld:
    return build(session, world)


# --- running it --------------------------------------------------------------------------

CASES_RUN: dict[str, int] = {}


def _audit_count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _request(client, method: str, url: str):
    """The response, or the exception the application raised (TESTING propagates them)."""
    try:
        return client.open(url, method=method, data={} if method == "POST" else None)
    except Exception as error:
        return error


def _problem(case: Case, response, audited_before: int, audited_after: int) -> str | None:
    """What is wrong with the answer to `case`, or None."""
    if isinstance(response, Exception):
        return f"500 ({type(response).__name__}: {str(response)[:120]})"
    status = response.status_code
    to_login = status == 302 and response.location.startswith("/login")
    if case.role == "anonymous":
        # An id beyond the database's integers names no route at all: a 404 tells nothing.
        ok = to_login or (case.bundle == "H" and status == 404)
    elif case.allowed:
        ok = status < 400
    elif case.hidden:
        ok = status == 404
    else:
        ok = status in (403, 404)
    if not ok:
        return str(status)
    if case.method == "POST" and audited_after != audited_before:
        return f"{status}, but {audited_after - audited_before} audit event(s) written"
    return None


def _run(app, session, matrix: MatrixWorld, role: str) -> tuple[list[str], list[str], int]:
    """(unexpected problems, problems of known holes, cases run) for one role."""
    client = isolated_client(app)
    if matrix.users[role] is not None:
        login(client, matrix.users[role])
    rules = _id_rules(app)
    problems: list[str] = []
    known: list[str] = []
    passed_holes: list[str] = []
    count = 0
    for case in _cases(app, role):
        args = MATRIX[case.endpoint].args
        bundle = matrix.bundles[case.bundle]
        rule_args = set(rules[case.endpoint].arguments)
        with app.test_request_context():
            url = url_for(case.endpoint, **{arg: bundle[arg] for arg in rule_args})
        assert set(args) == rule_args, case
        before = _audit_count(session) if case.method == "POST" else 0
        response = _request(client, case.method, url)
        after = _audit_count(session) if case.method == "POST" else 0
        count += 1
        problem = _problem(case, response, before, after)
        if problem is None:
            if _known(case) and not _wildcard(case):
                passed_holes.append(f"{case}: passes, remove it from KNOWN_HOLES")
        elif _known(case):
            known.append(f"{case} ({url}) -> {problem}")
        else:
            problems.append(f"{case} ({url}) -> {problem}")
    return problems + passed_holes, known, count


def test_every_route_with_an_id_is_in_the_matrix(app):
    routes = _id_rules(app)
    missing = sorted(set(routes) - set(MATRIX))
    assert missing == [], f"routes with an id and no entry in MATRIX: {missing}"
    gone = sorted(set(MATRIX) - set(routes))
    assert gone == [], f"MATRIX entries without a route: {gone}"
    for endpoint, entry in MATRIX.items():
        assert set(entry.args) == set(routes[endpoint].arguments), endpoint
        assert entry.kind in SCOPES and entry.kind in BUNDLES, endpoint
    assert len(routes) >= 60


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, session, matrix_world, role, capsys):
    problems, known, count = _run(app, session, matrix_world, role)
    CASES_RUN[role] = count
    with capsys.disabled():
        print(f"\naccess matrix, {role}: {count} cases, {len(known)} known holes")
    assert problems == [], "\n" + "\n".join(problems)
    assert count >= 100
    if known:
        pytest.xfail("known holes:\n" + "\n".join(known))


def test_the_matrix_ran_in_full(capsys):
    """Runs after the matrix: every role's walk ran, and how many cases there were."""
    if set(CASES_RUN) != set(ROLES):
        pytest.skip("only part of the matrix ran")
    total = sum(CASES_RUN.values())
    with capsys.disabled():
        print(f"\naccess matrix: {total} cases in total")
    assert total >= 2300
