"""The sector's review of the mentor file: the extract's age at the request, and the lower
age and experience path (23 years) accepted per mentor, never automatically."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.errors import DomainError
from dualflow.recognitions import services
from dualflow.recognitions.models import RecognitionMentor
from dualflow.trajectories import services as trajectories
from dualflow.trajectories.models import Trajectory
from tests import factories
from tests.conftest import login

START, END = date(2026, 9, 1), date(2027, 6, 30)


def _young(session, company, **fields):
    """24 years old, 3 years of experience, a relevant qualification: only the lower path."""
    fields.setdefault("first_name", "Jonge")
    return factories.eligible_mentor(session, company, last_name="Kwalificatie",
                                     birth_date=date(2002, 1, 1), experience_years=3,
                                     relevant_qualification=True, **fields)


@pytest.fixture
def review(session, world):
    """A request of company A for programme_a in review, naming a young and a standard mentor."""
    site = factories.site(session, world.company_a, name="Werf Gent")
    young = _young(session, world.company_a)
    standard = factories.eligible_mentor(session, world.company_a, first_name="Ervaren")
    recognition = factories.recognition_request(session, site, world.programme_a,
                                                mentors=[young, standard], status="in_review")
    session.commit()
    return recognition, young, standard, site


def _approve(client, recognition, **data):
    form = {"valid_from": "2026-08-01", "valid_until": ""}
    form.update(data)
    return client.post(f"/recognitions/{recognition.id}/approve", data=form)


def _place(session, world, mentor, **fields):
    trajectory = session.execute(
        select(Trajectory).where(Trajectory.learner_id == world.learner_a.id)).scalar_one()
    return trajectories.create_placement(
        session, actor=world.coordinator_a, trajectory=trajectory,
        site_id=fields.pop("site_id"), mentor_id=mentor.id, starts_on=START, ends_on=END,
        hours_per_week=24)


def test_the_review_offers_the_lower_path_only_for_mentors_who_need_it(client, session, world,
                                                                      review):
    recognition, young, standard, _site = review
    login(client, world.sector_user_a)
    page = client.get(f"/recognitions/{recognition.id}").get_data(as_text=True)
    fieldset = page[page.index("df-lower-path"):]
    fieldset = fieldset[:fieldset.index("</fieldset>")]
    assert "Jonge Kwalificatie" in fieldset and "Ervaren" not in fieldset
    assert f'value="{young.id}"' in fieldset and f'value="{standard.id}"' not in fieldset
    # The checklist says why the young mentor does not pass yet.
    assert "Voldoet wel aan de lagere grens met relevante kwalificatie (23 jaar" in page


def test_without_the_sectors_choice_the_young_mentor_is_not_accepted(client, session, world,
                                                                    review):
    recognition, young, _standard, site = review
    login(client, world.sector_user_a)
    assert _approve(client, recognition).status_code == 302
    session.expire_all()
    assert session.get(RecognitionMentor, (recognition.id, young.id)).lower_path_accepted is False
    with pytest.raises(DomainError) as caught:
        _place(session, world, young, site_id=site.id)
    assert caught.value.field == "mentor_id", caught.value.message
    assert "minimaal 25 jaar vereist" in caught.value.message
    assert "lagere grens" in caught.value.message


def test_the_sector_accepts_the_lower_path_at_review(client, session, world, review):
    recognition, young, standard, site = review
    login(client, world.sector_user_a)
    response = _approve(client, recognition, lower_path_mentor_ids=[str(young.id)])
    assert response.status_code == 302
    session.expire_all()
    assert session.get(RecognitionMentor, (recognition.id, young.id)).lower_path_accepted
    assert not session.get(RecognitionMentor, (recognition.id, standard.id)).lower_path_accepted
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "recognition.approved",
        AuditEvent.entity_id == recognition.id)).scalar_one()
    assert event.changes["lower_path_mentor_ids"] == [young.id]
    page = client.get(f"/recognitions/{recognition.id}").get_data(as_text=True)
    assert "1 mentor(en) aanvaard via de lagere leeftijds- en ervaringsgrens" in page
    assert "lagere grens, door de sector aanvaard" in page
    # The placement at this recognition takes the young mentor.
    placement = _place(session, world, young, site_id=site.id)
    assert placement.recognition_id == recognition.id


def test_acceptance_holds_only_at_the_recognition_where_it_was_given(session, world):
    """Accepted at site 1's recognition; site 2's recognition (no acceptance) refuses him."""
    young = _young(session, world.company_a)
    accepted_site = factories.site(session, world.company_a, name="Werf 1")
    other_site = factories.site(session, world.company_a, name="Werf 2")
    accepted = factories.recognition_request(
        session, accepted_site, world.programme_a, mentors=[young], status="approved",
        valid_from=date(2026, 8, 1), valid_until=date(2031, 7, 31))
    session.get(RecognitionMentor, (accepted.id, young.id)).lower_path_accepted = True
    factories.recognition_request(session, other_site, world.programme_a, mentors=[young],
                                  status="approved", valid_from=date(2026, 8, 1),
                                  valid_until=date(2031, 7, 31))
    session.commit()
    with pytest.raises(DomainError) as caught:
        _place(session, world, young, site_id=other_site.id)
    assert "Leeftijd" in caught.value.message
    session.rollback()
    assert _place(session, world, young, site_id=accepted_site.id).site_id == accepted_site.id


def test_a_mentor_on_the_standard_path_cannot_be_accepted_on_the_lower_one(client, session,
                                                                          world, review):
    recognition, _young_mentor, standard, _site = review
    login(client, world.sector_user_a)
    response = _approve(client, recognition, lower_path_mentor_ids=[str(standard.id)])
    assert response.status_code == 422
    assert "Alleen een aangeduide mentor die enkel aan de lagere" in response.get_data(
        as_text=True)
    session.refresh(recognition)
    assert recognition.status == "in_review"


def test_the_review_shows_the_extracts_age_on_the_day_of_the_request(client, session, world):
    site = factories.site(session, world.company_a)
    recent = factories.eligible_mentor(session, world.company_a, first_name="Recent",
                                       record_check_on=date(2025, 12, 1))
    stale = factories.eligible_mentor(session, world.company_a, first_name="Verouderd",
                                      record_check_on=date(2025, 10, 1))
    recognition = factories.recognition_request(
        session, site, world.programme_a, mentors=[recent, stale],
        submitted_at=datetime(2026, 11, 1, 9, tzinfo=UTC))
    session.commit()
    login(client, world.sector_user_a)
    page = client.get(f"/recognitions/{recognition.id}").get_data(as_text=True)
    assert ("Uittreksel van 01/12/2025: 11 maanden oud op de dag van de aanvraag (01/11/2026); "
            "hoogstens 12 maanden toegelaten.") in page
    assert ("Uittreksel van 01/10/2025: 13 maanden oud op de dag van de aanvraag (01/11/2026); "
            "hoogstens 12 maanden toegelaten.") in page
    inbox = client.get("/recognitions/inbox").get_data(as_text=True)
    row = next(row for row in re.findall(r"<tr.*?</tr>", inbox, re.S) if site.name in row)
    assert "1 voldoet niet" in row and "van 2" in row


def test_a_sector_with_a_shorter_limit_judges_by_it(session, world):
    world.sector_a.record_check_max_age_months = 6
    site = factories.site(session, world.company_a)
    mentor = factories.eligible_mentor(session, world.company_a, record_check_on=date(2026, 4, 1))
    recognition = factories.recognition_request(
        session, site, world.programme_a, mentors=[mentor],
        submitted_at=datetime(2026, 11, 1, 9, tzinfo=UTC))
    session.commit()
    [view] = services.named_mentors(session, recognition, sector=world.sector_a,
                                    today=date(2026, 11, 2))
    record = next(rule for rule in view.eligibility.rules if rule.code == "record_check")
    assert not record.ok and "7 maanden oud" in record.detail and "6 maanden" in record.detail
