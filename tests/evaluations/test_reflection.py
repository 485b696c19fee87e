"""The learner's self-reflection through a single-use e-mailed link."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.evaluations import services
from dualflow.modelbase import utcnow
from tests.clients import isolated_client
from tests.conftest import login
from tests.evaluations.conftest import fill

LEARNER_EMAIL = "anna.peeters@example.com"
LINK = re.compile(r"https?://\S+?/reflect/[A-Za-z0-9_\-]+")


@pytest.fixture
def submitted(session, scene):
    """Anna (with an e-mail address) has a submitted evaluation at m1."""
    scene.learner_a.email = LEARNER_EMAIL
    fill(session, scene, scene.m1, {scene.c1.id: 2, scene.c3.id: 3, scene.c4.id: None},
         comments={scene.c1.id: "Meet nog slordig."}, general_comment="Goede start")
    session.commit()
    return scene


def _mails(outbox) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(outbox.glob("*.eml"))]


def _send_link(client, s) -> str:
    """The coordinator presses the button to e-mail the link."""
    response = client.post(f"/evaluations/{s.m1.id}/reflection-link")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _link_path(mail) -> str:
    body = mail.get_body(preferencelist=("plain",)).get_content()
    return urlsplit(LINK.search(body).group(0)).path


def _reflection(session, moment) -> str:
    session.expire_all()
    return services.evaluation_of(session, moment).self_reflection


def test_the_coordinator_mails_the_learner_a_link(client, session, submitted, outbox):
    s = submitted
    login(client, s.coordinator_a)
    page = client.get(f"/evaluations/{s.m1.id}").get_data(as_text=True)
    assert "Link voor zelfreflectie naar de lerende sturen" in page and LEARNER_EMAIL in page
    _send_link(client, s)
    (mail,) = _mails(outbox)
    assert mail["To"] == LEARNER_EMAIL
    assert "Eerste" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Dag Anna," in body and "http://dualflow.test/reflect/" in body
    assert mail.get_body(preferencelist=("html",)) is not None
    page = client.get(f"/evaluations/{s.m1.id}").get_data(as_text=True)
    assert "De link voor de zelfreflectie is verstuurd naar" in page
    assert "Link verstuurd op" in page and "Nieuwe link naar de lerende sturen" in page
    actions = session.execute(select(AuditEvent.action).where(
        AuditEvent.action == "evaluation.reflection_link_sent")).scalars().all()
    assert actions == ["evaluation.reflection_link_sent"]


def test_the_link_is_single_use_and_only_the_post_uses_it(app, client, session, submitted,
                                                          outbox):
    s = submitted
    login(client, s.coordinator_a)
    _send_link(client, s)
    path = _link_path(_mails(outbox)[0])

    learner = isolated_client(app)
    # A mail scanner (or the learner twice) opening the link does not use it up.
    for _ in range(2):
        page = learner.get(path)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Hallo Anna" in text and "Meet nog slordig." in text and "Goede start" in text
        assert "2 · in ontwikkeling" in text
    # An empty reflection is refused without using the link.
    refused = learner.post(path, data={"text": "   "})
    assert refused.status_code == 422 and "Schrijf je zelfreflectie" in refused.get_data(
        as_text=True)
    assert learner.get(path).status_code == 200

    done = learner.post(path, data={"text": "Ik moet nauwkeuriger meten."})
    assert done.status_code == 200
    assert "Bedankt, je zelfreflectie is bewaard" in done.get_data(as_text=True)
    assert _reflection(session, s.m1) == "Ik moet nauwkeuriger meten."

    again = learner.post(path, data={"text": "Toch iets anders."})
    assert again.status_code == 410
    assert "al bewaard" in again.get_data(as_text=True)
    assert _reflection(session, s.m1) == "Ik moet nauwkeuriger meten."
    assert learner.get(path).status_code == 410

    # The school and the mentor read it on the evaluation page.
    page = client.get(f"/evaluations/{s.m1.id}").get_data(as_text=True)
    assert "Ik moet nauwkeuriger meten." in page and "reflection-link" not in page
    actions = session.execute(select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.action == "evaluation.self_reflection")).all()
    assert actions == [("evaluation.self_reflection", None)]


def test_an_expired_link_gets_a_friendly_page_and_stores_nothing(app, session, submitted):
    s = submitted
    raw, _learner = services.issue_reflection_link(
        session, actor=s.coordinator_a, moment=s.m1,
        now=utcnow() - timedelta(days=services.REFLECTION_LINK_DAYS, minutes=1))
    session.commit()
    learner = isolated_client(app)
    page = learner.get(f"/reflect/{raw}")
    assert page.status_code == 410 and "Deze link is verlopen" in page.get_data(as_text=True)
    assert "trajectbegeleider" in page.get_data(as_text=True)
    assert learner.post(f"/reflect/{raw}", data={"text": "Te laat"}).status_code == 410
    assert _reflection(session, s.m1) == ""


def test_a_new_link_replaces_the_earlier_one(app, session, submitted):
    s = submitted
    first, _ = services.issue_reflection_link(session, actor=s.coordinator_a, moment=s.m1)
    second, _ = services.issue_reflection_link(session, actor=s.coordinator_a, moment=s.m1)
    session.commit()
    learner = isolated_client(app)
    old = learner.get(f"/reflect/{first}")
    assert old.status_code == 410 and "vervangen" in old.get_data(as_text=True)
    assert learner.get(f"/reflect/{second}").status_code == 200


def test_unknown_links_and_evaluations_sent_back_meanwhile(app, session, submitted):
    s = submitted
    learner = isolated_client(app)
    unknown = learner.get("/reflect/not-a-real-token")
    assert unknown.status_code == 404 and "Deze link werkt niet" in unknown.get_data(
        as_text=True)
    raw, _ = services.issue_reflection_link(session, actor=s.coordinator_a, moment=s.m1)
    services.send_back(session, actor=s.coordinator_a, moment=s.m1, reason="Vul C3 aan.")
    session.commit()
    page = learner.get(f"/reflect/{raw}")
    assert page.status_code == 410 and "nog aan" in page.get_data(as_text=True)
    assert learner.post(f"/reflect/{raw}", data={"text": "Toch"}).status_code == 410


def test_the_link_needs_the_school_a_submitted_evaluation_and_an_address(
        client, session, scene, outbox):
    s = scene
    fill(session, s, s.m1, {s.c1.id: 2}, submit=False)
    session.commit()
    login(client, s.coordinator_a)
    response = client.post(f"/evaluations/{s.m1.id}/reflection-link")
    assert response.status_code == 422 and "pas wanneer de evaluatie ingediend" in \
        response.get_data(as_text=True)

    services.save_draft(session, actor=s.mentor_user_a, moment=s.m1,
                        scores={s.c1.id: 2, s.c3.id: 2, s.c4.id: 2}, comments={},
                        general_comment="", seen_version=1)
    services.submit(session, actor=s.mentor_user_a, moment=s.m1)
    session.commit()
    response = client.post(f"/evaluations/{s.m1.id}/reflection-link")
    assert response.status_code == 422
    assert "geen e-mailadres bekend" in response.get_data(as_text=True)
    assert _mails(outbox) == []

    client.post("/logout")
    login(client, s.mentor_user_a)
    assert client.post(f"/evaluations/{s.m1.id}/reflection-link").status_code == 403
    client.post("/logout")
    login(client, s.coordinator_b)
    assert client.post(f"/evaluations/{s.m1.id}/reflection-link").status_code == 404
    assert _mails(outbox) == []
