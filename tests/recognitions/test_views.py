"""Recognition screens: requests, the sector inbox and decisions, scope, history, bad input."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.modelbase import utcnow
from dualflow.recognitions.models import Recognition, RecognitionMentor
from tests import factories
from tests.conftest import fix_today, login


def totals(session) -> tuple[int, ...]:
    return tuple(
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Recognition, RecognitionMentor, AuditEvent)
    )


def switch(client, user) -> None:
    """Sign out whoever is signed in and sign `user` in."""
    client.post("/logout")
    login(client, user)


def request_form(setup, **overrides) -> dict:
    data = {"site_id": setup.site.id, "programme_id": setup.world.programme_a.id,
            "mentor_ids": [setup.mentor.id], "sworn_declaration": "y", "note": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_company_user_requests_recognition(client, session, setup):
    login(client, setup.world.company_user_a)
    page = client.get("/recognitions/new")
    assert page.status_code == 200
    assert "Werf Gent" in page.get_data(as_text=True)
    response = client.post("/recognitions/new", data=request_form(setup))
    assert response.status_code == 302
    recognition = session.execute(select(Recognition)).scalar_one()
    assert recognition.status == "submitted" and recognition.site_id == setup.site.id
    detail = client.get(response.location).get_data(as_text=True)
    assert "Ingediend, wacht op de sector" in detail
    assert "Aanvraag ingediend" in detail  # history


def test_request_without_sworn_declaration_writes_nothing(client, session, setup):
    login(client, setup.world.company_user_a)
    before = totals(session)
    response = client.post("/recognitions/new", data=request_form(setup, sworn_declaration=None))
    assert response.status_code == 422
    assert "Bevestig de verklaring op erewoord." in response.get_data(as_text=True)
    assert totals(session) == before


def test_second_live_request_via_the_form_is_refused(client, session, setup):
    factories.recognition_request(session, setup.site, setup.world.programme_a,
                                  mentors=[setup.mentor])
    session.commit()
    login(client, setup.world.company_user_a)
    before = totals(session)
    response = client.post("/recognitions/new", data=request_form(setup))
    assert response.status_code == 422
    assert "loopt al een aanvraag of erkenning" in response.get_data(as_text=True)
    assert totals(session) == before


def test_request_for_a_site_of_another_company_is_refused(client, session, setup):
    site_b = factories.site(session, setup.world.company_b)
    session.commit()
    login(client, setup.world.company_user_a)
    before = totals(session)
    response = client.post("/recognitions/new", data=request_form(setup, site_id=site_b.id))
    assert response.status_code == 422
    assert "Kies een vestiging van deze onderneming." in response.get_data(as_text=True)
    assert totals(session) == before


def test_coordinator_requests_on_behalf_of_the_company(client, session, setup):
    login(client, setup.world.coordinator_a)
    company_id = setup.world.company_a.id
    assert client.get("/recognitions/new").status_code == 302  # first choose the company
    assert client.get(f"/recognitions/new?company_id={company_id}").status_code == 200
    response = client.post(f"/recognitions/new?company_id={company_id}",
                           data=request_form(setup))
    assert response.status_code == 302
    recognition = session.execute(select(Recognition)).scalar_one()
    assert recognition.submitted_by_id == setup.world.coordinator_a.id
    # Another school does not see the open request; everyone sees it once approved.
    switch(client, setup.world.coordinator_b)
    assert client.get(f"/recognitions/{recognition.id}").status_code == 404
    recognition.status, recognition.valid_from, recognition.valid_until = (
        "approved", date(2026, 1, 1), date(2030, 12, 31))
    session.commit()
    assert client.get(f"/recognitions/{recognition.id}").status_code == 200


def test_sector_decides_through_the_pages(client, session, setup, monkeypatch):
    recognition = factories.recognition_request(session, setup.site, setup.world.programme_a,
                                                mentors=[setup.mentor])
    session.commit()
    login(client, setup.world.sector_user_a)
    inbox = client.get("/recognitions/inbox").get_data(as_text=True)
    assert "Bouw A" in inbox and "Werf Gent" in inbox
    page = client.get(f"/recognitions/{recognition.id}").get_data(as_text=True)
    assert "In behandeling nemen" in page
    assert client.post(f"/recognitions/{recognition.id}/review").status_code == 302
    today = fix_today(monkeypatch, date(2026, 12, 7))
    response = client.post(f"/recognitions/{recognition.id}/approve", data={
        "valid_from": today.isoformat(), "valid_until": (today - timedelta(days=1)).isoformat(),
    })
    assert response.status_code == 422
    assert "‘Geldig tot’ moet op of na ‘geldig vanaf’ liggen." in response.get_data(as_text=True)
    session.refresh(recognition)
    assert recognition.status == "in_review"
    response = client.post(f"/recognitions/{recognition.id}/approve", data={
        "valid_from": today.isoformat(), "valid_until": "",
    })
    assert response.status_code == 302
    session.refresh(recognition)
    assert recognition.status == "approved" and recognition.valid_from == today
    page = client.get(f"/recognitions/{recognition.id}").get_data(as_text=True)
    for step in ("Aanvraag ingediend", "In behandeling genomen", "Erkend"):
        assert step in page
    # A decision on a request that is no longer open is refused and changes nothing.
    before = totals(session)
    response = client.post(f"/recognitions/{recognition.id}/refuse",
                           data={"refuse-reason": "Toch niet"})
    assert response.status_code == 422
    assert "Alleen een aanvraag in behandeling kan geweigerd worden" in response.get_data(
        as_text=True)
    assert totals(session) == before
    session.refresh(recognition)
    assert recognition.status == "approved"
    # Withdrawal needs a reason.
    response = client.post(f"/recognitions/{recognition.id}/withdraw",
                           data={"withdraw-reason": ""})
    assert response.status_code == 422
    assert "Geef de reden van de intrekking." in response.get_data(as_text=True)
    assert totals(session) == before


def test_requester_sees_the_refusal_and_its_reason(client, session, setup):
    recognition = factories.recognition_request(session, setup.site, setup.world.programme_a,
                                                status="in_review", mentors=[setup.mentor])
    session.commit()
    login(client, setup.world.sector_user_a)
    response = client.post(f"/recognitions/{recognition.id}/refuse",
                           data={"refuse-reason": "Geen mentoropleiding gevolgd"})
    assert response.status_code == 302
    switch(client, setup.world.company_user_a)
    listing = client.get("/recognitions").get_data(as_text=True)
    assert "geweigerd" in listing and "Geen mentoropleiding gevolgd" in listing
    page = client.get(f"/recognitions/{recognition.id}").get_data(as_text=True)
    assert "Geweigerd" in page and "Geen mentoropleiding gevolgd" in page


def test_sector_b_cannot_see_or_decide_sector_a(client, session, setup):
    recognition = factories.recognition_request(session, setup.site, setup.world.programme_a,
                                                mentors=[setup.mentor])
    session.commit()
    login(client, setup.world.sector_user_b)
    before = totals(session)
    assert client.get(f"/recognitions/{recognition.id}").status_code == 404
    for action, data in (("review", {}), ("approve", {}),
                         ("refuse", {"refuse-reason": "x"}),
                         ("withdraw", {"withdraw-reason": "x"})):
        assert client.post(f"/recognitions/{recognition.id}/{action}",
                           data=data).status_code == 404
    assert "Werf Gent" not in client.get("/recognitions/inbox").get_data(as_text=True)
    assert totals(session) == before
    session.refresh(recognition)
    assert recognition.status == "submitted"


def test_other_roles_cannot_decide(client, session, setup):
    recognition = factories.recognition_request(session, setup.site, setup.world.programme_a,
                                                mentors=[setup.mentor])
    session.commit()
    for user in (setup.world.company_user_a, setup.world.coordinator_a, setup.world.admin):
        switch(client, user)
        assert client.post(f"/recognitions/{recognition.id}/review").status_code == 403
    session.refresh(recognition)
    assert recognition.status == "submitted"


def test_company_user_cannot_see_another_companys_recognitions(client, session, setup):
    site_b = factories.site(session, setup.world.company_b)
    other = factories.recognition_request(session, site_b, setup.world.programme_b)
    session.commit()
    login(client, setup.world.company_user_a)
    assert client.get(f"/recognitions/{other.id}").status_code == 404
    assert client.get(f"/recognitions/new?site_id={site_b.id}").status_code == 200  # own
    assert site_b.name not in client.get("/recognitions").get_data(as_text=True)


def test_inbox_is_oldest_first_and_marks_late_requests(client, session, setup):
    old_site = factories.site(session, setup.world.company_a, name="Oude aanvraag")
    new_site = factories.site(session, setup.world.company_a, name="Nieuwe aanvraag")
    factories.recognition_request(session, new_site, setup.world.programme_a,
                                  submitted_at=utcnow() - timedelta(days=2))
    factories.recognition_request(session, old_site, setup.world.programme_a,
                                  submitted_at=utcnow() - timedelta(days=20))
    session.commit()
    login(client, setup.world.sector_user_a)
    body = client.get("/recognitions/inbox").get_data(as_text=True)
    assert body.index("Oude aanvraag") < body.index("Nieuwe aanvraag")
    assert body.count("table-danger") == 1 and "20 dagen open" in body
