"""The user screens: list, invitation, deactivation, and what coordinators may do there."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dualflow.accounts.models import User
from dualflow.audit import AuditEvent
from tests import factories
from tests.admin.helpers import invitation_path, mails, main_html, queries_for
from tests.conftest import login


def _invite_data(**fields) -> dict:
    data = {
        "full_name": "Nina Nieuw",
        "email": "nina@school.example",
        "role": "coordinator",
        "school_id": "",
        "company_id": "",
        "sector_id": "",
        "language": "nl",
    }
    data.update({key: str(value) for key, value in fields.items()})
    return data


def _user_count(session) -> int:
    return session.execute(select(func.count()).select_from(User)).scalar_one()


def _find(session, email: str) -> User | None:
    session.expire_all()
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def test_admin_invites_coordinator_who_activates_the_account(client, session, world, outbox):
    login(client, world.admin)
    response = client.post(
        "/admin/users/invite", data=_invite_data(school_id=world.school_a.id)
    )
    assert response.status_code == 302
    assert response.location.endswith("/admin/users")

    invited = _find(session, "nina@school.example")
    assert invited is not None
    assert invited.password_hash is None
    assert invited.role == "coordinator" and invited.school_id == world.school_a.id
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.invited",
                                 AuditEvent.entity_id == invited.id)
    ).scalar_one()
    assert event.actor_id == world.admin.id

    [message] = mails(outbox)
    assert message["To"] == "nina@school.example"
    link = invitation_path(message)

    listing = main_html(client.get("/admin/users?q=nina"))
    assert "Nina Nieuw" in listing and "uitgenodigd" in listing

    client.post("/logout")
    assert client.get(link).status_code == 200
    password = "een-sterk-wachtwoord"
    accepted = client.post(link, data={"password": password, "confirm": password})
    assert accepted.status_code == 302
    client.post("/logout")
    login(client, invited, password=password)
    assert "Campus A" in client.get("/").get_data(as_text=True)


def test_invite_form_offers_organisations_from_the_database(client, world):
    login(client, world.admin)
    page = client.get("/admin/users/invite").get_data(as_text=True)
    for name in ("Campus A", "Campus B", "Bouw A", "Zorg B", "Bouw", "Zorg"):
        assert name in page
    assert 'value="admin"' in page and 'value="sector"' in page
    assert "js/admin.js" in page and "<script>" not in page


def test_invitation_needs_the_organisation_of_the_role(client, session, world, outbox):
    login(client, world.admin)
    before = _user_count(session)
    response = client.post("/admin/users/invite", data=_invite_data(role="company"))
    assert response.status_code == 422
    assert "Kies de onderneming van deze gebruiker." in response.get_data(as_text=True)
    assert _user_count(session) == before
    assert mails(outbox) == []


def test_invitation_refuses_an_address_in_use(client, session, world, outbox):
    login(client, world.admin)
    before = _user_count(session)
    response = client.post(
        "/admin/users/invite",
        data=_invite_data(email=world.coordinator_b.email.upper(), school_id=world.school_a.id),
    )
    assert response.status_code == 422
    assert "Er bestaat al een account met dit e-mailadres." in response.get_data(as_text=True)
    assert _user_count(session) == before
    assert mails(outbox) == []


def test_invitation_refuses_an_unknown_organisation(client, session, world):
    login(client, world.admin)
    before = _user_count(session)
    response = client.post("/admin/users/invite",
                           data=_invite_data(role="sector", sector_id=999999))
    assert response.status_code == 422
    assert _user_count(session) == before


def test_coordinator_invites_a_company_user(client, session, world, outbox):
    world.company_b.registered_by_school_id = world.school_a.id  # no account of its own yet
    session.commit()
    login(client, world.coordinator_a)
    page = client.get("/admin/users/invite").get_data(as_text=True)
    assert 'value="admin"' not in page and 'value="sector"' not in page
    assert "Campus B" not in page

    response = client.post(
        "/admin/users/invite",
        data=_invite_data(email="hr@bouw.example", role="company", company_id=world.company_b.id,
                          school_id=world.school_a.id),
    )
    assert response.status_code == 302
    invited = _find(session, "hr@bouw.example")
    assert invited.role == "company" and invited.company_id == world.company_b.id
    assert invited.school_id is None
    assert len(mails(outbox)) == 1
    # The coordinator keeps the invited person in view, and can resend the invitation.
    assert "hr@bouw.example" in main_html(client.get("/admin/users"))
    assert client.post(f"/admin/users/{invited.id}/reinvite").status_code == 302
    assert len(mails(outbox)) == 2
    # A coordinator of another school does not see the person.
    client.post("/logout")
    login(client, world.coordinator_b)
    assert "hr@bouw.example" not in main_html(client.get("/admin/users"))


def test_coordinator_invites_a_colleague_of_the_own_school(client, session, world):
    login(client, world.coordinator_a)
    response = client.post("/admin/users/invite", data=_invite_data(school_id=world.school_a.id))
    assert response.status_code == 302
    assert _find(session, "nina@school.example").school_id == world.school_a.id


@pytest.mark.parametrize(
    "fields",
    [
        lambda world: {"role": "admin"},
        lambda world: {"role": "sector", "sector_id": world.sector_a.id},
        lambda world: {"role": "coordinator", "school_id": world.school_b.id},
    ],
    ids=["admin", "sector", "coordinator-of-other-school"],
)
def test_coordinator_may_not_invite_outside_the_company_side(client, session, world, outbox,
                                                             fields):
    login(client, world.coordinator_a)
    resolved = fields(world)
    before = _user_count(session)
    response = client.post("/admin/users/invite", data=_invite_data(**resolved))
    assert response.status_code == 422
    assert _user_count(session) == before
    assert _find(session, "nina@school.example") is None
    assert mails(outbox) == []


def test_coordinator_sees_only_users_of_the_own_school(client, world):
    login(client, world.coordinator_a)
    page = main_html(client.get("/admin/users"))
    assert world.coordinator_a.email in page
    for other in (world.coordinator_b, world.admin, world.company_user_a, world.sector_user_a):
        assert other.email not in page


def test_coordinator_cannot_act_on_users_outside_the_scope(client, session, world):
    login(client, world.coordinator_a)
    response = client.post(f"/admin/users/{world.coordinator_b.id}/deactivate")
    assert response.status_code == 404
    session.expire_all()
    assert session.get(User, world.coordinator_b.id).is_active


@pytest.mark.parametrize("role", ["mentor_user_a", "sector_user_a"])
def test_other_roles_may_not_manage_users(client, world, role):
    login(client, getattr(world, role))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/invite").status_code == 403
    assert client.post("/admin/users/invite", data=_invite_data()).status_code == 403
    assert client.post(f"/admin/users/{world.coordinator_a.id}/deactivate").status_code == 403


def test_user_screens_need_a_login(client, world):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.location


def test_deactivation_ends_sessions_and_blocks_login(app, client, session, world):
    victim_client = app.test_client()
    login(victim_client, world.coordinator_a)
    assert victim_client.get("/").status_code == 200

    login(client, world.admin)
    response = client.post(f"/admin/users/{world.coordinator_a.id}/deactivate",
                           data={"next": "/admin/users?status=inactive"})
    assert response.status_code == 302
    assert response.location.endswith("/admin/users?status=inactive")
    assert world.coordinator_a.email in main_html(client.get("/admin/users?status=inactive"))

    kicked_out = victim_client.get("/")
    assert kicked_out.status_code == 302 and "/login" in kicked_out.location
    refused = victim_client.post(
        "/login", data={"email": world.coordinator_a.email, "password": factories.PASSWORD}
    )
    assert refused.status_code == 422
    assert session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.deactivated",
                                 AuditEvent.entity_id == world.coordinator_a.id)
    ).scalar_one().changes == {"is_active": [True, False]}

    assert client.post(f"/admin/users/{world.coordinator_a.id}/reactivate").status_code == 302
    login(victim_client, world.coordinator_a)


def test_redirect_after_an_action_stays_on_this_site(client, world):
    login(client, world.admin)
    response = client.post(f"/admin/users/{world.coordinator_a.id}/deactivate",
                           data={"next": "//evil.example/"})
    assert response.location.endswith("/admin/users")


def test_admin_cannot_deactivate_the_own_account(client, session, world):
    login(client, world.admin)
    response = client.post(f"/admin/users/{world.admin.id}/deactivate", follow_redirects=True)
    assert "Je kunt je eigen account niet deactiveren." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, world.admin.id).is_active


def test_resending_an_invitation_replaces_the_old_link(client, session, world, outbox):
    login(client, world.admin)
    client.post("/admin/users/invite", data=_invite_data(school_id=world.school_a.id))
    invited = _find(session, "nina@school.example")
    response = client.post(f"/admin/users/{invited.id}/reinvite", follow_redirects=True)
    assert "Een nieuwe uitnodiging is verstuurd" in response.get_data(as_text=True)

    first, second = mails(outbox)
    client.post("/logout")
    assert client.get(invitation_path(first)).status_code == 410
    assert client.get(invitation_path(second)).status_code == 200


def test_resending_to_an_activated_account_is_refused(client, outbox, world):
    login(client, world.admin)
    response = client.post(f"/admin/users/{world.coordinator_a.id}/reinvite",
                           follow_redirects=True)
    assert "heeft het account al geactiveerd" in response.get_data(as_text=True)
    assert mails(outbox) == []


def test_user_list_search_and_filters(client, session, world):
    factories.user(session, "mentor", company_id=world.company_b.id, full_name="Zeno Zorg",
                   password_hash=None)
    factories.user(session, "mentor", company_id=world.company_b.id, full_name="Oud Gebruiker",
                   is_active=False)
    session.commit()
    login(client, world.admin)

    def names(query: str) -> str:
        return main_html(client.get(f"/admin/users?{query}"))

    assert "Zeno Zorg" in names("q=zeno") and "Mia Mentor" not in names("q=zeno")
    assert world.coordinator_a.email in names(f"q={world.coordinator_a.email}")
    by_role = names("role=mentor")
    assert "Mia Mentor" in by_role and "Ada Admin" not in by_role
    invited = names("status=invited")
    assert "Zeno Zorg" in invited and "Mia Mentor" not in invited
    inactive = names("status=inactive")
    assert "Oud Gebruiker" in inactive and "Zeno Zorg" not in inactive
    active = names("status=active")
    assert "Mia Mentor" in active and "Oud Gebruiker" not in active and "Zeno Zorg" not in active
    page = names("")
    assert "Zorg B" in page  # organisation column
    unfiltered = names("role=nonsense&status=%25")  # malformed filters are ignored
    assert world.mentor_user_a.email in unfiltered and world.admin.email in unfiltered


@pytest.mark.parametrize("viewer", ["admin", "coordinator_a"])
def test_user_list_queries_do_not_grow_with_the_data(app, client, session, world, viewer):
    login(client, getattr(world, viewer))

    def add_users(count: int) -> None:
        for index in range(count):
            organisation = [
                {"role": "coordinator", "school_id": world.school_a.id},
                {"role": "mentor", "company_id": world.company_a.id},
                {"role": "sector", "sector_id": world.sector_b.id},
            ][index % 3]
            factories.user(session, organisation.pop("role"), **organisation)
        session.commit()

    add_users(5)
    small = queries_for(app, client, "/admin/users")
    add_users(35)
    large = queries_for(app, client, "/admin/users")
    assert small == large
    assert large <= 6
