"""What the contract states: working time, schedule, address, recognition, people, plan annex."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dualflow.agreements import services
from dualflow.catalog.models import Competency
from dualflow.errors import DomainError
from dualflow.recognitions.services import recognition_number
from dualflow.reports.models import Document
from dualflow.trajectories.models import TrainingPlanEntry
from tests import factories
from tests.agreements.conftest import TODAY, draft, sent
from tests.agreements.test_contract import pdf_text

SCHEDULE = ["mon_am", "mon_pm", "tue_am", "tue_pm", "wed_am", "thu_am", "thu_pm"]


def _facts(session, scene, *, reachability="Tijdens de vakanties via 09 111 22 33."):
    scene.company_a.weekly_working_hours = 38
    scene.place_a.weekly_schedule = SCHEDULE
    scene.school_a.reachability = reachability
    scene.school_a.phone, scene.school_a.email = "09 222 33 44", "info@campus-a.be"
    session.commit()


def _between(text: str, start: str, end: str | None) -> str:
    """The part of `text` from heading `start` up to heading `end` (or the end)."""
    begin = text.index(start)
    stop = text.index(end, begin) if end else len(text)
    return text[begin:stop]


def test_sent_contract_states_time_schedule_address_recognition_people_reachability(
        session, scene):
    _facts(session, scene)
    agreement, _tokens = sent(session, scene)
    text = pdf_text(session.get(Document, agreement.document_id).content)
    flat = " ".join(text.split())
    # Total weekly working time = the company's, of which the placement's hours at the workplace.
    assert "38 uur per week" in flat
    assert "24 uur op de werkplek en 14 uur op school" in flat
    # The weekly schedule by half-days.
    assert "maandag (hele dag)" in flat and "woensdag (voormiddag)" in flat
    assert "donderdag (hele dag)" in flat and "vrijdag (" not in flat
    # The learner's address, the recognition with its number and validity.
    assert "Kerkstraat 12, 9000 Gent" in flat
    assert recognition_number(scene.rec_a.id) in flat
    assert "geldig van 01/01/2026 tot en met 31/12/2031" in flat
    # Mentor, trajectbegeleider with e-mail, how the school is reachable.
    assert f"{scene.mentor_a.first_name} {scene.mentor_a.last_name}" in flat
    assert "Tom Coördinator" in flat and scene.coordinator_a.email in flat
    assert "Tijdens de vakanties via 09 111 22 33." in flat
    # The annex is titled as such and part of the signed document.
    assert "Bijlage: individueel opleidingsplan" in flat


def test_without_a_reachability_text_the_school_phone_and_email_are_stated(session, scene):
    _facts(session, scene, reachability="")
    agreement, _tokens = sent(session, scene)
    flat = " ".join(pdf_text(session.get(Document, agreement.document_id).content).split())
    assert ("De school is bereikbaar op 09 222 33 44 en via info@campus-a.be, ook tijdens de "
            "schoolvakanties") in flat


def test_french_contract_states_the_same_facts(session, scene):
    scene.site_b1.postcode, scene.site_b1.municipality = "1000", "Bruxelles"
    scene.company_b.weekly_working_hours = 38
    scene.place_c.weekly_schedule = ["mon_am", "mon_pm", "fri_am"]
    scene.learner_c.street, scene.learner_c.postcode, scene.learner_c.municipality = (
        "Rue Haute 5", "1000", "Bruxelles")
    session.commit()
    agreement, _tokens = sent(session, scene, scene.place_c)
    flat = " ".join(pdf_text(session.get(Document, agreement.document_id).content).split())
    assert "38 heures par semaine" in flat
    assert "lundi (toute la journée)" in flat and "vendredi (matin)" in flat
    assert "Rue Haute 5, 1000 Bruxelles" in flat
    assert recognition_number(scene.rec_b.id) in flat
    assert "Annexe : plan de formation individuel" in flat


def _second_learner_of_programme_a(session, scene):
    """Another learner of school A in programme A, placed at site A1 with mentor A2."""
    pupil = factories.learner(session, scene.school_a, first_name="Wout", last_name="Claes")
    trajectory = factories.trajectory(session, pupil, scene.programme_a,
                                      coordinator_id=scene.coordinator_a.id)
    placement = factories.placement(session, trajectory, scene.mentor_a2, scene.rec_a)
    session.commit()
    return trajectory, placement


def test_two_learners_of_one_programme_with_different_plans_get_different_annexes(
        session, scene):
    _facts(session, scene)
    _trajectory, other_placement = _second_learner_of_programme_a(session, scene)
    first = session.execute(select(Competency).where(
        Competency.programme_id == scene.programme_a.id).order_by(Competency.position)).scalars(
    ).first()
    assert first.location == "workplace" and first.title == "Metselwerk uitzetten volgens plan"
    session.add(TrainingPlanEntry(trajectory_id=scene.traj_a.id, competency_id=first.id,
                                  location="school"))
    session.commit()

    anna = " ".join(pdf_text(services.preview_pdf(
        session, actor=scene.coordinator_a, agreement=draft(session, scene),
        today=TODAY)).split())
    wout = " ".join(pdf_text(services.preview_pdf(
        session, actor=scene.coordinator_a, agreement=draft(session, scene, other_placement),
        today=TODAY)).split())

    annex_anna = anna[anna.index("Bijlage: individueel opleidingsplan"):]
    annex_wout = wout[wout.index("Bijlage: individueel opleidingsplan"):]
    workplace, school = "Competenties op de werkplek", "Competenties op school"
    assert "Metselwerk uitzetten volgens plan" in _between(annex_anna, school, "Evaluatiemomenten")
    assert "Metselwerk uitzetten volgens plan" not in _between(annex_anna, workplace, school)
    assert "aangepast, standaard: werkplek" in annex_anna
    assert "Metselwerk uitzetten volgens plan" in _between(annex_wout, workplace, school)
    assert "aangepast, standaard" not in annex_wout
    assert "volgt het plan het standaardtraject zonder aanpassingen" in annex_wout
    assert "Anna Peeters" in annex_anna and "Wout Claes" in annex_wout


def test_sending_is_refused_naming_every_missing_fact(session, scene):
    scene.company_a.weekly_working_hours = None
    scene.place_a.weekly_schedule = []
    scene.learner_a.street = ""
    session.commit()
    agreement = draft(session, scene)
    with pytest.raises(DomainError) as refused:
        services.send_for_signature(session, actor=scene.coordinator_a, agreement=agreement,
                                    today=TODAY)
    message = refused.value.message
    assert "wekelijkse arbeidsduur van Bouw A" in message
    assert "weekrooster" in message
    assert "adres van de lerende" in message
    session.rollback()
    assert agreement.status == "draft" and agreement.document_id is None


def test_sending_is_refused_when_the_workplace_hours_exceed_the_working_time(session, scene):
    _facts(session, scene)
    scene.company_a.weekly_working_hours = 20
    session.commit()
    agreement = draft(session, scene)
    with pytest.raises(DomainError, match="meer dan de wekelijkse arbeidsduur"):
        services.send_for_signature(session, actor=scene.coordinator_a, agreement=agreement,
                                    today=TODAY)


def test_sending_with_every_fact_goes_through(session, scene):
    _facts(session, scene)
    agreement, tokens = sent(session, scene)
    assert agreement.status == "awaiting_signatures" and tokens


def test_the_draft_preview_marks_missing_facts(session, scene):
    scene.company_a.weekly_working_hours = None
    scene.place_a.weekly_schedule = []
    scene.learner_a.street = ""
    session.commit()
    agreement = draft(session, scene)
    flat = " ".join(pdf_text(services.preview_pdf(
        session, actor=scene.coordinator_a, agreement=agreement, today=TODAY)).split())
    assert flat.count("(nog in te vullen)") >= 3
    assert date(2026, 1, 1).strftime("%d/%m/%Y") in flat  # the recognition's validity is known


def test_the_draft_page_lists_what_is_missing_and_sending_over_http_says_it(app, session, scene):
    from tests.clients import isolated_client
    from tests.conftest import login

    scene.place_a.weekly_schedule = []
    session.commit()
    agreement = draft(session, scene)
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Vul het weekrooster van de plaatsing in" in page
    response = client.post(f"/agreements/{agreement.id}/send")
    assert response.status_code == 422
    assert "Vul het weekrooster van de plaatsing in" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(agreement), agreement.id).status == "draft"
