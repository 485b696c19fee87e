"""A company sees the learners placed with it: its own placements, agreements and evaluations."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from dualflow.agreements.models import Signature
from dualflow.trajectories.models import Placement
from tests import factories
from tests.conftest import count_queries, fix_today, login

TODAY = date(2026, 10, 5)  # a Monday


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    fix_today(monkeypatch, TODAY)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def shared(session, world):
    """Anna's trajectory passes through Bouw A (until January) and then Zorg B.

    Bouw A: agreement out for signature, the company has not signed; an evaluation due on
    20/09 still open (overdue on 5/10) and one due on 10/11. Zorg B: a signed agreement and
    an evaluation of its own in March.
    """
    s = factories.placed_world(session, world)
    s.site_a1.name = "Werf Gent"
    s.mentor_a.first_name, s.mentor_a.last_name = "Mia", "Mertens"
    s.place_a.ends_on = date(2027, 1, 31)
    s.site_b1.name = "Zorghuis Brugge"
    s.mentor_b.first_name, s.mentor_b.last_name = "Bert", "Bakker"
    s.place_ab = factories.placement(session, s.traj_a, s.mentor_b, s.rec_b,
                                     starts_on=date(2027, 2, 1), ends_on=date(2027, 6, 30))
    s.agreement_a = factories.placement_agreement(session, s.place_a,
                                                  status="awaiting_signatures")
    session.add(Signature(agreement_id=s.agreement_a.id, party="company",
                          signer_email="baas@bouw-a.test"))
    session.add(Signature(agreement_id=s.agreement_a.id, party="school",
                          signer_email="school@a.test",
                          signed_at=datetime(2026, 9, 30, 9, tzinfo=UTC),
                          document_sha256="0" * 64))
    factories.placement_agreement(session, s.place_ab, status="signed")
    s.overdue = factories.evaluation_moment(session, s.traj_a, title="Startgesprek",
                                            due_on=date(2026, 9, 20))
    factories.evaluation_moment(session, s.traj_a, title="Herfstevaluatie",
                                due_on=date(2026, 11, 10))
    factories.evaluation_moment(session, s.traj_a, title="Lenteevaluatie Zorg",
                                due_on=date(2027, 3, 1))
    session.commit()
    return s


def test_the_company_menu_leads_to_its_trajectories(client, shared):
    login(client, shared.company_user_a)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/trajectories"' in html


def test_the_company_list_shows_its_learners_with_agreement_and_evaluation_status(client,
                                                                                   shared):
    login(client, shared.company_user_a)
    response = client.get("/trajectories")
    assert response.status_code == 200
    text = _text(response)
    for expected in ("Peeters, Anna", "Janssens, Bram", "Campus A", "Campus B", "Metselaar",
                     "Werf Gent", "Mia Mertens", "01/09/2026", "31/01/2027",
                     "wacht op jouw handtekening", "Startgesprek", "te laat"):
        assert expected in text, expected
    # Company B's learner is not placed here.
    assert shared.learner_c.last_name not in text


def test_a_trajectory_at_two_companies_shows_only_the_own_placement(client, session, shared):
    login(client, shared.company_user_a)
    text = _text(client.get("/trajectories"))
    assert "Zorghuis Brugge" not in text
    assert "Bert Bakker" not in text
    assert "Lenteevaluatie Zorg" not in text
    assert "ondertekend" not in text
    # And Zorg B sees its own placement of the same learner, not Bouw A's.
    client.post("/logout")
    zorg = factories.user(session, "company", company_id=shared.company_b.id)
    session.commit()
    login(client, zorg)
    text = _text(client.get("/trajectories"))
    assert "Peeters, Anna" in text and "Zorghuis Brugge" in text and "ondertekend" in text
    for foreign in ("Werf Gent", "Mia Mertens", "Startgesprek", "handtekening"):
        assert foreign not in text, foreign


def test_the_company_list_filters_by_name(client, shared):
    login(client, shared.company_user_a)
    text = _text(client.get("/trajectories?q=Bram"))
    assert "Janssens, Bram" in text and "Peeters, Anna" not in text


def test_the_company_list_query_count_stays_flat(client, app, session, shared):
    login(client, shared.company_user_a)
    counts = []
    for total in (2, 7):
        while session.execute(
            select(func.count()).select_from(Placement)
            .where(Placement.site_id == shared.site_a1.id)
        ).scalar_one() < total:
            pupil = factories.learner(session, shared.school_a)
            traj = factories.trajectory(session, pupil, shared.programme_a)
            place = factories.placement(session, traj, shared.mentor_a2, shared.rec_a)
            factories.placement_agreement(session, place, status="draft")
            factories.evaluation_moment(session, traj, due_on=date(2026, 9, 30))
        session.commit()
        with count_queries(app) as statements:
            response = client.get("/trajectories")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_company_dashboard_lists_what_waits_for_it(client, shared):
    login(client, shared.company_user_a)
    response = client.get("/")
    html = response.get_data(as_text=True)
    text = _text(response)
    assert "Wacht op jouw handtekening" in text
    assert f'href="/agreements/{shared.agreement_a.id}"' in html
    assert "Evaluaties te laat" in text
    assert "Startgesprek" in text and "20/09/2026" in text
    assert f'href="/trajectories/{shared.traj_a.id}#moments"' in html
    # Zorg B's signed agreement and March evaluation are not Bouw A's business.
    assert "Lenteevaluatie Zorg" not in text


def test_the_company_dashboard_lists_recognitions_that_expire(client, session, shared):
    shared.rec_a.valid_until = date(2026, 12, 1)
    session.commit()
    login(client, shared.company_user_a)
    html = client.get("/").get_data(as_text=True)
    assert "Erkenningen die aflopen" in _text(client.get("/"))
    assert f'href="/recognitions/{shared.rec_a.id}"' in html


def test_the_company_dashboard_lists_mentors_whose_training_deadline_is_near(client, session,
                                                                              shared):
    # Bouw requires the training within 6 months of the recognition decision: 1/5 -> 1/11/2026.
    shared.company_a.sector_id = shared.sector_a.id
    late = factories.mentor(session, shared.company_a, first_name="Lotte", last_name="Laat",
                            appointed_on=date(2025, 5, 1))
    trained = factories.mentor(session, shared.company_a, first_name="Gert",
                               last_name="Gevormd", appointed_on=date(2026, 5, 1),
                               training_completed_on=date(2026, 9, 1))
    factories.recognition_request(
        session, factories.site(session, shared.company_a), shared.programme_a,
        mentors=[late, trained], status="approved", valid_from=date(2026, 5, 1),
        decided_at=datetime(2026, 5, 1, 9, tzinfo=UTC))
    session.commit()
    login(client, shared.company_user_a)
    response = client.get("/")
    text = _text(response)
    assert "Mentoropleiding" in text and "Lotte Laat" in text and "01/11/2026" in text
    assert "Gert Gevormd" not in text
    assert (f'href="/companies/{shared.company_a.id}/mentors/{late.id}"'
            in response.get_data(as_text=True))


def test_the_company_dashboard_query_count_stays_flat(client, app, session, shared):
    login(client, shared.company_user_a)
    counts = []
    for extra in (0, 5):
        for _ in range(extra):
            pupil = factories.learner(session, shared.school_a)
            traj = factories.trajectory(session, pupil, shared.programme_a)
            place = factories.placement(session, traj, shared.mentor_a2, shared.rec_a)
            factories.placement_agreement(session, place, status="awaiting_signatures")
            factories.evaluation_moment(session, traj, due_on=date(2026, 9, 30))
        session.commit()
        with count_queries(app) as statements:
            assert client.get("/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_company_list_says_when_a_terminated_agreement_still_ends_later(client, session,
                                                                           shared):
    agreement = factories.placement_agreement(session, shared.place_ab, status="terminated",
                                              version=2)
    agreement.terminated_on = date(2027, 3, 31)
    agreement.termination_kind = "mutual"
    session.commit()
    zorg = factories.user(session, "company", company_id=shared.company_b.id)
    session.commit()
    login(client, zorg)
    text = _text(client.get("/trajectories"))
    assert "eindigt op 31/03/2027" in text
    assert "beëindigd" not in text
