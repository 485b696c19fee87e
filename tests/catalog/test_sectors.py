"""Sectors and their rule parameters on the administration screens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.catalog import services
from dualflow.catalog.models import Sector
from dualflow.errors import DomainError
from tests import factories
from tests.admin.helpers import main_html, queries_for
from tests.conftest import login


def _sector_data(**fields) -> dict:
    data = {
        "code": "HORECA",
        "name": "Horeca",
        "email": "erkenning@horeca.example",
        "mentor_min_age": "25",
        "mentor_min_experience_years": "5",
        "mentor_min_age_qualified": "23",
        "mentor_min_experience_years_qualified": "2",
        "mentor_training_months": "9",
        "max_learners_per_mentor": "2",
        "allows_part_time_employment": "y",
        "recognition_years": "4",
        "decision_days": "21",
        "record_check_max_age_months": "6",
        "teaching_certificate_exempts": "y",
    }
    data.update({key: str(value) for key, value in fields.items()})
    return {key: value for key, value in data.items() if value is not None}


def _count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(Sector)).scalar_one()


def test_admin_creates_a_sector_with_its_rules(client, session, world):
    login(client, world.admin)
    assert client.get("/admin/sectors/new").status_code == 200
    response = client.post("/admin/sectors/new", data=_sector_data())
    assert response.status_code == 302
    sector = session.execute(select(Sector).where(Sector.code == "HORECA")).scalar_one()
    assert sector.mentor_training_months == 9
    assert sector.max_learners_per_mentor == 2
    assert sector.allows_part_time_employment is True
    assert (sector.recognition_years, sector.decision_days) == (4, 21)
    assert sector.record_check_max_age_months == 6 and sector.teaching_certificate_exempts
    assert session.execute(
        select(AuditEvent).where(AuditEvent.action == "sector.created")
    ).scalar_one().entity_id == sector.id
    listing = main_html(client.get("/admin/sectors?q=horeca"))
    assert "Horeca" in listing and "binnen 9 maanden" in listing and "max. 2" in listing


def test_empty_cap_means_no_maximum(client, session, world):
    login(client, world.admin)
    data = _sector_data()
    data["max_learners_per_mentor"] = ""
    del data["allows_part_time_employment"]
    assert client.post("/admin/sectors/new", data=data).status_code == 302
    sector = session.execute(select(Sector).where(Sector.code == "HORECA")).scalar_one()
    assert sector.max_learners_per_mentor is None
    assert sector.allows_part_time_employment is False
    assert "geen maximum" in main_html(client.get("/admin/sectors?q=HORECA"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_learners_per_mentor", "0",
         "Kies minstens 1 (en hoogstens 99), of laat leeg voor geen maximum."),
        ("mentor_min_age", "17", "Kies een waarde van 18 tot 99."),
        ("mentor_min_age_qualified", "17", "Kies een waarde van 18 tot 99."),
        ("mentor_min_experience_years", "-1", "Kies een waarde van 0 tot 60."),
        ("mentor_training_months", "0", "Kies een waarde van 1 tot 60."),
        ("mentor_training_months", "61", "Kies een waarde van 1 tot 60."),
        ("recognition_years", "21", "Kies een waarde van 1 tot 20."),
        ("decision_days", "366", "Kies een waarde van 1 tot 365."),
        ("decision_days", "veertien", ""),
        ("record_check_max_age_months", "0", "Kies een waarde van 1 tot 60."),
        ("mentor_min_age_qualified", "26",
         "Met een relevante kwalificatie mag de vereiste niet hoger liggen dan zonder (25)."),
    ],
)
def test_out_of_range_rules_are_refused(client, session, world, field, value, message):
    login(client, world.admin)
    before = _count(session)
    response = client.post("/admin/sectors/new", data=_sector_data(**{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "is-invalid" in page
    assert _count(session) == before


def test_duplicate_sector_code_is_refused(client, session, world):
    login(client, world.admin)
    before = _count(session)
    response = client.post("/admin/sectors/new", data=_sector_data(code=world.sector_a.code))
    assert response.status_code == 422
    assert f"Er bestaat al een sector met code {world.sector_a.code}." in response.get_data(
        as_text=True
    )
    assert _count(session) == before


def test_admin_edits_sector_rules(client, session, world):
    login(client, world.admin)
    sector = world.sector_a
    page = client.get(f"/admin/sectors/{sector.id}").get_data(as_text=True)
    assert 'value="Bouw"' in page
    response = client.post(
        f"/admin/sectors/{sector.id}",
        data=_sector_data(code=sector.code, name="Bouw", max_learners_per_mentor=3,
                          mentor_training_months=6),
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Sector, sector.id).max_learners_per_mentor == 3
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "sector.updated")
    ).scalar_one()
    assert event.changes["max_learners_per_mentor"] == [1, 3]
    assert "mentor_training_months" not in event.changes


def test_service_checks_ranges_without_the_form(session, world):
    with pytest.raises(DomainError) as refused:
        services.update_sector(session, actor=world.admin, sector=world.sector_b,
                               max_learners_per_mentor=0)
    assert refused.value.field == "max_learners_per_mentor"
    with pytest.raises(DomainError) as refused:
        services.update_sector(session, actor=world.admin, sector=world.sector_b,
                               mentor_min_experience_years_qualified=6)
    assert refused.value.field == "mentor_min_experience_years_qualified"


@pytest.mark.parametrize("role", ["coordinator_a", "sector_user_a", "company_user_a"])
def test_sector_screens_are_for_admins_only(client, world, role):
    login(client, getattr(world, role))
    assert client.get("/admin/sectors").status_code == 403
    assert client.get(f"/admin/sectors/{world.sector_a.id}").status_code == 403
    assert client.post("/admin/sectors/new", data=_sector_data()).status_code == 403


def test_sector_list_queries_do_not_grow_with_the_data(app, client, session, world):
    login(client, world.admin)

    def add(count: int) -> None:
        for _ in range(count):
            sector = factories.sector(session)
            factories.programme(session, sector, competencies=0)
        session.commit()

    add(5)
    small = queries_for(app, client, "/admin/sectors")
    add(35)
    assert queries_for(app, client, "/admin/sectors") == small
