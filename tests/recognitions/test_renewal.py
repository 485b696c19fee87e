"""Renewing a recognition nearing its end, and a validity beyond the sector's term."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.errors import DomainError
from dualflow.i18n import format_date
from dualflow.recognitions import services
from dualflow.recognitions.models import Recognition, RecognitionMentor
from dualflow.trajectories import services as trajectories
from dualflow.trajectories.models import Placement, Trajectory
from tests import factories
from tests.conftest import fix_today, login

TODAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    fix_today(monkeypatch, TODAY)


@pytest.fixture
def current(session, setup):
    """An approved recognition of Werf Gent for programme_a ending in 100 days, naming Mia."""
    recognition = factories.recognition_request(
        session, setup.site, setup.world.programme_a, mentors=[setup.mentor],
        status="approved", valid_from=TODAY - timedelta(days=1700),
        valid_until=TODAY + timedelta(days=100), note="Werf met eigen atelier")
    session.commit()
    return recognition


def _renewals(session) -> int:
    return session.execute(select(func.count()).select_from(Recognition).where(
        Recognition.renews_id.is_not(None))).scalar_one()


def _renew(client, recognition, **data):
    form = {"mentor_ids": [], "sworn_declaration": "y", "note": ""}
    form.update(data)
    return client.post(f"/recognitions/{recognition.id}/renew", data=form)


def test_the_company_renews_from_a_form_prefilled_from_the_current_one(client, session, setup,
                                                                      current):
    login(client, setup.world.company_user_a)
    page = client.get(f"/recognitions/{current.id}").get_data(as_text=True)
    assert f'href="/recognitions/{current.id}/renew"' in page
    form = client.get(f"/recognitions/{current.id}/renew").get_data(as_text=True)
    assert "Werf Gent" in form and "Werf met eigen atelier" in form
    assert re.search(rf'<input checked[^>]*name="mentor_ids"[^>]*value="{setup.mentor.id}"',
                     form)
    assert format_date(current.valid_until + timedelta(days=1)) in form
    response = _renew(client, current, mentor_ids=[str(setup.mentor.id)],
                      note="Werf met eigen atelier")
    assert response.status_code == 302
    renewal = session.execute(select(Recognition).where(
        Recognition.renews_id == current.id)).scalar_one()
    assert (renewal.site_id, renewal.programme_id, renewal.status) == (
        current.site_id, current.programme_id, "submitted")
    assert renewal.note == "Werf met eigen atelier"
    assert session.get(RecognitionMentor, (renewal.id, setup.mentor.id)) is not None
    session.refresh(current)
    assert current.status == "approved"  # the current one keeps holding
    page = client.get(f"/recognitions/{current.id}").get_data(as_text=True)
    assert "Verlenging aangevraagd" in page
    assert services.recognition_number(renewal.id) in page
    listing = client.get("/recognitions").get_data(as_text=True)
    assert "verlenging aangevraagd" in listing
    assert f"verlenging van {services.recognition_number(current.id)}" in listing
    renewal_page = client.get(f"/recognitions/{renewal.id}").get_data(as_text=True)
    assert "Verlengt" in renewal_page and services.recognition_number(current.id) in renewal_page
    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "recognition.renewal_requested",
        AuditEvent.entity_id == current.id)).scalar_one().changes == {"renewal_id": renewal.id}


def test_a_second_renewal_is_refused_clearly(client, session, setup, current):
    services.renew(session, actor=setup.world.company_user_a, recognition=current,
                   mentor_ids=[setup.mentor.id], sworn_declaration=True, today=TODAY)
    session.commit()
    with pytest.raises(DomainError) as caught:
        services.renew(session, actor=setup.world.coordinator_a, recognition=current,
                       mentor_ids=[setup.mentor.id], sworn_declaration=True, today=TODAY)
    assert "al een verlenging aangevraagd" in caught.value.message
    assert "maar één keer verlengd" in caught.value.message
    session.rollback()
    login(client, setup.world.company_user_a)
    response = _renew(client, current, mentor_ids=[str(setup.mentor.id)])
    assert response.status_code == 302
    assert "al een verlenging aangevraagd" in client.get(response.location).get_data(
        as_text=True)
    assert _renewals(session) == 1


def test_renewal_only_near_the_end(client, session, setup, current):
    current.valid_until = TODAY + timedelta(days=300)
    session.commit()
    login(client, setup.world.company_user_a)
    page = client.get(f"/recognitions/{current.id}").get_data(as_text=True)
    assert f"/recognitions/{current.id}/renew" not in page
    assert "Verlengen kan vanaf" in page
    response = _renew(client, current, mentor_ids=[str(setup.mentor.id)])
    assert "Een verlenging kan vanaf" in client.get(response.location).get_data(as_text=True)
    assert _renewals(session) == 0


def test_who_may_renew(client, session, setup, current):
    other_company_user = factories.user(session, "company", company_id=setup.world.company_b.id)
    session.commit()
    expected = [(setup.world.sector_user_a, 403), (setup.world.mentor_user_a, 403),
                (other_company_user, 404), (setup.world.coordinator_b, 302)]
    for user, status in expected:
        client.post("/logout")
        login(client, user)
        response = _renew(client, current, mentor_ids=[str(setup.mentor.id)])
        assert response.status_code == status, user.role
    # The school filed it on the company's behalf, as it may file any request.
    renewal = session.execute(select(Recognition).where(
        Recognition.renews_id == current.id)).scalar_one()
    assert renewal.submitted_by_id == setup.world.coordinator_b.id


def _file_and_review(session, setup, current) -> Recognition:
    renewal = services.renew(session, actor=setup.world.company_user_a, recognition=current,
                             mentor_ids=[setup.mentor.id], sworn_declaration=True, today=TODAY)
    services.start_review(session, actor=setup.world.sector_user_a, recognition=renewal,
                          today=TODAY)
    session.commit()
    return renewal


def test_an_approved_renewal_starts_the_day_after_the_current_one(client, session, setup,
                                                                 current):
    renewal = _file_and_review(session, setup, current)
    day_after = current.valid_until + timedelta(days=1)
    login(client, setup.world.sector_user_a)
    page = client.get(f"/recognitions/{renewal.id}").get_data(as_text=True)
    assert f'value="{day_after.isoformat()}"' in page
    response = client.post(f"/recognitions/{renewal.id}/approve",
                           data={"valid_from": TODAY.isoformat(), "valid_until": ""})
    assert response.status_code == 422
    assert "Een verlenging gaat in op" in response.get_data(as_text=True)
    response = client.post(f"/recognitions/{renewal.id}/approve",
                           data={"valid_from": day_after.isoformat(), "valid_until": ""})
    assert response.status_code == 302
    session.refresh(renewal)
    assert renewal.valid_from == day_after
    assert renewal.valid_until == date(day_after.year + 5, day_after.month,
                                       day_after.day) - timedelta(days=1)
    page = client.get(f"/recognitions/{current.id}").get_data(as_text=True)
    assert "Verlenging aangevraagd" in page and "erkend" in page


def test_a_renewal_decided_after_the_end_starts_on_the_decision_day(session, setup, current):
    renewal = _file_and_review(session, setup, current)
    current.valid_until = TODAY - timedelta(days=3)
    services.expire_due(session, TODAY)
    session.commit()
    services.approve(session, actor=setup.world.sector_user_a, recognition=renewal, today=TODAY)
    assert renewal.valid_from == TODAY


def _placement_across_the_end(session, setup, current) -> Placement:
    trajectory = session.execute(select(Trajectory).where(
        Trajectory.learner_id == setup.world.learner_a.id)).scalar_one()
    return factories.placement(session, trajectory, setup.mentor, current,
                               starts_on=current.valid_until - timedelta(days=50),
                               ends_on=current.valid_until + timedelta(days=100))


def test_expiry_moves_running_placements_to_the_approved_renewal(session, setup, current):
    renewal = _file_and_review(session, setup, current)
    services.approve(session, actor=setup.world.sector_user_a, recognition=renewal, today=TODAY)
    placement = _placement_across_the_end(session, setup, current)
    session.commit()
    services.expire_due(session, current.valid_until + timedelta(days=1))
    session.commit()
    session.refresh(placement)
    assert placement.recognition_id == renewal.id
    assert placement.recognition_lost_on is None
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "recognition.placements_moved")).scalar_one()
    assert event.entity_id == current.id and event.changes["placements"] == [placement.id]
    assert not session.execute(select(AuditEvent).where(
        AuditEvent.action == "recognition.placements_flagged")).first()


def test_without_an_approved_renewal_expiry_still_flags_the_placements(session, setup, current):
    _file_and_review(session, setup, current)  # open, not decided
    placement = _placement_across_the_end(session, setup, current)
    session.commit()
    services.expire_due(session, current.valid_until + timedelta(days=1))
    session.commit()
    session.refresh(placement)
    assert placement.recognition_id == current.id
    assert placement.recognition_lost_on == current.valid_until + timedelta(days=1)


def test_a_placement_may_run_on_into_the_approved_renewal(session, setup, current):
    renewal = _file_and_review(session, setup, current)
    trajectory = session.execute(select(Trajectory).where(
        Trajectory.learner_id == setup.world.learner_a.id)).scalar_one()
    setup.mentor.record_check_on = TODAY - timedelta(days=30)
    session.commit()

    def place():
        return trajectories.create_placement(
            session, actor=setup.world.coordinator_a, trajectory=trajectory,
            site_id=setup.site.id, mentor_id=setup.mentor.id, starts_on=TODAY,
            ends_on=current.valid_until + timedelta(days=100), hours_per_week=24)

    with pytest.raises(DomainError) as caught:
        place()  # the renewal is not approved yet
    assert caught.value.field == "ends_on"
    session.rollback()
    services.approve(session, actor=setup.world.sector_user_a, recognition=renewal, today=TODAY)
    session.commit()
    assert place().recognition_id == current.id


def test_a_validity_beyond_the_sectors_term_needs_a_reason(client, session, setup):
    recognition = factories.recognition_request(session, setup.site, setup.world.programme_a,
                                                mentors=[setup.mentor], status="in_review")
    session.commit()
    years = setup.world.sector_a.recognition_years
    term_end = date(TODAY.year + years, TODAY.month, TODAY.day) - timedelta(days=1)
    login(client, setup.world.sector_user_a)
    response = client.post(f"/recognitions/{recognition.id}/approve", data={
        "valid_from": TODAY.isoformat(),
        "valid_until": (term_end + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    assert "langer dan de termijn van de sector" in response.get_data(as_text=True)
    session.refresh(recognition)
    assert recognition.status == "in_review"
    response = client.post(f"/recognitions/{recognition.id}/approve", data={
        "valid_from": TODAY.isoformat(), "valid_until": term_end.isoformat()})
    assert response.status_code == 302  # exactly the term: no reason needed
    session.refresh(recognition)
    assert recognition.validity_reason == ""


def test_the_reason_for_a_longer_validity_is_stored_and_shown(client, session, setup):
    recognition = factories.recognition_request(session, setup.site, setup.world.programme_a,
                                                mentors=[setup.mentor], status="in_review")
    session.commit()
    login(client, setup.world.sector_user_a)
    until = date(TODAY.year + 7, 8, 31)
    response = client.post(f"/recognitions/{recognition.id}/approve", data={
        "valid_from": TODAY.isoformat(), "valid_until": until.isoformat(),
        "validity_reason": "Afgestemd op het einde van het erkende opleidingstraject."})
    assert response.status_code == 302
    session.refresh(recognition)
    assert recognition.validity_reason.startswith("Afgestemd")
    page = client.get(f"/recognitions/{recognition.id}").get_data(as_text=True)
    assert "Afgestemd op het einde van het erkende opleidingstraject." in page
    assert "Langere geldigheid dan de 5 jaar van de sector" in page
