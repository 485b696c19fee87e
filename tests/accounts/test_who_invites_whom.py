"""Who may invite whom, and who may deactivate an account of a company."""

from __future__ import annotations

from sqlalchemy import func, select

from dualflow.accounts import services
from dualflow.accounts.models import User
from dualflow.errors import NotAllowed
from tests import factories
from tests.admin.helpers import main_html
from tests.conftest import login


def _invite_data(**fields) -> dict:
    data = {"full_name": "Ivo Indringer", "email": "ivo@elders.example", "role": "company",
            "school_id": "", "company_id": "", "sector_id": "", "language": "nl"}
    data.update({key: str(value) for key, value in fields.items()})
    return data


def _users(session) -> int:
    return session.execute(select(func.count()).select_from(User)).scalar_one()


def test_coordinator_never_invites_into_a_company_that_manages_itself(client, session, world):
    # company_a has its own active account (company_user_a) and nothing to do with school B.
    login(client, world.coordinator_b)
    before = _users(session)
    response = client.post("/admin/users/invite", data=_invite_data(
        company_id=world.company_a.id, school_id=world.school_b.id))
    assert response.status_code in (403, 422)
    assert _users(session) == before
    for role in ("company", "mentor"):
        try:
            services.invite(session, actor=world.coordinator_b, email=f"{role}@elders.example",
                            full_name="Ivo", role=role, company_id=world.company_a.id)
        except NotAllowed:
            pass
        else:  # pragma: no cover - the failure message
            raise AssertionError(f"a coordinator invited a {role} into a self-managed company")


def test_invite_form_offers_only_companies_the_coordinator_maintains(client, session, world):
    world.company_b.registered_by_school_id = world.school_b.id
    session.commit()
    login(client, world.coordinator_b)
    page = main_html(client.get("/admin/users/invite"))
    assert world.company_b.name in page
    assert world.company_a.name not in page
    client.post("/logout")
    login(client, world.coordinator_a)
    page = main_html(client.get("/admin/users/invite"))
    assert world.company_a.name not in page and world.company_b.name not in page


def test_registering_school_invites_for_a_company_without_its_own_account(client, session,
                                                                         world):
    world.company_b.registered_by_school_id = world.school_b.id
    session.commit()
    login(client, world.coordinator_b)
    response = client.post("/admin/users/invite", data=_invite_data(
        company_id=world.company_b.id, email="hr@zorgb.example", school_id=world.school_b.id))
    assert response.status_code == 302
    # Another school may not, even though the company has no account yet.
    client.post("/logout")
    login(client, world.coordinator_a)
    before = _users(session)
    response = client.post("/admin/users/invite", data=_invite_data(
        company_id=world.company_b.id, email="hr2@zorgb.example", school_id=world.school_a.id))
    assert response.status_code in (403, 422)
    assert _users(session) == before


def test_company_user_deactivates_an_intruder_of_the_own_company(client, session, world):
    # An account created for company A by another school before invitations were checked.
    intruder = factories.user(session, "company", company_id=world.company_a.id,
                              invited_by_id=world.coordinator_b.id, email="ivo@elders.example")
    session.commit()
    login(client, world.company_user_a)
    assert intruder.email in main_html(client.get("/admin/users"))
    response = client.post(f"/admin/users/{intruder.id}/deactivate")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, intruder.id).is_active is False


def test_company_user_manages_colleagues_and_mentors_only(client, session, world):
    login(client, world.company_user_a)
    response = client.post("/admin/users/invite", data=_invite_data(
        company_id=world.company_a.id, email="collega@bouwa.example"))
    assert response.status_code == 302
    invited = session.execute(
        select(User).where(User.email == "collega@bouwa.example")).scalar_one()
    assert (invited.role, invited.company_id) == ("company", world.company_a.id)
    assert client.post(f"/admin/users/{world.mentor_user_a.id}/deactivate").status_code == 302
    before = _users(session)
    for fields in ({"role": "company", "company_id": world.company_b.id},
                   {"role": "coordinator", "school_id": world.school_a.id},
                   {"role": "admin"}):
        response = client.post("/admin/users/invite", data=_invite_data(
            **fields, email="nee@elders.example"))
        assert response.status_code in (403, 422)
    assert _users(session) == before
    # Accounts of other organisations stay out of reach.
    assert client.post(f"/admin/users/{world.coordinator_a.id}/deactivate").status_code == 404
    session.expire_all()
    assert session.get(User, world.coordinator_a.id).is_active


def test_coordinator_cannot_deactivate_the_account_of_a_self_managed_company(client, session,
                                                                            world):
    colleague = factories.user(session, "company", company_id=world.company_a.id,
                               invited_by_id=world.coordinator_a.id)
    session.commit()
    login(client, world.coordinator_a)
    page = main_html(client.get("/admin/users"))
    assert colleague.email in page  # the school invited the person, and still sees the account
    assert f"/admin/users/{colleague.id}/deactivate" not in page
    response = client.post(f"/admin/users/{colleague.id}/deactivate")
    assert response.status_code in (403, 404)
    session.expire_all()
    assert session.get(User, colleague.id).is_active


def test_company_user_invites_into_the_own_company_without_choosing_it(client, session, world):
    login(client, world.company_user_a)
    page = main_html(client.get("/admin/users/invite"))
    options = page[page.index('name="company_id"'):]
    options = options[:options.index("</select>")]
    assert world.company_a.name in options
    assert world.company_b.name not in options
    assert "kies een onderneming" not in options
