"""Schools and their holidays on the administration screens."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.catalog import services
from dualflow.catalog.models import School, SchoolHoliday
from dualflow.errors import DomainError
from tests import factories
from tests.admin.helpers import main_html, queries_for
from tests.conftest import login


def _school_data(**fields) -> dict:
    data = {
        "name": "Technicum Noord",
        "institution_number": "123456",
        "kind": "secondary",
        "street": "Schoolstraat 1",
        "postcode": "2000",
        "municipality": "Antwerpen",
        "email": "info@technicum.example",
        "phone": "03 123 45 67",
        "escalation_email": "directie@technicum.example",
        "evaluation_interval_weeks": "8",
        "is_active": "y",
    }
    data.update({key: str(value) for key, value in fields.items()})
    return data


def _count(session, model) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_admin_creates_a_school(client, session, world):
    login(client, world.admin)
    assert client.get("/admin/schools/new").status_code == 200
    response = client.post("/admin/schools/new", data=_school_data())
    assert response.status_code == 302
    school = session.execute(
        select(School).where(School.institution_number == "123456")
    ).scalar_one()
    assert (school.name, school.municipality, school.evaluation_interval_weeks) == (
        "Technicum Noord", "Antwerpen", 8,
    )
    assert response.location.endswith(f"/admin/schools/{school.id}")
    [event] = _events(session, "school.created")
    assert event.entity_id == school.id and event.changes["name"] == "Technicum Noord"
    page = main_html(client.get(response.location))
    assert "Technicum Noord" in page and "8 weken" in page


def test_duplicate_institution_number_is_refused(client, session, world):
    login(client, world.admin)
    before = _count(session, School)
    response = client.post(
        "/admin/schools/new",
        data=_school_data(institution_number=world.school_b.institution_number),
    )
    assert response.status_code == 422
    assert (
        f"Er bestaat al een school met instellingsnummer {world.school_b.institution_number}."
        in response.get_data(as_text=True)
    )
    assert _count(session, School) == before
    assert _events(session, "school.created") == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("institution_number", "12AB", "Een instellingsnummer bestaat alleen uit cijfers."),
        ("postcode", "900", "Een postcode heeft 4 cijfers."),
        ("evaluation_interval_weeks", "0", "Kies een waarde van 1 tot 52."),
        ("evaluation_interval_weeks", "99999999999999999999", "Kies een waarde van 1 tot 52."),
        ("email", "geen-adres", "Dit is geen geldig e-mailadres."),
        ("name", "x" * 201, ""),
    ],
)
def test_bad_school_input_is_a_field_error(client, session, world, field, value, message):
    login(client, world.admin)
    before = _count(session, School)
    response = client.post("/admin/schools/new", data=_school_data(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "is-invalid" in response.get_data(as_text=True)
    assert _count(session, School) == before


def test_admin_edits_a_school_and_the_change_is_audited(client, session, world):
    login(client, world.admin)
    school = world.school_a
    form = client.get(f"/admin/schools/{school.id}/edit").get_data(as_text=True)
    assert 'value="Campus A"' in form
    response = client.post(
        f"/admin/schools/{school.id}/edit",
        data=_school_data(name="Campus A-plus", institution_number=school.institution_number),
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(School, school.id).name == "Campus A-plus"
    [event] = _events(session, "school.updated")
    assert event.changes["name"] == ["Campus A", "Campus A-plus"]
    assert "institution_number" not in event.changes


def test_editing_to_another_schools_number_is_refused(client, session, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/schools/{world.school_a.id}/edit",
        data=_school_data(institution_number=world.school_b.institution_number),
    )
    assert response.status_code == 422
    assert "Er bestaat al een school met instellingsnummer" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(School, world.school_a.id).name == "Campus A"


def test_school_list_search(client, session, world):
    factories.school(session, name="Atheneum Brugge", municipality="Brugge",
                     institution_number="777001")
    session.commit()
    login(client, world.admin)
    by_name = main_html(client.get("/admin/schools?q=athen"))
    assert "Atheneum Brugge" in by_name and "Campus A" not in by_name
    assert "Atheneum Brugge" in main_html(client.get("/admin/schools?q=777001"))
    assert "Atheneum Brugge" in main_html(client.get("/admin/schools?q=BRUGGE"))
    assert "Geen scholen gevonden." in main_html(client.get("/admin/schools?q=%25_"))


@pytest.mark.parametrize("role", ["coordinator_a", "company_user_a", "mentor_user_a",
                                  "sector_user_a"])
def test_school_screens_are_for_admins_only(client, world, role):
    login(client, getattr(world, role))
    school = world.school_a
    assert client.get("/admin/schools").status_code == 403
    assert client.get(f"/admin/schools/{school.id}").status_code == 403
    assert client.post("/admin/schools/new", data=_school_data()).status_code == 403
    assert client.post(f"/admin/schools/{school.id}/holidays",
                       data={"name": "x", "starts_on": "2026-11-02",
                             "ends_on": "2026-11-06"}).status_code == 403


def test_unknown_school_is_404(client, world):
    login(client, world.admin)
    assert client.get("/admin/schools/999999").status_code == 404


def test_holidays_are_added_edited_and_deleted(client, session, world):
    login(client, world.admin)
    school = world.school_a
    response = client.post(
        f"/admin/schools/{school.id}/holidays",
        data={"name": "Herfstvakantie", "starts_on": "2026-10-26", "ends_on": "2026-11-01"},
    )
    assert response.status_code == 302
    holiday = session.execute(
        select(SchoolHoliday).where(SchoolHoliday.school_id == school.id)
    ).scalar_one()
    assert (holiday.starts_on, holiday.ends_on) == (date(2026, 10, 26), date(2026, 11, 1))
    page = main_html(client.get(f"/admin/schools/{school.id}"))
    assert "Herfstvakantie" in page and "26/10/2026" in page and "01/11/2026" in page

    response = client.post(
        f"/admin/schools/{school.id}/holidays/{holiday.id}/edit",
        data={"name": "Herfstvakantie", "starts_on": "2026-10-26", "ends_on": "2026-11-02"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(SchoolHoliday, holiday.id).ends_on == date(2026, 11, 2)
    assert _events(session, "holiday.updated")[0].changes == {
        "ends_on": ["2026-11-01", "2026-11-02"]
    }

    assert client.post(
        f"/admin/schools/{school.id}/holidays/{holiday.id}/delete"
    ).status_code == 302
    assert _count(session, SchoolHoliday) == 0
    assert [event.action for event in session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "school_holidays")
        .order_by(AuditEvent.id)
    ).scalars()] == ["holiday.created", "holiday.updated", "holiday.deleted"]


def test_holiday_ending_before_it_starts_is_refused(client, session, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/schools/{world.school_a.id}/holidays",
        data={"name": "Krokusvakantie", "starts_on": "2027-02-15", "ends_on": "2027-02-08"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "De einddatum valt vóór de begindatum." in page
    assert 'value="Krokusvakantie"' in page  # the input is kept for correction
    assert _count(session, SchoolHoliday) == 0
    assert _events(session, "holiday.created") == []


def test_holiday_edit_refuses_end_before_start(client, session, world):
    holiday = SchoolHoliday(school_id=world.school_a.id, name="Paasvakantie",
                            starts_on=date(2027, 3, 29), ends_on=date(2027, 4, 11))
    session.add(holiday)
    session.commit()
    login(client, world.admin)
    response = client.post(
        f"/admin/schools/{world.school_a.id}/holidays/{holiday.id}/edit",
        data={"name": "Paasvakantie", "starts_on": "2027-04-12", "ends_on": "2027-04-11"},
    )
    assert response.status_code == 422
    assert "De einddatum valt vóór de begindatum." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(SchoolHoliday, holiday.id).starts_on == date(2027, 3, 29)


def test_holiday_of_another_school_is_404(client, session, world):
    holiday = SchoolHoliday(school_id=world.school_b.id, name="Kerstvakantie",
                            starts_on=date(2026, 12, 21), ends_on=date(2027, 1, 3))
    session.add(holiday)
    session.commit()
    login(client, world.admin)
    url = f"/admin/schools/{world.school_a.id}/holidays/{holiday.id}"
    assert client.get(f"{url}/edit").status_code == 404
    assert client.post(f"{url}/delete").status_code == 404
    assert _count(session, SchoolHoliday) == 1


def test_holiday_with_malformed_dates_is_a_field_error(client, session, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/schools/{world.school_a.id}/holidays",
        data={"name": "Vakantie", "starts_on": "gisteren", "ends_on": ""},
    )
    assert response.status_code == 422
    assert _count(session, SchoolHoliday) == 0


def test_service_refuses_holiday_end_before_start(session, world):
    with pytest.raises(DomainError) as refused:
        services.add_holiday(session, actor=world.admin, school=world.school_a, name="X",
                             starts_on=date(2027, 1, 2), ends_on=date(2027, 1, 1))
    assert refused.value.field == "ends_on"


def test_school_list_queries_do_not_grow_with_the_data(app, client, session, world):
    login(client, world.admin)

    def add(count: int) -> None:
        for _ in range(count):
            factories.school(session)
        session.commit()

    add(5)
    small = queries_for(app, client, "/admin/schools")
    add(35)
    assert queries_for(app, client, "/admin/schools") == small


def test_school_page_queries_do_not_grow_with_the_holidays(app, client, session, world):
    login(client, world.admin)
    url = f"/admin/schools/{world.school_a.id}"

    def add(count: int) -> None:
        for index in range(count):
            day = date(2026, 1, 1).toordinal() + 7 * (index + _count(session, SchoolHoliday))
            session.add(SchoolHoliday(school_id=world.school_a.id, name=f"Vakantie {index}",
                                      starts_on=date.fromordinal(day),
                                      ends_on=date.fromordinal(day + 2)))
        session.commit()

    add(5)
    small = queries_for(app, client, url)
    add(35)
    assert queries_for(app, client, url) == small
