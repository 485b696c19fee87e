"""Numbers beyond what the database stores: a 404 for a path, a field error for a form field,
an unknown value for a filter; never a 500, and never a download that breaks off half-way.

The walk reads `app.url_map`, so routes added later are covered without touching this file.
"""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from dualflow.learners.models import Learner
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login

HUGE = [2**31, 2**63, 99999999999999999999]
# Query-string arguments the pages read as numbers (ids, years, page numbers).
NUMBER_ARGUMENTS = ("school_id", "sector_id", "programme_id", "company_id", "site_id",
                    "learner_id", "placement", "trajectory", "mentor", "school_year",
                    "reference_year", "entity_id", "page", "user_id", "mentor_ids")


@pytest.fixture
def scene(world, session):
    return factories.placed_world(session, world)


def _int_rules(app, method: str):
    return sorted(
        (rule for rule in app.url_map.iter_rules()
         if method in rule.methods
         and any(isinstance(converter, IntegerConverter)
                 for converter in rule._converters.values())),
        key=lambda rule: rule.rule,
    )


def _url(app, rule, number: int) -> str:
    values = {}
    for argument in rule.arguments:
        converter = rule._converters.get(argument)
        if isinstance(converter, IntegerConverter):
            values[argument] = number
        elif isinstance(converter, AnyConverter):
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = "x"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _outcome(call) -> int:
    """The status, with the whole body read (a streamed body may fail half-way): 500 if raised."""
    try:
        response = call()
        response.get_data()
        return response.status_code
    except Exception:
        return 500


def test_there_are_routes_with_numbers(app):
    assert len(_int_rules(app, "GET")) >= 20
    assert len(_int_rules(app, "POST")) >= 10


@pytest.mark.parametrize("number", HUGE[:2], ids=["2**31", "2**63"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_id_beyond_the_database_range_in_a_path_is_not_found(app, scene, method, number):
    client = isolated_client(app)
    login(client, scene.admin)
    problems = []
    for rule in _int_rules(app, method):
        url = _url(app, rule, number)
        status = _outcome(lambda url=url: client.open(url, method=method, data={}))
        if status != 404:
            problems.append((method, url, status))
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("role", ["admin", "coordinator_a", "company_user_a", "sector_user_a"])
def test_number_filters_beyond_the_range_never_fail(app, scene, role):
    """Every page without a path argument, each number argument far out of range at once."""
    client = isolated_client(app)
    login(client, getattr(scene, role))
    problems = []
    rules = [rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"]
    for rule in rules:
        for number in HUGE:
            query = {name: str(number) for name in NUMBER_ARGUMENTS}
            status = _outcome(lambda rule=rule, query=query: client.get(rule.rule,
                                                                        query_string=query))
            if status >= 500:
                problems.append((rule.rule, number, status))
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("number", HUGE, ids=["2**31", "2**63", "10**20"])
def test_an_out_of_range_number_in_a_form_field_is_a_field_error(client, session, scene, number):
    from tests.learners.test_learners import learner_form

    login(client, scene.admin)
    before = session.execute(select(func.count()).select_from(Learner)).scalar_one()
    response = client.post("/learners/new", data=learner_form(school_id=str(number)))
    assert response.status_code == 422
    assert "Ongeldige keuze" in response.get_data(as_text=True)
    session.expire_all()
    assert session.execute(select(func.count()).select_from(Learner)).scalar_one() == before
