"""The audit log screen: newest first, filters, readable changes, admins only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dualflow.audit import AuditEvent
from tests.admin.helpers import main_html, queries_for
from tests.conftest import login


def _event(session, *, actor, action: str, entity_type: str, entity_id: int, at: datetime,
           changes: dict | None = None) -> AuditEvent:
    event = AuditEvent(actor_id=actor.id if actor else None,
                       actor_label=actor.email if actor else "system", action=action,
                       entity_type=entity_type, entity_id=entity_id, at=at,
                       changes=changes or {}, ip="192.0.2.7")
    session.add(event)
    session.flush()
    return event


@pytest.fixture
def events(session, world):
    """A handful of events by different people, on different days (times in UTC)."""
    _event(session, actor=world.admin, action="programme.created", entity_type="programmes",
           entity_id=world.programme_a.id, at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
           changes={"code": "MET", "name": "Metselaar", "is_active": True})
    _event(session, actor=world.admin, action="programme.updated", entity_type="programmes",
           entity_id=world.programme_a.id, at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
           changes={"name": ["Metselaar", "Metselaar-voeger"]})
    _event(session, actor=world.coordinator_a, action="user.invited", entity_type="users",
           entity_id=world.company_user_a.id, at=datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    # 23:30 UTC on 4 March is already 5 March in Brussels.
    _event(session, actor=world.admin, action="school.updated", entity_type="schools",
           entity_id=world.school_a.id, at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC),
           changes={"evaluation_interval_weeks": [6, 8], "email": ["", "a@b.example"],
                    "starts_on": ["2026-09-01", None]})
    _event(session, actor=None, action="programmes.nightly", entity_type="job_runs",
           entity_id=1, at=datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    session.commit()


def _rows(client, query: str = "") -> str:
    page = main_html(client.get(f"/admin/audit?{query}"))
    if "<tbody>" not in page:
        return ""
    return page[page.index("<tbody>"):page.index("</tbody>")]


def test_audit_log_lists_newest_first(client, world, events):
    login(client, world.admin)  # this log-in is itself an audit event
    rows = _rows(client)
    order = [rows.index(action) for action in
             ("user.login", "programmes.nightly", "school.updated", "user.invited",
              "programme.updated", "programme.created")]
    assert order == sorted(order)


def test_audit_log_shows_changes_readably(client, world, events):
    login(client, world.admin)
    rows = _rows(client, "action=school.updated")
    assert "evaluation_interval_weeks" in rows
    assert "<del class=\"text-body-secondary\">6</del> → <ins class=\"df-after\">8</ins>" in rows
    assert "(leeg)" in rows and "01/09/2026" in rows and "—" in rows
    assert "05/03/2026 00:30" in rows  # shown in Brussels time
    created = _rows(client, "action=programme.created")
    assert "Metselaar" in created and "ja" in created and "→" not in created
    assert f'href="/admin/programmes/{world.programme_a.id}"' in created


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("action=programme.", {"programme.created", "programme.updated"},
         {"programmes.nightly", "user.invited"}),
        ("action=programme.updated", {"programme.updated"}, {"programme.created"}),
        ("actor=coordinator", {"user.invited"}, {"programme.created", "school.updated"}),
        ("actor=system", {"programmes.nightly"}, {"user.invited"}),
        ("entity_type=schools", {"school.updated"}, {"programme.created"}),
        ("entity_type=job_runs", {"programmes.nightly"}, {"school.updated"}),
        ("date_from=2026-03-02&date_to=2026-03-03", {"programme.updated", "user.invited"},
         {"programme.created", "school.updated"}),
        ("date_from=2026-03-05&date_to=2026-03-05", {"school.updated"},
         {"user.invited", "programmes.nightly"}),
        ("date_to=2026-03-04", {"user.invited"}, {"school.updated"}),
    ],
)
def test_audit_filters(client, world, events, query, expected, absent):
    login(client, world.admin)
    rows = _rows(client, query)
    for action in expected:
        assert action in rows, (query, action)
    for action in absent:
        assert action not in rows, (query, action)


def test_audit_filter_by_entity_id(client, world, events):
    login(client, world.admin)
    rows = _rows(client, f"entity_type=programmes&entity_id={world.programme_a.id}")
    assert "programme.created" in rows and "programme.updated" in rows
    assert "school.updated" not in rows
    assert _rows(client, "entity_type=programmes&entity_id=999999") == ""


@pytest.mark.parametrize(
    "query",
    ["entity_id=abc", "date_from=gisteren", "date_to=9999-12-31", "date_from=0001-01-01",
     "action=%25&actor=_", "page=99999"],
)
def test_malformed_audit_filters_never_fail(client, world, events, query):
    login(client, world.admin)
    assert client.get(f"/admin/audit?{query}").status_code == 200


def test_audit_filter_form_keeps_its_values(client, world, events):
    login(client, world.admin)
    page = client.get("/admin/audit?actor=ada&action=school.&date_from=2026-03-01")
    html = page.get_data(as_text=True)
    assert 'value="ada"' in html and 'value="school."' in html and 'value="2026-03-01"' in html


@pytest.mark.parametrize("role", ["coordinator_a", "company_user_a", "mentor_user_a",
                                  "sector_user_a"])
def test_audit_log_is_for_admins_only(client, world, role):
    login(client, getattr(world, role))
    assert client.get("/admin/audit").status_code == 403


def test_audit_log_queries_do_not_grow_with_the_data(app, client, session, world):
    login(client, world.admin)

    def add(count: int) -> None:
        for index in range(count):
            _event(session, actor=world.admin, action="programme.updated",
                   entity_type="programmes", entity_id=world.programme_a.id,
                   at=datetime(2026, 1, 1, tzinfo=UTC),
                   changes={"name": [f"Oud {index}", f"Nieuw {index}"]})
        session.commit()

    add(5)
    small = queries_for(app, client, "/admin/audit")
    add(35)
    assert queries_for(app, client, "/admin/audit") == small


@pytest.mark.parametrize("value", ["2027-02-30", "2026-13-01T25:61", "0000-00-00", "2026-02-29"])
def test_a_value_that_only_looks_like_a_date_is_shown_as_typed(client, session, world, value):
    _event(session, actor=world.coordinator_a, action="company.updated", entity_type="companies",
           entity_id=1, at=datetime(2026, 3, 7, 9, 0, tzinfo=UTC),
           changes={"contact_name": ["Jan", value], "name": value})
    session.commit()
    login(client, world.admin)
    response = client.get("/admin/audit?action=company.updated")
    assert response.status_code == 200
    rows = _rows(client, "action=company.updated")
    assert value in rows
