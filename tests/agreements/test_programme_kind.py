"""The kind of agreement is fixed per programme: the admin sets it on the programme form, and a
part-time employment kind only in a sector that allows it."""

from __future__ import annotations

from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.catalog.models import Programme
from tests.clients import isolated_client
from tests.conftest import login


def programme_form(scene, **fields):
    data = {"code": scene.programme_a.code, "name": scene.programme_a.name,
            "sector_id": str(scene.sector_a.id), "track": scene.programme_a.track,
            "level": scene.programme_a.level, "stem_label": scene.programme_a.stem_label,
            "agreement_kind": "internship", "is_active": "y"}
    data.update(fields)
    return data


def admin(app, scene):
    client = isolated_client(app)
    login(client, scene.admin)
    return client


def test_admin_sets_the_programme_kind(app, session, scene):
    client = admin(app, scene)
    page = client.get(f"/admin/programmes/{scene.programme_a.id}/edit").get_data(as_text=True)
    assert 'name="agreement_kind"' in page and "Stageovereenkomst" in page
    response = client.post(f"/admin/programmes/{scene.programme_a.id}/edit",
                           data=programme_form(scene))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Programme, scene.programme_a.id).agreement_kind == "internship"
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "programme.updated")).scalars().all()[-1]
    assert event.changes["agreement_kind"] == ["alternating_training", "internship"]
    shown = client.get(f"/admin/programmes/{scene.programme_a.id}").get_data(as_text=True)
    assert "Stageovereenkomst" in shown


def test_part_time_employment_refused_where_the_sector_does_not_allow_it(app, session, scene):
    client = admin(app, scene)
    response = client.post(f"/admin/programmes/{scene.programme_a.id}/edit",
                           data=programme_form(scene, agreement_kind="part_time_employment"))
    assert response.status_code == 422
    assert "staat geen deeltijdse arbeidsovereenkomst toe" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Programme, scene.programme_a.id).agreement_kind == "alternating_training"
    scene.sector_a.allows_part_time_employment = True
    session.commit()
    response = client.post(f"/admin/programmes/{scene.programme_a.id}/edit",
                           data=programme_form(scene, agreement_kind="part_time_employment"))
    assert response.status_code == 302


def test_an_unknown_kind_is_refused(app, session, scene):
    client = admin(app, scene)
    response = client.post(f"/admin/programmes/{scene.programme_a.id}/edit",
                           data=programme_form(scene, agreement_kind="apprenticeship"))
    assert response.status_code == 422


def test_the_agreement_form_shows_the_programme_kind_as_text(app, session, scene):
    scene.programme_a.agreement_kind = "internship"
    scene.place_a.hours_per_week = 16
    session.commit()
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    page = client.get(f"/agreements/new?placement={scene.place_a.id}").get_data(as_text=True)
    assert "Stageovereenkomst (minder dan 20 uur per week)" in page
    assert "Per opleiding ligt het gebruik van een specifieke overeenkomst vast" in page
    assert "Onkostenvergoeding per maand (niet verplicht)" in page
    assert 'name="allowance_category"' not in page and 'name="kind"' not in page
    response = client.post(f"/agreements/new?placement={scene.place_a.id}", data={
        "kind": "alternating_training", "starts_on": "2026-09-01", "ends_on": "2027-06-30",
        "monthly_allowance": "30"})
    assert response.status_code == 302
    from dualflow.agreements.models import Agreement

    agreement = session.execute(select(Agreement)).scalar_one()
    assert (agreement.kind, agreement.hours_per_week, str(agreement.monthly_allowance)) == (
        "internship", 16, "30.00")
    detail = client.get(response.location).get_data(as_text=True)
    assert "Onkostenvergoeding" in detail and "€ 30,00 per maand" in detail
