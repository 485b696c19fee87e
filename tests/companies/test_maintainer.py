"""Who maintains a company: its own account once active, else the school that registered it."""

from __future__ import annotations

from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.companies.models import Company
from tests import factories
from tests.companies.test_companies import company_form, totals
from tests.conftest import login


def _unmanaged(session, world):
    """Company B without an account of its own, registered by school A; a site and a mentor."""
    company = world.company_b
    company.registered_by_school_id = world.school_a.id
    site = factories.site(session, company)
    mentor = factories.mentor(session, company, email="mentor@zorgb.example")
    session.commit()
    return company, site, mentor


def _site_data(site) -> dict:
    return {"number": site.number, "name": "Overgenomen", "street": "",
            "postcode": "9000", "municipality": "Gent"}


def _mentor_data(mentor) -> dict:
    return {"first_name": "Gekaapt", "last_name": mentor.last_name,
            "email": "kaper@elders.example", "birth_date": "1980-01-01",
            "experience_years": "10", "is_active": "y"}


def test_another_school_only_reads_a_company_it_did_not_register(client, session, world):
    company, site, mentor = _unmanaged(session, world)
    login(client, world.coordinator_b)
    c = company.id
    assert client.get(f"/companies/{c}").status_code == 200
    before = totals(session)
    posts = [
        (f"/companies/{c}/edit", {**company_form(), "name": "Gekaapt"}),
        (f"/companies/{c}/sites/new", _site_data(site) | {"number": factories.kbo_number(
            8123, first="2")}),
        (f"/companies/{c}/sites/{site.id}/edit", _site_data(site)),
        (f"/companies/{c}/mentors/new", _mentor_data(mentor)),
        (f"/companies/{c}/mentors/{mentor.id}", _mentor_data(mentor)),
        (f"/companies/{c}/mentors/{mentor.id}/invite", {}),
        (f"/companies/{c}/invite-contact", {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code in (403, 404), url
    session.expire_all()
    assert totals(session) == before
    assert session.get(Company, c).name == world.company_b.name
    assert session.get(type(mentor), mentor.id).user_id is None


def test_registering_school_maintains_the_company_until_it_has_an_account(client, session,
                                                                         world):
    company, site, mentor = _unmanaged(session, world)
    login(client, world.coordinator_a)
    response = client.post(f"/companies/{company.id}/sites/{site.id}/edit",
                           data=_site_data(site))
    assert response.status_code == 302
    response = client.post(f"/companies/{company.id}/mentors/{mentor.id}/invite")
    assert response.status_code == 302


def test_a_company_registered_by_a_coordinator_records_the_school(client, session, world):
    login(client, world.coordinator_a)
    response = client.post("/companies/new", data=company_form())
    assert response.status_code == 302
    company = session.execute(
        select(Company).where(Company.kbo_number == "0403170701")).scalar_one()
    assert company.registered_by_school_id == world.school_a.id
    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "company.created", AuditEvent.entity_id == company.id)).first()
