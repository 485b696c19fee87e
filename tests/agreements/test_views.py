"""The school's agreement screens over HTTP: drafting, sending, ending, downloads and scope."""

from __future__ import annotations

from datetime import date

import pytest
from flask import render_template
from sqlalchemy import func, select

from dualflow.agreements import services
from dualflow.agreements.models import Agreement, Signature
from dualflow.audit import AuditEvent
from dualflow.modelbase import utcnow
from dualflow.reports.models import Document
from dualflow.trajectories.models import Trajectory
from tests import factories
from tests.agreements.conftest import draft, sent, sign_all
from tests.clients import isolated_client
from tests.conftest import login


@pytest.fixture
def coordinator(app, scene):
    client = isolated_client(app)
    login(client, scene.coordinator_a)
    return client


def totals(session):
    return tuple(session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (Agreement, Signature, Document, AuditEvent))


def form(**overrides):
    data = {"starts_on": "2026-09-01", "ends_on": "2027-06-30", "allowance_category": "1"}
    data.update(overrides)
    return data


def test_coordinator_drafts_from_a_placement(coordinator, session, scene):
    page = coordinator.get(f"/agreements/new?placement={scene.place_a.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="2026-09-01"' in html and "Overeenkomst opstellen" in html
    # The kind is the programme's, shown as text with the reason; no hours field.
    assert 'name="kind"' not in html and 'name="hours_per_week"' not in html
    assert "Je kan dit dus niet zelf kiezen" in html
    # Each category with the amount in force today; no free amount for an OAO.
    for amount in ("€ 600,50", "€ 662,60", "€ 714,40"):
        assert amount in html
    assert 'name="monthly_allowance"' not in html
    response = coordinator.post(f"/agreements/new?placement={scene.place_a.id}",
                                data=form(allowance_category="2"))
    assert response.status_code == 302
    agreement = session.execute(select(Agreement)).scalar_one()
    assert (agreement.kind, agreement.status, agreement.allowance_category,
            float(agreement.monthly_allowance)) == ("alternating_training", "draft", 2, 0.0)
    detail = coordinator.get(response.location).get_data(as_text=True)
    assert "Versturen ter ondertekening" in detail and "Ontwerp opgesteld" in detail
    assert "Categorie 2" in detail and "€ 662,60 per maand vandaag" in detail


def test_a_refused_draft_is_422_and_writes_nothing(coordinator, session, scene):
    before = totals(session)
    # A free amount for an OAO is refused, and said at the top (the field is not on the page).
    response = coordinator.post(f"/agreements/new?placement={scene.place_a.id}",
                                data=form(monthly_allowance="480"))
    assert response.status_code == 422
    assert "vaste, geïndexeerde bedrag van de categorie" in response.get_data(as_text=True)
    response = coordinator.post(f"/agreements/new?placement={scene.place_a.id}",
                                data=form(allowance_category=""))
    assert response.status_code == 422
    assert "Kies de categorie van de leervergoeding" in response.get_data(as_text=True)
    # A kind posted anyway changes nothing: the programme's kind is checked against the hours.
    scene.programme_a.agreement_kind = "internship"
    session.commit()
    page = coordinator.get(f"/agreements/new?placement={scene.place_a.id}")
    assert "Wijzig de uren van de plaatsing" in page.get_data(as_text=True)
    assert f"#placement-{scene.place_a.id}" in page.get_data(as_text=True)
    response = coordinator.post(f"/agreements/new?placement={scene.place_a.id}",
                                data=form(kind="alternating_training", allowance_category=""))
    assert response.status_code == 422
    assert "minder dan 20 uur" in response.get_data(as_text=True)
    scene.programme_a.agreement_kind = "alternating_training"
    session.commit()
    response = coordinator.post(f"/agreements/new?placement={scene.place_a.id}",
                                data=form(ends_on="2027-07-01"))
    assert response.status_code == 422
    assert "eindigt na de plaatsing" in response.get_data(as_text=True)
    assert totals(session) == before


def test_new_without_a_visible_placement_is_404(coordinator, app, session, scene):
    assert coordinator.get("/agreements/new").status_code == 404
    assert coordinator.get(f"/agreements/new?placement={scene.place_b.id}").status_code == 404


def test_edit_a_draft_and_preview_it(coordinator, session, scene):
    agreement = draft(session, scene)
    assert coordinator.get(f"/agreements/{agreement.id}/edit").status_code == 200
    scene.place_a.hours_per_week = 30
    session.commit()
    response = coordinator.post(f"/agreements/{agreement.id}/edit",
                                data=form(allowance_category="3"))
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Agreement, agreement.id)
    assert (saved.hours_per_week, saved.allowance_category) == (30, 3)
    preview = coordinator.get(f"/agreements/{agreement.id}/preview.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert preview.data.startswith(b"%PDF-")
    # A preview is not stored.
    assert session.execute(select(func.count()).select_from(Document)).scalar_one() == 0


def test_send_over_http_stores_the_pdf_and_mails_every_party(coordinator, session, scene,
                                                             outbox):
    agreement = draft(session, scene)
    response = coordinator.post(f"/agreements/{agreement.id}/send")
    assert response.status_code == 302
    session.expire_all()
    agreement = session.get(Agreement, agreement.id)
    assert agreement.status == "awaiting_signatures" and agreement.document_id
    assert len(list(outbox.glob("*.eml"))) == 4
    detail = coordinator.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Wacht op handtekeningen: 0 van 4" in detail and "Nieuwe link" in detail
    document = coordinator.get(f"/agreements/{agreement.id}/document.pdf")
    assert document.data == session.get(Document, agreement.document_id).content


def test_send_refused_is_422_and_keeps_the_draft(coordinator, session, scene, outbox):
    agreement = draft(session, scene)
    scene.learner_a.email = ""
    session.commit()
    response = coordinator.post(f"/agreements/{agreement.id}/send")
    assert response.status_code == 422
    assert "Vul eerst het e-mailadres van Anna Peeters in" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Agreement, agreement.id).status == "draft"
    assert list(outbox.glob("*.eml")) == []


def test_resend_link_over_http(coordinator, session, scene, outbox):
    agreement, tokens = sent(session, scene, now=utcnow())
    row = session.execute(select(Signature).where(Signature.agreement_id == agreement.id,
                                                  Signature.party == "company")).scalar_one()
    response = coordinator.post(f"/agreements/{agreement.id}/signatures/{row.id}/resend")
    assert response.status_code == 302
    mails = list(outbox.glob("*.eml"))
    assert len(mails) == 1 and b"Nieuwe link" in mails[0].read_bytes()
    assert isolated_client(coordinator.application).get(
        f"/sign/{tokens['company']}").status_code == 410


def test_reopen_terminate_and_new_version_over_http(coordinator, session, scene):
    agreement, tokens = sent(session, scene)
    assert coordinator.post(f"/agreements/{agreement.id}/terminate", data={
        "kind": "notice", "terminated_on": "2026-11-30", "reason": "x"}).status_code == 422
    sign_all(session, agreement, tokens)
    bad = coordinator.post(f"/agreements/{agreement.id}/terminate",
                           data={"kind": "notice", "terminated_on": "2026-11-30", "reason": ""})
    assert bad.status_code == 422
    no_kind = coordinator.post(f"/agreements/{agreement.id}/terminate",
                               data={"terminated_on": "2026-11-30", "reason": "Failliet"})
    assert no_kind.status_code == 422
    assert "Kies hoe de overeenkomst eindigt" in no_kind.get_data(as_text=True)
    ok = coordinator.post(f"/agreements/{agreement.id}/terminate",
                          data={"kind": "notice", "terminated_on": "2026-11-30",
                                "reason": "Bedrijf failliet"})
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(Agreement, agreement.id).status == "terminated"
    page = coordinator.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Beëindigd op 30/11/2026" in page and "Opzegging door een partij" in page
    assert coordinator.post(f"/agreements/{agreement.id}/new-version").status_code == 422


def test_new_version_over_http_opens_the_copy(coordinator, session, scene):
    agreement, tokens = sent(session, scene)
    sign_all(session, agreement, tokens)
    response = coordinator.post(f"/agreements/{agreement.id}/new-version")
    assert response.status_code == 302
    copy = session.execute(select(Agreement).where(Agreement.version == 2)).scalar_one()
    assert response.location.endswith(f"/agreements/{copy.id}/edit")
    assert coordinator.get(f"/agreements/{agreement.id}/edit").status_code == 302  # signed
    old_page = coordinator.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "nieuwere versie" in old_page


def test_coordinator_of_another_school_gets_404(app, session, scene):
    agreement, tokens = sent(session, scene)
    sign_all(session, agreement, tokens)
    other = isolated_client(app)
    login(other, scene.coordinator_b)
    for path in ("", "/edit", "/preview.pdf", "/document.pdf", "/signed.pdf"):
        assert other.get(f"/agreements/{agreement.id}{path}").status_code == 404, path
    for path in ("/send", "/reopen", "/terminate", "/new-version"):
        assert other.post(f"/agreements/{agreement.id}{path}").status_code == 404, path


def test_company_sees_and_downloads_mentor_sees_no_pdf(app, session, scene):
    agreement, tokens = sent(session, scene)
    sign_all(session, agreement, tokens)
    company = isolated_client(app)
    login(company, scene.company_user_a)
    assert company.get(f"/agreements/{agreement.id}").status_code == 200
    assert company.get(f"/agreements/{agreement.id}/signed.pdf").status_code == 200
    assert company.post(f"/agreements/{agreement.id}/new-version").status_code == 403
    mentor = isolated_client(app)
    login(mentor, scene.mentor_user_a)
    assert mentor.get(f"/agreements/{agreement.id}").status_code == 200
    assert mentor.get(f"/agreements/{agreement.id}/signed.pdf").status_code == 403
    mentor_b = isolated_client(app)
    login(mentor_b, scene.mentor_user_b)
    assert mentor_b.get(f"/agreements/{agreement.id}").status_code == 404


def test_trajectory_panel_lists_agreements_with_status_and_actions(app, session, scene):
    agreement, tokens = sent(session, scene)
    sign_all(session, agreement, tokens)
    copy = services.new_version(session, actor=scene.coordinator_a, agreement=agreement)
    session.commit()
    summaries = services.agreements_for_trajectory(session, scene.coordinator_a, scene.traj_a.id)
    assert [s.agreement.id for s in summaries] == [copy.id, agreement.id]
    assert summaries[0].actions == ["edit", "preview", "send"]
    assert summaries[1].actions == ["signed_pdf", "terminate"]
    assert summaries[1].signed == summaries[1].parties == 4
    assert services.agreements_for_trajectory(session, scene.coordinator_b,
                                              scene.traj_a.id) == []
    with app.test_request_context():
        from flask_login import login_user

        login_user(scene.coordinator_a)
        html = render_template("agreements/_trajectory_panel.html", agreements=summaries,
                               trajectory=scene.traj_a, placements=[scene.place_a])
    assert "Overeenkomst alternerende opleiding" in html and "vervangen door versie 2" in html
    assert f"/agreements/{copy.id}/edit" in html
    assert f"/agreements/{agreement.id}/signed.pdf" in html
    assert "Overeenkomst opstellen" not in html  # the placement already has one


def test_trajectory_panel_offers_a_new_agreement_for_a_placement_without_one(app, session, scene):
    with app.test_request_context():
        from flask_login import login_user

        login_user(scene.coordinator_a)
        html = render_template("agreements/_trajectory_panel.html", agreements=[],
                               trajectory=scene.traj_a, placements=[scene.place_a])
    assert f"/agreements/new?placement={scene.place_a.id}" in html


def test_scope_of_agreements_follows_the_trajectory(session, scene):
    from dualflow import policy

    a = draft(session, scene)
    b = factories.agreement(session, scene.place_b)  # learner_b of school B, at company A
    session.commit()
    visible = {name: {row.id for row in session.execute(
        policy.scoped(getattr(scene, name), Agreement)).scalars()}
        for name in ("admin", "coordinator_a", "coordinator_b", "company_user_a",
                     "mentor_user_a", "mentor_user_b", "sector_user_a")}
    assert visible == {"admin": {a.id, b.id}, "coordinator_a": {a.id}, "coordinator_b": {b.id},
                       "company_user_a": {a.id, b.id}, "mentor_user_a": {a.id, b.id},
                       "mentor_user_b": set(), "sector_user_a": set()}


def test_terminating_early_over_http_restarts_the_clock(coordinator, session, scene):
    agreement, tokens = sent(session, scene)
    sign_all(session, agreement, tokens)
    coordinator.post(f"/agreements/{agreement.id}/terminate",
                     data={"kind": "left_programme", "terminated_on": "2026-11-18",
                           "reason": "Verhuis"})
    session.expire_all()
    assert session.get(Trajectory, scene.traj_a.id).agreement_clock_starts_on == date(2026, 11,
                                                                                      19)
    assert "Beëindigd" in coordinator.get(f"/agreements/{agreement.id}").get_data(as_text=True)
