"""Admins set the reminder days of a school or sector; the deadline rules then use them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.catalog.models import School, Sector
from dualflow.notifications.rules import evaluation_deadlines
from tests import factories
from tests.admin.helpers import main_html
from tests.conftest import login

SCHOOL_REMINDERS_EMPTY = {
    "evaluation_reminder_days": "",
    "evaluation_overdue_days": "",
    "evaluation_escalation_days": "",
    "signature_reminder_every_days": "",
    "agreement_warning_training_days": "",
}


def _school_data(school: School, **fields) -> dict:
    data = {
        "name": school.name,
        "institution_number": school.institution_number,
        "kind": school.kind,
        "street": school.street,
        "postcode": school.postcode,
        "municipality": school.municipality,
        "email": school.email,
        "phone": school.phone,
        "escalation_email": school.escalation_email,
        "evaluation_interval_weeks": str(school.evaluation_interval_weeks),
        "is_active": "y",
        **SCHOOL_REMINDERS_EMPTY,
    }
    data.update(fields)
    return data


def _sector_data(sector: Sector, **fields) -> dict:
    data = {
        "code": sector.code,
        "name": sector.name,
        "email": sector.email,
        "mentor_min_age": sector.mentor_min_age,
        "mentor_min_experience_years": sector.mentor_min_experience_years,
        "mentor_min_age_qualified": sector.mentor_min_age_qualified,
        "mentor_min_experience_years_qualified": sector.mentor_min_experience_years_qualified,
        "mentor_training_months": sector.mentor_training_months,
        "recognition_years": sector.recognition_years,
        "decision_days": sector.decision_days,
        "record_check_max_age_months": sector.record_check_max_age_months,
        "recognition_expiry_days": "",
        "mentor_training_days": "",
    }
    data.update(fields)
    return {key: str(value) for key, value in data.items()}


def _stored(session, model, row_id: int) -> dict:
    session.expire_all()
    return session.get(model, row_id).reminder_offsets


def _events(session, action: str, entity_id: int) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_id == entity_id)).scalars())


def test_saving_overrides_stores_exactly_those_keys_and_audits(client, session, world):
    school = world.school_a
    login(client, world.admin)
    response = client.post(f"/admin/schools/{school.id}/edit", data=_school_data(
        school, evaluation_reminder_days="3, 10", signature_reminder_every_days="5"))

    assert response.status_code == 302
    expected = {"evaluation_reminder_days": [10, 3], "signature_reminder_every_days": 5}
    assert _stored(session, School, school.id) == expected
    [event] = _events(session, "school.updated", school.id)
    assert event.changes == {"reminder_offsets": [{}, expected]}
    # The form shows what is stored, and the defaults where nothing is.
    page = main_html(client.get(f"/admin/schools/{school.id}/edit"))
    assert 'name="evaluation_reminder_days" placeholder="7, 1"' in page
    assert 'value="10, 3"' in page and 'value="5"' in page
    assert "Leeg laten voor de standaard (3)." in page


def test_empty_fields_store_nothing_and_emptying_restores_the_default(client, session, world):
    login(client, world.admin)
    response = client.post("/admin/schools/new", data=_school_data(
        world.school_a, name="Technicum Noord", institution_number="998877"))
    assert response.status_code == 302
    school = session.execute(
        select(School).where(School.institution_number == "998877")).scalar_one()
    assert school.reminder_offsets == {}
    assert _events(session, "school.updated", school.id) == []

    school.reminder_offsets = {"evaluation_overdue_days": 5, "recognition_expiry_days": [60]}
    session.flush()
    response = client.post(f"/admin/schools/{school.id}/edit",
                           data=_school_data(school, evaluation_overdue_days=""))
    assert response.status_code == 302
    # The school's own key is gone; a key this form does not own is left alone.
    assert _stored(session, School, school.id) == {"recognition_expiry_days": [60]}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("evaluation_reminder_days", "7, x", "„x” is geen geheel aantal dagen."),
    ("evaluation_reminder_days", "-1", "Kies dagen van 0 tot 365."),
    ("agreement_warning_training_days", "1, 2, 3, 4, 5, 6", "Geef hoogstens 5 waarden."),
    ("agreement_warning_training_days", "400", "Kies dagen van 0 tot 365."),
    ("evaluation_overdue_days", "0", "Kies een waarde van 1 tot 365."),
])
def test_invalid_days_are_refused_and_nothing_is_stored(client, session, world, field, value,
                                                        message):
    school = world.school_a
    login(client, world.admin)
    response = client.post(f"/admin/schools/{school.id}/edit", data=_school_data(
        school, name="Ander naam", evaluation_escalation_days="20", **{field: value}))

    assert response.status_code == 422
    page = main_html(response)
    assert message in page
    assert f'value="{value}"' in page  # what was typed comes back to be corrected
    session.expire_all()
    assert (school.name, school.reminder_offsets) == (world.school_a.name, {})
    assert _events(session, "school.updated", school.id) == []


def test_a_sector_overrides_its_own_keys(client, session, world):
    sector = world.sector_a
    login(client, world.admin)
    page = main_html(client.get(f"/admin/sectors/{sector.id}"))
    assert 'name="recognition_expiry_days" placeholder="90, 30"' in page
    assert "evaluation_reminder_days" not in page  # school keys are not the sector's

    response = client.post(f"/admin/sectors/{sector.id}",
                           data=_sector_data(sector, recognition_expiry_days="60,14,"))
    assert response.status_code == 302
    assert _stored(session, Sector, sector.id) == {"recognition_expiry_days": [60, 14]}
    [event] = _events(session, "sector.updated", sector.id)
    assert event.changes == {"reminder_offsets": [{}, {"recognition_expiry_days": [60, 14]}]}


def test_the_evaluation_rule_uses_the_days_saved_on_the_form(client, session, world):
    placed = factories.placed_world(session, world)
    factories.evaluation_moment(session, placed.traj_a, due_on=date(2026, 10, 13))
    session.flush()
    ten_days_before = date(2026, 10, 3)
    # With the defaults (7 and 1 days before) nothing is due ten days ahead.
    assert evaluation_deadlines(session, ten_days_before) == {}

    login(client, world.admin)
    response = client.post(f"/admin/schools/{placed.school_a.id}/edit",
                           data=_school_data(placed.school_a, evaluation_reminder_days="10"))
    assert response.status_code == 302
    session.expire_all()

    assert evaluation_deadlines(session, ten_days_before) == {"evaluation.reminder": 1}
