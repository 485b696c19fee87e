"""The daily digest: one mail per user per Brussels day with all of that day's items."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dualflow.notifications import delivery
from tests import factories
from tests.admin.helpers import mails
from tests.notifications import delivery_helpers as helpers
from tests.notifications.delivery_helpers import NOW, add_notification, reload, text_part

smtp = helpers.smtp

# 07:00 in Brussels, when the scheduler sends the digests (06:00 UTC in winter).
DIGEST_TIME = NOW.replace(hour=6)


@pytest.fixture
def daily(session, world):
    """A coordinator who reads a daily digest."""
    return factories.user(session, "coordinator", school_id=world.school_a.id, digest="daily",
                          full_name="Dirk Dagelijks")


def test_one_digest_gathers_all_the_items_of_the_day(session, world, daily, outbox):
    items = [
        add_notification(session, user=daily, subject=f"Melding {n}", body=f"Uitleg {n}",
                         link=f"/trajectories/{n}", created_at=DIGEST_TIME - timedelta(hours=n))
        for n in range(1, 4)
    ]
    immediate = add_notification(session, user=world.coordinator_a, subject="Meteen",
                                 created_at=DIGEST_TIME - timedelta(hours=1))
    seen_in_app = add_notification(session, user=daily, subject="Al gelezen",
                                   created_at=DIGEST_TIME - timedelta(hours=5),
                                   read_at=DIGEST_TIME - timedelta(hours=4))
    run = delivery.send_digests(DIGEST_TIME)
    assert run.status == "succeeded"
    assert run.counts == {"digests": 1, "notifications": 3, "skipped_already_mailed": 0}
    [digest] = mails(outbox)
    assert digest["To"] == daily.email
    body = text_part(digest)
    assert "Beste Dirk Dagelijks," in body
    for n in range(1, 4):
        assert f"Melding {n}" in body and f"Uitleg {n}" in body
        assert f"http://dualflow.test/trajectories/{n}" in body
    # Oldest first, as they happened.
    assert body.index("Melding 3") < body.index("Melding 2") < body.index("Melding 1")
    assert "http://dualflow.test/notifications" in body
    # What the user read in the app already is not mailed again.
    assert "Al gelezen" not in body
    assert reload(session, seen_in_app).emailed_at is None
    assert all(reload(session, item).emailed_at is not None for item in items)
    # The digest does not mail users who get their mail at once.
    assert reload(session, immediate).emailed_at is None


def test_a_second_run_the_same_day_sends_nothing(session, daily, outbox):
    add_notification(session, user=daily, created_at=DIGEST_TIME - timedelta(hours=2))
    assert delivery.send_digests(DIGEST_TIME).counts["digests"] == 1
    add_notification(session, user=daily, subject="Later die dag",
                     created_at=DIGEST_TIME + timedelta(hours=3))
    # A restart of the scheduler at noon: the day's digest run is done.
    assert delivery.send_digests(DIGEST_TIME + timedelta(hours=5)) is None
    assert len(mails(outbox)) == 1
    # The next morning the afternoon's item comes in the next digest, alone.
    tomorrow = delivery.send_digests(DIGEST_TIME + timedelta(days=1))
    assert tomorrow.counts["digests"] == 1 and tomorrow.counts["notifications"] == 1
    assert "Later die dag" in text_part(mails(outbox)[-1])


def test_digest_users_get_no_mail_from_the_minute_job(session, daily, outbox):
    add_notification(session, user=daily, created_at=DIGEST_TIME - timedelta(hours=2))
    assert delivery.deliver_pending(DIGEST_TIME) is None
    assert mails(outbox) == []


def test_a_failed_digest_run_is_retried_and_nobody_gets_two(
        app, session, world, daily, monkeypatch):
    other = factories.user(session, "coordinator", school_id=world.school_b.id, digest="daily",
                           email="zz-other@school.example")
    add_notification(session, user=daily, subject="Voor Dirk",
                     created_at=DIGEST_TIME - timedelta(hours=2))
    for_other = add_notification(session, user=other, subject="Voor de ander",
                                 created_at=DIGEST_TIME - timedelta(hours=2))
    with helpers.smtp_server(app, monkeypatch) as (sink, _controller):
        # The server takes the first digest, then refuses: the run fails half-way.
        original = sink.handle_DATA

        async def first_then_refuse(server, session_, envelope):
            if sink.messages:
                return "451 4.3.0 Mailbox busy, try later"
            return await original(server, session_, envelope)

        sink.handle_DATA = first_then_refuse
        failed = delivery.send_digests(DIGEST_TIME)
        assert failed.status == "failed" and "451" in failed.error
        assert [message["To"] for message in sink.messages] == [daily.email]
        assert reload(session, for_other).emailed_at is None

        # Dirk gets a new item before the retry; he already had today's digest.
        add_notification(session, user=daily, subject="Nog iets voor Dirk",
                         created_at=DIGEST_TIME + timedelta(minutes=30))
        sink.handle_DATA = original
        retried = delivery.send_digests(DIGEST_TIME + timedelta(hours=1))
    assert retried.status == "succeeded"
    assert retried.counts == {"digests": 1, "notifications": 1, "skipped_already_mailed": 1}
    assert [message["To"] for message in sink.messages] == [daily.email, other.email]
    assert reload(session, for_other).emailed_at is not None


def test_a_mentor_digest_signs_in_with_one_tap(client, session, world, outbox):
    mentor = world.mentor_user_a
    mentor.digest = "daily"
    session.add(mentor)
    session.commit()
    add_notification(session, user=mentor, subject="Evaluatie morgen",
                     created_at=DIGEST_TIME - timedelta(hours=1))
    delivery.send_digests(DIGEST_TIME)
    body = text_part(mails(outbox)[0])
    [link] = [line.strip() for line in body.splitlines() if "/login/link/" in line]
    assert link.endswith("?next=/notifications")
    path = link.removeprefix("http://dualflow.test").split("?")[0]
    assert client.get(path).status_code == 200


def test_more_items_than_a_mail_holds_are_counted_not_dropped(session, daily, outbox,
                                                               monkeypatch):
    monkeypatch.setattr(delivery, "DIGEST_MAX_ITEMS", 3)
    rows = [add_notification(session, user=daily, subject=f"Melding {n}",
                             created_at=DIGEST_TIME - timedelta(minutes=n)) for n in range(5)]
    run = delivery.send_digests(DIGEST_TIME)
    assert run.counts["notifications"] == 5
    body = text_part(mails(outbox)[0])
    assert sum(f"Melding {n}" in body for n in range(5)) == 3
    assert "En nog 2 meldingen in dualflow." in body
    assert all(reload(session, row).emailed_at is not None for row in rows)
