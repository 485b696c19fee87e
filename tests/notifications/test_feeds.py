"""The private calendar feed: made once, parsed back with icalendar, scoped, revocable."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from dualflow.agreements.models import Signature
from dualflow.audit import AuditEvent
from dualflow.companies.eligibility import add_months
from dualflow.i18n import BRUSSELS
from dualflow.recognitions.models import RecognitionMentor
from dualflow.reports.models import Document
from tests import factories
from tests.clients import isolated_client
from tests.conftest import fix_today, login


@pytest.fixture
def scene(session, world, monkeypatch):
    """placed_world with deadlines around today (7 December 2026) for every kind the feed
    lists."""
    s = factories.placed_world(session, world)
    today = fix_today(monkeypatch, date(2026, 12, 7))
    s.today = today
    moment = factories.evaluation_moment
    s.m_open_a = moment(session, s.traj_a, title="Eerste evaluatie", due_on=today + timedelta(10))
    s.m_done_a = moment(session, s.traj_a, title="Ingediend", due_on=today + timedelta(20),
                        status="submitted")
    s.m_long_ago = moment(session, s.traj_a, title="Lang geleden", due_on=today - timedelta(200))
    s.m_draft_b = moment(session, s.traj_b, title="Tussentijds", due_on=today + timedelta(5),
                         status="draft")
    s.m_other_mentor = moment(session, s.traj_c, title="Bij mentor B",
                              due_on=today + timedelta(3))
    # Company A is of sector_a (six months of training time); Mia was appointed five months
    # ago, her colleague a month ago.
    s.company_a.sector_id = world.sector_a.id
    # The training clock runs from the recognition decision naming the mentor: rec_a named
    # Mia five months ago, rec_ab her colleague a month ago.
    s.mentor_a.appointed_on = today - timedelta(days=150)
    s.mentor_a.training_completed_on = None
    s.mentor_a2.appointed_on = today - timedelta(days=30)
    s.rec_a.valid_until = today + timedelta(days=60)
    s.rec_a.decided_at = datetime.combine(today - timedelta(days=150), time(10), BRUSSELS)
    s.rec_ab.decided_at = datetime.combine(today - timedelta(days=30), time(10), BRUSSELS)
    session.add_all([s.company_a, s.mentor_a, s.mentor_a2, s.rec_a, s.rec_ab,
                     RecognitionMentor(recognition_id=s.rec_a.id, mentor_id=s.mentor_a.id),
                     RecognitionMentor(recognition_id=s.rec_ab.id, mentor_id=s.mentor_a2.id)])
    document = Document(kind="agreement", filename="overeenkomst.pdf", content=b"%PDF-1.7",
                        sha256="0" * 64, size_bytes=8)
    session.add(document)
    session.flush()
    s.agreement = factories.agreement(session, s.place_a, status="awaiting_signatures",
                                      document_id=document.id)
    expires = datetime.combine(today + timedelta(days=12), time(12), UTC)
    s.signatures = {}
    for party, address in (("school", world.coordinator_a.email),
                           ("company", world.company_user_a.email),
                           ("learner", "anna@leerling.example")):
        signature = Signature(agreement_id=s.agreement.id, party=party, document_id=document.id,
                              signer_email=address.upper(), token_expires_at=expires)
        session.add(signature)
        s.signatures[party] = signature
    session.commit()
    return s


def _make_feed(client, user) -> str:
    """Sign in, make a feed link on the settings page, sign out; the URL shown once."""
    login(client, user)
    page = client.post("/notifications/settings/calendar").get_data(as_text=True)
    match = re.search(r'>(http://dualflow\.test/calendar/[A-Za-z0-9_-]+\.ics)</textarea>', page)
    assert match, page
    client.post("/logout")
    return match.group(1)


def _fetch(app, url: str):
    return isolated_client(app).get(url.removeprefix("http://dualflow.test"))


def _events(response) -> dict[str, tuple]:
    calendar = Calendar.from_ical(response.data)
    return {str(event["UID"]): (event.decoded("DTSTART"), str(event["SUMMARY"]),
                                str(event["URL"]))
            for event in calendar.walk("VEVENT")}


def test_the_feed_url_is_shown_once_and_only_its_hash_is_kept(client, session, world):
    user = world.coordinator_a
    url = _make_feed(client, user)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    session.expire_all()
    stored = session.get(type(user), user.id).calendar_token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    login(client, user)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert token not in page
    assert "actieve agendalink" in page
    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "user.calendar_feed_created")).scalar_one().entity_id == user.id


def test_a_mentors_feed_parses_back_with_his_deadlines(app, client, scene):
    response = _fetch(app, _make_feed(client, scene.mentor_user_a))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.data
    # RFC 5545: CRLF line ends, lines folded at 75 octets.
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and "dualflow" in str(calendar["PRODID"])
    events = _events(response)
    training_deadline = add_months(scene.today - timedelta(days=150), 6)
    assert events == {
        f"evaluation-{scene.m_open_a.id}@dualflow": (
            scene.today + timedelta(10), "Eerste evaluatie van Anna Peeters",
            f"http://dualflow.test/evaluations/{scene.m_open_a.id}"),
        f"evaluation-{scene.m_draft_b.id}@dualflow": (
            scene.today + timedelta(5), "Tussentijds van Bram Janssens",
            f"http://dualflow.test/evaluations/{scene.m_draft_b.id}"),
        f"mentor-training-{scene.mentor_a.id}@dualflow": (
            training_deadline,
            f"Mentoropleiding {scene.mentor_a.first_name} {scene.mentor_a.last_name}: "
            "uiterste datum",
            f"http://dualflow.test/companies/{scene.company_a.id}/mentors/{scene.mentor_a.id}"),
    }
    for event in Calendar.from_ical(body).walk("VEVENT"):
        assert event["DTSTAMP"].dt.tzinfo is not None
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)


def test_a_coordinators_feed_holds_the_schools_moments_signature_and_expiry(app, client,
                                                                           scene):
    events = _events(_fetch(app, _make_feed(client, scene.coordinator_a)))
    assert set(events) == {
        f"evaluation-{scene.m_open_a.id}@dualflow",
        f"evaluation-{scene.m_other_mentor.id}@dualflow",
        f"signature-{scene.signatures['school'].id}@dualflow",
        f"recognition-{scene.rec_a.id}-expiry@dualflow",
    }
    day, summary, url = events[f"signature-{scene.signatures['school'].id}@dualflow"]
    assert summary == "Ondertekenen: overeenkomst van Anna Peeters"
    assert url == f"http://dualflow.test/agreements/{scene.agreement.id}"
    assert day == scene.today + timedelta(12)
    assert events[f"recognition-{scene.rec_a.id}-expiry@dualflow"][0] == (
        scene.today + timedelta(60))


def test_company_and_sector_feeds(app, client, scene):
    company = _events(_fetch(app, _make_feed(client, scene.company_user_a)))
    assert set(company) == {
        f"signature-{scene.signatures['company'].id}@dualflow",
        f"recognition-{scene.rec_a.id}-expiry@dualflow",
        f"mentor-training-{scene.mentor_a.id}@dualflow",
        f"mentor-training-{scene.mentor_a2.id}@dualflow",
    }
    sector_a = _events(_fetch(app, _make_feed(client, scene.sector_user_a)))
    assert set(sector_a) == {f"recognition-{scene.rec_a.id}-expiry@dualflow"}
    # The other school and the other sector have nothing due in this window.
    assert _events(_fetch(app, _make_feed(client, scene.sector_user_b))) == {}
    other_school = _events(_fetch(app, _make_feed(client, scene.coordinator_b)))
    assert set(other_school) == {f"evaluation-{scene.m_draft_b.id}@dualflow"}


def test_a_revoked_or_replaced_link_is_not_found(app, client, session, world):
    user = world.coordinator_a
    first = _make_feed(client, user)
    assert _fetch(app, first).status_code == 200
    second = _make_feed(client, user)
    assert _fetch(app, first).status_code == 404
    assert _fetch(app, second).status_code == 200
    login(client, user)
    response = client.post("/notifications/settings/calendar/revoke", follow_redirects=True)
    assert "De agendalink werkt niet meer" in response.get_data(as_text=True)
    assert _fetch(app, second).status_code == 404
    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "user.calendar_feed_revoked")).scalar_one().entity_id == user.id


def test_unknown_tokens_and_deactivated_users_get_404(app, client, session, world):
    url = _make_feed(client, world.sector_user_a)
    assert _fetch(app, "/calendar/not-a-token.ics").status_code == 404
    world.sector_user_a.is_active = False
    session.add(world.sector_user_a)
    session.commit()
    assert _fetch(app, url).status_code == 404


def test_the_feed_is_rate_limited_per_link(app, client, world):
    url = _make_feed(client, world.sector_user_a)
    statuses = [_fetch(app, url).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429



@pytest.mark.parametrize("how", ["password_reset", "deactivation"])
def test_a_password_reset_or_deactivation_ends_the_feed(app, client, session, world, how):
    from dualflow.accounts import services as accounts

    user = world.coordinator_a
    url = _make_feed(client, user)
    assert _fetch(app, url).status_code == 200
    session.refresh(user)
    if how == "password_reset":
        _, raw = accounts.request_password_reset(session, email=user.email)
        accounts.reset_password(session, raw=raw, password="een-nieuw-wachtwoord-42")
    else:
        accounts.set_active(session, actor=world.admin, user=user, active=False)
        accounts.set_active(session, actor=world.admin, user=user, active=True)
    session.commit()
    # Whoever copied the link along with the old password keeps nothing.
    assert _fetch(app, url).status_code == 404
    session.refresh(user)
    assert user.calendar_token_hash is None
