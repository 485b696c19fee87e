"""The company's weekly working time, which the contract states as the learner's total time."""

from __future__ import annotations

from sqlalchemy import select

from dualflow.audit import AuditEvent
from tests.companies.test_companies import company_form
from tests.conftest import login

SITE_FIELDS = ("site_number", "site_name", "site_street", "site_postcode", "site_municipality")


def _edit_form(company, **overrides) -> dict:
    data = company_form(kbo_number=company.kbo_number, name=company.name, **overrides)
    return {key: value for key, value in data.items() if key not in SITE_FIELDS}


def test_the_company_form_sets_the_weekly_working_time(client, world, session):
    world.company_a.weekly_working_hours = None
    session.commit()
    login(client, world.company_user_a)
    url = f"/companies/{world.company_a.id}/edit"
    assert 'name="weekly_working_hours"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data=_edit_form(world.company_a, weekly_working_hours="38"))
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(world.company_a)
    assert world.company_a.weekly_working_hours == 38
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "company.updated")).scalar_one()
    assert event.changes["weekly_working_hours"] == [None, 38.0]
    assert "38 uur per week" in client.get(f"/companies/{world.company_a.id}").get_data(
        as_text=True)


def test_a_weekly_working_time_above_50_hours_is_refused(client, world, session):
    login(client, world.company_user_a)
    response = client.post(f"/companies/{world.company_a.id}/edit",
                           data=_edit_form(world.company_a, weekly_working_hours="60"))
    assert response.status_code == 422
    session.refresh(world.company_a)
    assert world.company_a.weekly_working_hours == 38  # unchanged
