"""A trajectory placed at two companies: each company and its mentors see only their own part."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dualflow import policy
from dualflow.agreements.models import Agreement
from dualflow.evaluations.models import Evaluation, EvaluationMoment
from dualflow.modelbase import utcnow
from dualflow.trajectories.models import Placement
from tests import factories
from tests.agreements.conftest import draft, sent, sign_all
from tests.clients import isolated_client
from tests.conftest import login


@pytest.fixture
def two(session, scene):
    """traj_a at company A (Mia) until January, then at company B (mentor_b) from February."""
    scene.place_a.ends_on = date(2027, 1, 31)
    session.flush()
    agreement_a, tokens = sent(session, scene, now=utcnow(), allowance_category=3)
    sign_all(session, agreement_a, tokens, now=utcnow())
    rec = factories.recognition(session, scene.site_b1, scene.programme_a)
    scene.place_ab = factories.placement(session, scene.traj_a, scene.mentor_b, rec,
                                         starts_on=date(2027, 2, 1), ends_on=date(2027, 6, 30))
    scene.agreement_b = draft(session, scene, scene.place_ab,
                              allowance_category=1)
    scene.agreement_a = agreement_a
    first = session.execute(select(EvaluationMoment).where(
        EvaluationMoment.trajectory_id == scene.traj_a.id,
        EvaluationMoment.due_on == date(2026, 10, 13))).scalar_one()
    first.status = "draft"
    session.add(Evaluation(moment_id=first.id, mentor_id=scene.mentor_a.id,
                           general_comment="Conceptcommentaar van Mia"))
    scene.moment_a = first
    scene.moment_b = factories.evaluation_moment(session, scene.traj_a, title="Evaluatie bij B",
                                                 due_on=date(2027, 3, 16))
    scene.company_user_b = factories.user(session, "company", company_id=scene.company_b.id)
    session.commit()
    return scene


@pytest.mark.parametrize("who", ["company_user_b", "mentor_user_b"])
def test_company_b_gets_404_on_what_belongs_to_company_a(app, session, two, who):
    client = isolated_client(app)
    login(client, getattr(two, who))
    a = two.agreement_a.id
    for path in (f"/agreements/{a}", f"/agreements/{a}/document.pdf",
                 f"/agreements/{a}/signed.pdf", f"/evaluations/{two.moment_a.id}"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/agreements/{two.agreement_b.id}").status_code == 200
    assert client.get(f"/evaluations/{two.moment_b.id}").status_code == 200
    page = client.get(f"/trajectories/{two.traj_a.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for secret in ("714,40", "714.40", "sofie@bouwa.be", "192.0.2.10", two.site_a1.name,
                   "Conceptcommentaar", f"/evaluations/{two.moment_a.id}\""):
        assert secret not in html, secret
    assert two.site_b1.name in html or two.company_b.name in html


def test_company_a_still_sees_its_own_part_only(app, session, two):
    client = isolated_client(app)
    login(client, two.company_user_a)
    assert client.get(f"/agreements/{two.agreement_a.id}").status_code == 200
    assert client.get(f"/agreements/{two.agreement_a.id}/signed.pdf").status_code == 200
    assert client.get(f"/agreements/{two.agreement_b.id}").status_code == 404
    assert client.get(f"/evaluations/{two.moment_b.id}").status_code == 404


def test_scopes_of_a_trajectory_at_two_companies(session, two):
    def ids(user, model):
        return set(session.execute(select(model.id).where(policy.visible(user, model)).where(
            model.id.in_(wanted[model]))).scalars())

    wanted = {
        Placement: {two.place_a.id, two.place_ab.id},
        Agreement: {two.agreement_a.id, two.agreement_b.id},
        EvaluationMoment: {two.moment_a.id, two.moment_b.id},
    }
    for user, place, agreement, moment in (
        (two.company_user_b, two.place_ab, two.agreement_b, two.moment_b),
        (two.mentor_user_b, two.place_ab, two.agreement_b, two.moment_b),
        (two.company_user_a, two.place_a, two.agreement_a, two.moment_a),
        (two.mentor_user_a, two.place_a, two.agreement_a, two.moment_a),
    ):
        assert ids(user, Placement) == {place.id}
        assert ids(user, Agreement) == {agreement.id}
        assert ids(user, EvaluationMoment) == {moment.id}
    assert ids(two.coordinator_a, Placement) == wanted[Placement]
    assert ids(two.coordinator_a, EvaluationMoment) == wanted[EvaluationMoment]


def test_the_progress_report_of_company_b_holds_only_its_own_part(app, session, two):
    from dualflow.reports.progress import progress_report_data

    data = progress_report_data(session, two.traj_a.id, viewer=two.company_user_b)
    assert [place["site"] for place in data["placements"]] == [two.site_b1.name]
    assert [moment["title"] for moment in data["moments"]] == ["Evaluatie bij B"]
    full = progress_report_data(session, two.traj_a.id, viewer=two.coordinator_a)
    assert len(full["placements"]) == 2
    client = isolated_client(app)
    login(client, two.mentor_user_b)
    response = client.get(f"/trajectories/{two.traj_a.id}/progress-report.pdf")
    assert response.status_code == 200
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "Evaluatie bij B" in text and "Eerste evaluatie" not in text
    assert two.site_a1.name not in text


def test_company_b_mentor_list_does_not_count_company_a_signed_agreement(app, session, two):
    # A's agreement is signed and runs until the end of January; B's is only a draft.
    client = isolated_client(app)
    login(client, two.mentor_user_b)
    page = client.get("/trajectories")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    row = html[html.index(f"/trajectories/{two.traj_a.id}"):]
    row = row[:row.index("</tr>")]
    assert "ondertekend" not in row
    client = isolated_client(app)
    login(client, two.coordinator_a)
    html = client.get("/trajectories").get_data(as_text=True)
    row = html[html.index(f"/trajectories/{two.traj_a.id}"):]
    assert "ondertekend" in row[:row.index("</tr>")]
