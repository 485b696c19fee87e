"""Registering companies and sites, who maintains what, and scope (404 for other companies)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from dualflow.accounts.models import User
from dualflow.audit import AuditEvent
from dualflow.companies.models import Company, Mentor, Site
from tests import factories
from tests.conftest import login


def count(session, model, *conditions) -> int:
    return session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()


def totals(session) -> tuple[int, ...]:
    return tuple(count(session, model) for model in (Company, Site, Mentor, User, AuditEvent))


def company_form(**overrides) -> dict:
    data = {
        "kbo_number": "BE 0403.170.701", "name": "Dakwerken Peeters", "legal_form": "BV",
        "sector_id": "0", "street": "Kerkstraat 1", "postcode": "9000", "municipality": "Gent",
        "contact_name": "Piet Peeters", "contact_email": "piet@dakwerken.example",
        "contact_phone": "", "site_number": "2.000.000.537", "site_name": "",
        "site_street": "Industrieweg 5", "site_postcode": "9050", "site_municipality": "Gentbrugge",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("kbo", ["0403.170.701", "BE0403170701", "BE 403 170 701"])
def test_coordinator_registers_company_and_site(client, world, session, kbo):
    login(client, world.coordinator_a)
    response = client.post("/companies/new", data=company_form(kbo_number=kbo))
    assert response.status_code == 302, response.get_data(as_text=True)
    company = session.execute(
        select(Company).where(Company.kbo_number == "0403170701")
    ).scalar_one()
    site = session.execute(select(Site).where(Site.company_id == company.id)).scalar_one()
    assert (site.number, site.name, site.postcode) == ("2000000537", "Dakwerken Peeters", "9050")
    actions = session.execute(
        select(AuditEvent.action).where(AuditEvent.actor_id == world.coordinator_a.id)
    ).scalars().all()
    assert {"company.created", "site.created"} <= set(actions)
    assert response.location.endswith(f"/companies/{company.id}")


def test_registering_with_invitation_creates_company_account(client, world, session, outbox):
    login(client, world.coordinator_a)
    response = client.post("/companies/new",
                           data=company_form(invite_contact="y", site_same_address="y"))
    assert response.status_code == 302
    user = session.execute(
        select(User).where(User.email == "piet@dakwerken.example")
    ).scalar_one()
    company = session.get(Company, user.company_id)
    assert user.role == "company" and company.name == "Dakwerken Peeters"
    site = session.execute(select(Site).where(Site.company_id == company.id)).scalar_one()
    assert (site.street, site.postcode) == ("Kerkstraat 1", "9000")
    mails = list(outbox.glob("*.eml"))
    assert len(mails) == 1 and "piet@dakwerken.example" in mails[0].read_text()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kbo_number": "0403.170.702"}, "controlecijfers kloppen niet"),
        ({"kbo_number": "12345"}, "10 cijfers"),
        ({"site_number": "2.000.000.538"}, "controlecijfers kloppen niet"),
        ({"site_postcode": "4000", "site_municipality": "Luik"}, "Waals Gewest"),
        ({"site_postcode": "1348", "site_municipality": "Louvain-la-Neuve"}, "Waals Gewest"),
        ({"postcode": "99"}, "Belgische postcode"),
    ],
    ids=["kbo check digits", "kbo length", "site check digits", "walloon 4000", "walloon 1348",
         "bad company postcode"],
)
def test_bad_company_input_is_refused_and_nothing_written(client, world, session, overrides,
                                                          message):
    login(client, world.coordinator_a)
    before = totals(session)
    response = client.post("/companies/new", data=company_form(**overrides))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "invalid-feedback" in body
    assert totals(session) == before


def test_duplicate_kbo_number_in_another_form_is_refused(client, world, session):
    login(client, world.coordinator_a)
    number = world.company_a.kbo_number
    dotted = f"BE {number[:4]}.{number[4:7]}.{number[7:]}"
    before = totals(session)
    response = client.post("/companies/new", data=company_form(kbo_number=dotted))
    assert response.status_code == 422
    assert "al geregistreerd als ‘Bouw A’" in response.get_data(as_text=True)
    assert totals(session) == before


def test_site_number_of_another_company_is_refused(client, world, session):
    other = factories.site(session, world.company_b)
    session.commit()
    login(client, world.company_user_a)
    before = totals(session)
    response = client.post(f"/companies/{world.company_a.id}/sites/new", data={
        "number": other.number, "name": "Kopie", "postcode": "9000", "municipality": "Gent",
    })
    assert response.status_code == 422
    assert "hoort bij een andere onderneming" in response.get_data(as_text=True)
    assert totals(session) == before


def test_company_user_maintains_own_sites(client, world, session):
    login(client, world.company_user_a)
    response = client.post(f"/companies/{world.company_a.id}/sites/new", data={
        "number": factories.kbo_number(4711, first="2"), "name": "Werf Aalst",
        "street": "Stationsstraat 2", "postcode": "9300", "municipality": "Aalst",
    })
    assert response.status_code == 302
    site = session.execute(select(Site).where(Site.name == "Werf Aalst")).scalar_one()
    assert site.company_id == world.company_a.id
    before = totals(session)
    response = client.post(f"/companies/{world.company_a.id}/sites/{site.id}/edit", data={
        "number": site.number, "name": "Werf Aalst", "postcode": "7000", "municipality": "Bergen",
    })
    assert response.status_code == 422
    assert "Waals Gewest" in response.get_data(as_text=True)
    assert totals(session) == before
    session.refresh(site)
    assert site.postcode == "9300"


def test_company_user_cannot_see_another_company(client, world, session):
    site_b = factories.site(session, world.company_b)
    mentor_b = factories.mentor(session, world.company_b)
    session.commit()
    login(client, world.company_user_a)
    b = world.company_b.id
    for url in (f"/companies/{b}", f"/companies/{b}/sites", f"/companies/{b}/mentors",
                f"/companies/{b}/sites/{site_b.id}/edit", f"/companies/{b}/mentors/{mentor_b.id}",
                f"/companies/{world.company_a.id}/sites/{site_b.id}/edit",
                f"/companies/{world.company_a.id}/mentors/{mentor_b.id}"):
        assert client.get(url).status_code == 404, url
    before = totals(session)
    response = client.post(f"/companies/{b}/sites/{site_b.id}/edit", data={
        "number": site_b.number, "name": "Overgenomen", "postcode": "9000", "municipality": "Gent",
    })
    assert response.status_code == 404
    assert client.post(f"/companies/{b}/mentors/{mentor_b.id}/invite").status_code == 404
    assert totals(session) == before
    # The own company is reachable, and the menu leads there.
    assert client.get("/companies/mine").location.endswith(f"/companies/{world.company_a.id}")
    assert client.get(f"/companies/{world.company_a.id}").status_code == 200


def test_company_user_may_not_register_companies(client, world):
    login(client, world.company_user_a)
    assert client.get("/companies/new").status_code == 403
    assert client.post("/companies/new", data=company_form()).status_code == 403


def test_coordinator_keeps_data_only_until_the_company_has_an_account(client, world, session):
    unmanaged = factories.company(session, name="Zonder account",
                                  registered_by_school_id=world.school_a.id)
    session.commit()
    login(client, world.coordinator_a)
    assert client.get(f"/companies/{unmanaged.id}/edit").status_code == 200
    # Bouw A has its own (activated) company account: it maintains its data itself.
    assert client.get(f"/companies/{world.company_a.id}/edit").status_code == 403
    assert client.get(f"/companies/{world.company_a.id}").status_code == 200


def test_company_search_by_name_number_postcode_and_municipality(client, world, session):
    target = factories.company(session, name="Schrijnwerk Verhulst", postcode="8500",
                               municipality="Kortrijk")
    factories.site(session, target, postcode="8790", municipality="Waregem",
                   number=factories.kbo_number(99, first="2"))
    session.commit()
    login(client, world.coordinator_a)
    number = target.kbo_number
    for query in ({"q": "verhulst"}, {"q": f"BE{number[:4]}.{number[4:7]}"},
                  {"q": factories.kbo_number(99, first="2")}, {"postcode": "87"},
                  {"postcode": "8500"}, {"municipality": "waregem"}):
        body = client.get("/companies", query_string=query).get_data(as_text=True)
        assert "Schrijnwerk Verhulst" in body, query
        assert "Bouw A" not in body, query


def test_ineligible_mentor_is_saved_with_a_warning(client, world, session):
    login(client, world.company_user_a)
    response = client.post(f"/companies/{world.company_a.id}/mentors/new", data={
        "first_name": "Jonas", "last_name": "Jong", "email": "jonas@bouw-a.example",
        "birth_date": "2004-01-01", "experience_years": "3", "appointed_on": "2026-01-10",
    }, follow_redirects=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    mentor = session.execute(select(Mentor).where(Mentor.last_name == "Jong")).scalar_one()
    assert mentor.company_id == world.company_a.id and mentor.is_active
    assert "voldoet (nog) niet aan de mentorregels" in body
    assert "minimaal 25 jaar vereist" in body
    assert "Er is geen uittreksel uit het strafregister op dossier." in body


def test_mentor_input_refused_with_field_errors(client, world, session):
    login(client, world.company_user_a)
    before = totals(session)
    response = client.post(f"/companies/{world.company_a.id}/mentors/new", data={
        "first_name": "Toekomst", "last_name": "Datum", "birth_date": "1980-01-01",
        "experience_years": "10", "record_check_on": "2999-01-01",
    })
    assert response.status_code == 422
    assert "Deze datum ligt in de toekomst." in response.get_data(as_text=True)
    response = client.post(f"/companies/{world.company_a.id}/mentors/new", data={
        "first_name": "Geen", "last_name": "Leeftijd", "experience_years": "-1",
    })
    assert response.status_code == 422
    assert totals(session) == before


def test_company_page_shows_checklist_training_deadline_and_capacity(client, world, session):
    tine = factories.mentor(session, world.company_a, first_name="Tine", last_name="Training",
                            appointed_on=date(2026, 1, 15), record_check_on=date(2025, 1, 1))
    site = factories.site(session, world.company_a)
    factories.recognition_request(session, site, world.programme_a, mentors=[tine],
                                  status="approved",
                                  decided_at=datetime(2026, 1, 15, 10, tzinfo=UTC),
                                  valid_from=date(2026, 1, 15), valid_until=date(2030, 1, 14))
    session.commit()
    login(client, world.company_user_a)
    body = client.get(f"/companies/{world.company_a.id}").get_data(as_text=True)
    assert "Tine Training" in body
    assert "Getoetst aan de" in body or "standaardregels" in body
    # Default rules (no sector): training within 12 months of the decision of 15/01/2026.
    assert "15/01/2027" in body and "erkenningsbeslissing van 15/01/2026" in body
    assert "Capaciteit" in body


def test_mentor_invitation_links_an_account(client, world, session, outbox):
    mentor = factories.mentor(session, world.company_a, first_name="Ilse",
                              email="ilse@bouw-a.example")
    session.commit()
    login(client, world.company_user_a)
    response = client.post(f"/companies/{world.company_a.id}/mentors/{mentor.id}/invite")
    assert response.status_code == 302
    session.refresh(mentor)
    account = session.get(User, mentor.user_id)
    assert (account.role, account.company_id, account.email) == (
        "mentor", world.company_a.id, "ilse@bouw-a.example")
    assert len(list(outbox.glob("*.eml"))) == 1
    # A second invitation is refused and writes nothing.
    before = totals(session)
    assert client.post(
        f"/companies/{world.company_a.id}/mentors/{mentor.id}/invite"
    ).status_code == 422
    assert totals(session) == before


def test_sector_cap_counts_only_learners_of_that_sectors_programmes(world, session):
    from dualflow.companies.services import mentors_statement

    world.company_a.sector_id = world.sector_a.id  # construction-like: cap of 1
    mentor = factories.mentor(session, world.company_a, first_name="Kaat", last_name="Cap")
    site = factories.site(session, world.company_a)
    own = factories.recognition(session, site, world.programme_a)
    other = factories.recognition(session, site, world.programme_b)
    learner = factories.learner(session, world.school_a)
    factories.placement(session, factories.trajectory(session, world.learner_a,
                                                      world.programme_a, school_year=2025),
                        mentor, own)
    factories.placement(session, factories.trajectory(session, learner, world.programme_b),
                        mentor, other)
    session.commit()
    rows = session.execute(
        mentors_statement(world.company_user_a, world.company_a, today=date(2026, 10, 1))
    ).all()
    counts = {row[0].id: row[1] for row in rows}
    # Two learners, but only one in the construction sector's programmes: 1 / 1, not 2 / 1.
    assert counts[mentor.id] == 1
