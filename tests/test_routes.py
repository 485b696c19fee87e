"""Walk every route of the application: log-in required, no 500s, admin screens closed, CSRF on.

The walk reads `app.url_map`, so routes added later are covered without touching this file.
Path arguments are filled with existing rows of the test data: `<school_id>` with a school,
`<agreement_id>` with an agreement (looked up by table name), `<token>` with a dummy token.
"""

from __future__ import annotations

import itertools
import re

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from dualflow.audit import AuditEvent
from dualflow.models import metadata
from tests import factories
from tests.clients import isolated_client, joined_app
from tests.conftest import login

SKIPPED = {"static", "bootstrap.static"}
PUBLIC = {"accounts.login", "accounts.forgot_password", "healthz"}
CSRF_EXEMPT = {"healthz"}
ROLES = ["admin", "coordinator_a", "company_user_a", "mentor_user_a", "sector_user_a"]
DUMMY_TOKEN = "not-a-real-token-0123456789"


@pytest.fixture
def scene(world, session):
    return factories.placed_world(session, world)


@pytest.fixture
def path_ids(scene, session) -> dict[str, int]:
    """Path argument -> an existing id, chosen on the side of school A and company A."""
    competency = session.execute(
        select(metadata.tables["competencies"].c.id)
        .where(metadata.tables["competencies"].c.programme_id == scene.programme_a.id)
        .order_by(metadata.tables["competencies"].c.id)
    ).scalars().first()
    return {
        "school_id": scene.school_a.id,
        "sector_id": scene.sector_a.id,
        "programme_id": scene.programme_a.id,
        "competency_id": competency,
        "holiday_id": scene.holiday_a.id,
        "user_id": scene.coordinator_a.id,
        "company_id": scene.company_a.id,
        "site_id": scene.site_a1.id,
        "mentor_id": scene.mentor_a.id,
        "learner_id": scene.learner_a.id,
        "trajectory_id": scene.traj_a.id,
        "recognition_id": scene.rec_a.id,
        "placement_id": scene.place_a.id,
    }


def _table_for(argument: str):
    """`agreement_id` -> the agreements table, `company_id` -> companies, if there is one."""
    stem = argument.removesuffix("_id")
    for name in (f"{stem}s", f"{stem}es", f"{stem[:-1]}ies"):
        if name in metadata.tables:
            return metadata.tables[name]
    return None


def _value(session, rule, argument: str, path_ids: dict[str, int]):
    if "token" in argument:
        return DUMMY_TOKEN
    if argument in path_ids:
        return path_ids[argument]
    converter = rule._converters.get(argument)
    if isinstance(converter, IntegerConverter) or argument.endswith("_id"):
        table = _table_for(argument)
        if table is not None and "id" in table.c:
            found = session.execute(select(func.min(table.c.id))).scalar()
            if found is not None:
                return found
        return 1
    return "1"


def _urls(app, session, rule, path_ids) -> list[str]:
    """The rule's URLs: one, or one per choice of an `<any(...)>` argument."""
    choices = []
    for arg in sorted(rule.arguments):
        converter = rule._converters.get(arg)
        if isinstance(converter, AnyConverter):
            choices.append([(arg, item) for item in sorted(converter.items)])
        else:
            choices.append([(arg, _value(session, rule, arg, path_ids))])
    with app.test_request_context():
        return [url_for(rule.endpoint, **dict(values)) for values in itertools.product(*choices)]


def _rules(app, method: str):
    return sorted(
        (
            rule for rule in app.url_map.iter_rules()
            if method in rule.methods and rule.endpoint not in SKIPPED
        ),
        key=lambda rule: rule.rule,
    )


def _walk(app, session, method, path_ids, rules=None):
    """(rule, url) for every route answering `method`."""
    for rule in _rules(app, method) if rules is None else rules:
        for url in _urls(app, session, rule, path_ids):
            yield rule, url


def _get(client, url):
    """The response, or the exception the application raised (TESTING propagates them)."""
    try:
        return client.get(url)
    except Exception as error:
        return error


def _status(response) -> int:
    return 500 if isinstance(response, Exception) else response.status_code


def _audit_count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _is_public(rule) -> bool:
    return rule.endpoint in PUBLIC or any("token" in arg for arg in rule.arguments)


def _is_users_screen(rule) -> bool:
    return rule.endpoint.startswith("admin.user")


def test_the_walk_sees_the_known_routes(app):
    endpoints = {rule.endpoint for rule in _rules(app, "GET")}
    assert {"dashboard.home", "accounts.login", "accounts.reset_password",
            "accounts.accept_invitation", "admin.users"} <= endpoints
    assert "static" not in endpoints
    assert "accounts.logout" not in endpoints


def test_anonymous_visitors_are_sent_to_the_login_page(app, session, path_ids):
    client = isolated_client(app)
    problems = []
    protected = 0
    for rule, url in _walk(app, session, "GET", path_ids):
        protected += not _is_public(rule)
        response = _get(client, url)
        status = _status(response)
        location = getattr(response, "location", None) or ""
        if _is_public(rule):
            if status >= 500 or (status == 302 and "/login" in location):
                problems.append((url, status, location or repr(response)))
        elif status != 302 or not re.match(r"^/login(\?|$)", location):
            problems.append((url, status, location or repr(response)))
    assert problems == [], "\n".join(map(str, problems))
    assert protected >= 10


def test_public_pages_answer_anonymously(app):
    client = isolated_client(app)
    assert client.get("/login").status_code == 200
    assert client.get("/password/forgot").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/password/reset/{DUMMY_TOKEN}").status_code == 410
    assert client.get(f"/invitation/{DUMMY_TOKEN}").status_code == 410


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_without_server_error_for_every_role(app, session, scene, path_ids,
                                                                role):
    client = isolated_client(app)
    user = getattr(scene, role)
    login(client, user)
    audited = _audit_count(session)
    problems = []
    walked = 0
    for _rule, url in _walk(app, session, "GET", path_ids):
        walked += 1
        response = _get(client, url)
        if _status(response) >= 500:
            problems.append((url, repr(response)))
        # Nothing a signed-in user opens logs the user out on the way.
        assert client.get("/").status_code == 200, f"{url} ended the session of {role}"
    assert problems == [], "\n".join(map(str, problems))
    assert walked >= 10
    # Looking changes nothing: no GET leaves an audit event behind.
    assert _audit_count(session) == audited


@pytest.mark.parametrize("role", ROLES)
def test_admin_screens_are_closed_to_everybody_but_admins(app, session, scene, path_ids, role):
    client = isolated_client(app)
    user = getattr(scene, role)
    login(client, user)
    problems = []
    walked = 0
    for rule, url in _walk(app, session, "GET", path_ids):
        if not rule.rule.startswith("/admin/"):
            continue
        walked += 1
        response = _get(client, url)
        status = _status(response)
        # Coordinators and company users manage accounts on the users screens.
        if role == "admin" or (role.startswith(("coordinator", "company"))
                               and _is_users_screen(rule)):
            ok = status < 400
        else:
            ok = status == 403
        if not ok:
            problems.append((url, status, "" if status < 500 else repr(response)))
    assert problems == [], "\n".join(map(str, problems))
    assert walked >= 6


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app, make_app, session, monkeypatch):
    """A second application with CSRF protection on, sharing the test database transaction."""
    return joined_app(make_app, app, session, monkeypatch, WTF_CSRF_ENABLED=True)


def _csrf_login(client, user) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_every_post_without_csrf_token_is_refused(csrf_app, session, scene, path_ids,
                                                  signed_in):
    client = isolated_client(csrf_app)
    if signed_in:
        _csrf_login(client, scene.admin)
    rules = [rule for rule in _rules(csrf_app, "POST") if rule.endpoint not in CSRF_EXEMPT]
    assert {"accounts.login", "accounts.logout", "accounts.set_language"} <= {
        rule.endpoint for rule in rules
    }
    problems = []
    for _rule, url in _walk(csrf_app, session, "POST", path_ids, rules):
        response = client.post(url, data={"language": "fr", "email": scene.admin.email,
                                          "password": factories.PASSWORD})
        if response.status_code != 400 or "Het formulier was verlopen" not in response.get_data(
            as_text=True
        ):
            problems.append((url, response.status_code))
    assert problems == [], "\n".join(map(str, problems))
    if signed_in:
        # Still signed in: the refused log-out did not happen.
        assert client.get("/").status_code == 200


def test_post_with_csrf_token_is_accepted(csrf_app, scene):
    client = isolated_client(csrf_app)
    _csrf_login(client, scene.coordinator_a)
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/language", data={"language": "fr", "csrf_token": token})
    assert response.status_code == 302
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
