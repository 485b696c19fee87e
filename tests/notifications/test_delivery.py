"""Immediate e-mail delivery: who gets mail, exactly once, and what happens when SMTP fails."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select, text

from dualflow.agreements.models import Signature
from dualflow.extensions import db
from dualflow.mail import Mailer
from dualflow.migrate import upgrade
from dualflow.notifications import delivery
from dualflow.notifications.models import JobRun, Notification
from tests import factories
from tests.admin.helpers import mails
from tests.notifications import delivery_helpers as helpers
from tests.notifications.delivery_helpers import NOW, add_notification, reload, text_part

smtp = helpers.smtp


def test_immediate_users_and_bare_addresses_get_one_mail_each(session, world, outbox):
    coordinator = world.coordinator_a  # digest "immediate" unless set otherwise
    for_coordinator = add_notification(session, user=coordinator, subject="Evaluatie te laat",
                                       body="Mia heeft nog niets ingevuld.", link="/trajectories/1")
    for_address = add_notification(session, email="escalatie@school.example",
                                   subject="Evaluatie 14 dagen te laat")
    run = delivery.deliver_pending(NOW)
    assert run is not None and run.status == "succeeded"
    assert run.counts == {"sent": 2, "notifications": 2}
    sent = {message["To"]: message for message in mails(outbox)}
    assert set(sent) == {coordinator.email, "escalatie@school.example"}
    assert sent[coordinator.email]["Subject"] == "Evaluatie te laat"
    body = text_part(sent[coordinator.email])
    assert "Mia heeft nog niets ingevuld." in body
    assert "http://dualflow.test/trajectories/1" in body
    assert reload(session, for_coordinator).emailed_at is not None
    assert reload(session, for_address).emailed_at is not None


def test_digest_inactive_mailed_and_read_rows_get_no_immediate_mail(session, world, outbox):
    daily = factories.user(session, "coordinator", school_id=world.school_a.id, digest="daily")
    inactive = factories.user(session, "coordinator", school_id=world.school_a.id,
                              is_active=False)
    add_notification(session, user=daily)
    add_notification(session, user=inactive)
    add_notification(session, user=world.sector_user_a, emailed_at=NOW - timedelta(hours=1))
    add_notification(session, user=world.sector_user_a, read_at=NOW - timedelta(seconds=20))
    assert delivery.deliver_pending(NOW) is None
    assert mails(outbox) == []


def test_an_address_without_account_gets_one_mail_for_all_it_has_this_run(session, world,
                                                                          outbox):
    for n in range(3):
        add_notification(session, email="Escalatie@Campus-A.example",
                         subject=f"Evaluatie {n} 14 dagen te laat", body=f"Uitleg {n}",
                         created_at=NOW - timedelta(minutes=n))
    add_notification(session, email="zorg@campus-b.example", subject="Alleen deze")
    run = delivery.deliver_pending(NOW)
    assert run.counts == {"sent": 2, "notifications": 4}
    sent = {message["To"].lower(): message for message in mails(outbox)}
    grouped = text_part(sent["escalatie@campus-a.example"])
    assert sent["escalatie@campus-a.example"]["Subject"] == "dualflow: 3 nieuwe meldingen"
    assert all(f"Evaluatie {n} 14 dagen te laat" in grouped and f"Uitleg {n}" in grouped
               for n in range(3))
    assert sent["zorg@campus-b.example"]["Subject"] == "Alleen deze"
    assert delivery.deliver_pending(NOW + timedelta(minutes=1)) is None


def test_a_second_run_sends_nothing_again(session, world, outbox):
    add_notification(session, user=world.coordinator_a)
    assert delivery.deliver_pending(NOW).counts == {"sent": 1, "notifications": 1}
    # The same minute (a second scheduler) and the next minutes: nothing is left to send.
    assert delivery.deliver_pending(NOW) is None
    assert delivery.deliver_pending(NOW + timedelta(minutes=1)) is None
    assert len(mails(outbox)) == 1


def test_a_run_that_starts_while_another_is_sending_never_doubles_a_mail(
        session, world, outbox, monkeypatch):
    rows = [add_notification(session, user=world.coordinator_a, subject=f"Melding {n}")
            for n in range(4)]
    real_send = Mailer.send
    overlapping: list[object] = []

    def send_and_let_another_run_start(self, message):
        real_send(self, message)
        if not overlapping:
            overlapping.append("started")
            # A second scheduler's run (the next minute) starts and runs to its end while
            # the first is still busy with its first mail.
            overlapping.append(delivery.deliver_pending(NOW + timedelta(minutes=1)))

    monkeypatch.setattr(Mailer, "send", send_and_let_another_run_start)
    first = delivery.deliver_pending(NOW)
    second = overlapping[1]
    assert second.counts == {"sent": 3, "notifications": 3}
    assert first.counts == {"sent": 1, "notifications": 1, "taken_by_other_run": 3}
    subjects = sorted(message["Subject"] for message in mails(outbox))
    assert subjects == [f"Melding {n}" for n in range(4)]
    assert all(reload(session, row).emailed_at is not None for row in rows)


def test_an_smtp_failure_keeps_the_mail_pending_and_a_later_run_sends_it(
        app, session, world, monkeypatch):
    row = add_notification(session, user=world.coordinator_a, subject="Herinnering")
    with helpers.smtp_server(app, monkeypatch) as (sink, controller):
        port = controller.port
    # The server is gone: nothing listens on the configured port any more.
    failed = delivery.deliver_pending(NOW)
    assert failed.status == "failed"
    assert "ConnectionRefusedError" in failed.error
    assert reload(session, row).emailed_at is None

    with helpers.smtp_server(app, monkeypatch) as (sink, _controller):
        sink.data_reply = "451 4.3.0 Try again later"
        again = delivery.deliver_pending(NOW + timedelta(minutes=1))
        assert again.status == "failed" and "451" in again.error
        assert reload(session, row).emailed_at is None

        sink.data_reply = None
        sent = delivery.deliver_pending(NOW + timedelta(minutes=2))
        assert sent.status == "succeeded" and sent.counts == {"sent": 1, "notifications": 1}
    assert [message["Subject"] for message in sink.messages] == ["Herinnering"]
    assert reload(session, row).emailed_at is not None
    assert port != 0


def test_a_recipient_refused_for_good_is_not_retried_every_minute(
        session, world, smtp, monkeypatch):
    refused = add_notification(session, email="weg@school.example", subject="Escalatie")
    fine = add_notification(session, user=world.coordinator_a, subject="Herinnering")
    smtp.refused_recipients.add("weg@school.example")
    run = delivery.deliver_pending(NOW)
    assert run.status == "succeeded"
    assert run.counts == {"refused": 1, "sent": 1, "notifications": 1}
    assert [message["Subject"] for message in smtp.messages] == ["Herinnering"]
    assert reload(session, refused).emailed_at is not None
    assert reload(session, fine).emailed_at is not None
    assert delivery.deliver_pending(NOW + timedelta(minutes=1)) is None


def test_mails_older_than_the_window_stay_in_the_centre_only(session, world, outbox):
    old = add_notification(session, user=world.coordinator_a,
                           created_at=NOW - delivery.MAIL_WINDOW - timedelta(minutes=1))
    assert delivery.deliver_pending(NOW) is None
    assert mails(outbox) == []
    assert reload(session, old).emailed_at is None


def test_a_mentor_gets_a_sign_in_link_that_opens_the_thing(client, session, world, outbox):
    mentor = world.mentor_user_a
    add_notification(session, user=mentor, subject="Evaluatie over 7 dagen",
                     link="/evaluations/12")
    add_notification(session, user=mentor, subject="Evaluatie over 1 dag", link="/evaluations/13")
    add_notification(session, user=world.coordinator_a, link="/trajectories/1")
    delivery.deliver_pending(NOW)
    sent = mails(outbox)
    mentor_mails = [text_part(message) for message in sent if message["To"] == mentor.email]
    links = [line.strip() for body in mentor_mails for line in body.splitlines()
             if "/login/link/" in line]
    assert len(links) == 2
    # Both mails of this run carry the same link: a second one would void the first.
    assert links[0].split("?")[0] == links[1].split("?")[0]
    assert links[0].endswith("?next=/evaluations/12") or links[1].endswith(
        "?next=/evaluations/12")
    assert "http://dualflow.test/evaluations/12" in "".join(mentor_mails)
    path = links[0].removeprefix("http://dualflow.test").split("?")[0]
    assert client.get(path).status_code == 200  # a valid, unused sign-in link
    coordinator_mail = next(m for m in sent if m["To"] == world.coordinator_a.email)
    assert "/login/link/" not in text_part(coordinator_mail)


def test_a_signer_without_account_gets_the_mail_around_the_reminder_in_his_language(
        session, world, outbox):
    scene = factories.placed_world(session, world)
    agreement = factories.agreement(session, scene.place_a, status="awaiting_signatures",
                                    monthly_allowance=Decimal("400"))
    session.add(Signature(agreement_id=agreement.id, party="learner", language="fr",
                          signer_email="anna@leerling.example"))
    session.commit()
    add_notification(session, email="anna@leerling.example", subject="Rappel : signature",
                     entity_type="agreements", entity_id=agreement.id)
    delivery.deliver_pending(NOW)
    [message] = mails(outbox)
    assert 'lang="fr"' in helpers.html_part(message)


def test_thousands_of_pending_mails_go_in_chunks_over_one_connection(
        session, world, smtp, monkeypatch):
    monkeypatch.setattr(delivery, "CHUNK", 7)
    users = [factories.user(session, "sector", sector_id=world.sector_a.id) for _ in range(5)]
    for n in range(30):
        add_notification(session, user=users[n % 5], subject=f"Melding {n}")
    run = delivery.deliver_pending(NOW)
    assert run.counts == {"sent": 30, "notifications": 30}
    assert len(smtp.messages) == 30
    assert smtp.connections == 1


@pytest.fixture
def race_database(tmp_path) -> Iterator[str]:
    """A database of its own that really commits: a schema beside the test database on
    PostgreSQL (when the suite runs there), else an SQLite file."""
    url = os.environ.get("DUALFLOW_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        url = f"sqlite:///{tmp_path / 'concurrent.sqlite'}"
        upgrade(url)
        yield url
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS delivery_race CASCADE"))
        connection.execute(text("CREATE SCHEMA delivery_race"))
    separator = "&" if "?" in url else "?"
    schema_url = f"{url}{separator}options=-csearch_path%3Ddelivery_race"
    upgrade(schema_url)
    try:
        yield schema_url
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS delivery_race CASCADE"))
        engine.dispose()


def test_two_processes_at_once_on_one_database_send_each_mail_once(
        make_app, app, tmp_path, monkeypatch, race_database):
    """Real concurrency: two threads, each its own connection, on a database of their own."""
    url = race_database
    other = make_app({**{key: app.config[key] for key in ("SECRET_KEY", "BASE_URL")},
                      "TESTING": True, "DATABASE_URL": url,
                      "INSTANCE_PATH": str(tmp_path), "OUTBOX_DIR": str(tmp_path / "outbox")})
    with helpers.smtp_server(other, monkeypatch) as (sink, _controller):
        with other.app_context(), db.sessionmaker() as setup:
            school = factories.school(setup)
            people = [factories.user(setup, "coordinator", school_id=school.id)
                      for _ in range(3)]
            for n in range(60):
                setup.add(Notification(dedupe_key=f"concurrent:{n}", user_id=people[n % 3].id,
                                       kind="test", subject=f"Melding {n}", created_at=NOW))
            setup.commit()
        results: list[object] = []
        start = threading.Barrier(2)

        def scheduler(minute: int) -> None:
            with other.app_context():
                start.wait()
                try:
                    results.append(delivery.deliver_pending(NOW + timedelta(minutes=minute)))
                except Exception as error:  # the assertion below shows it
                    results.append(error)

        threads = [threading.Thread(target=scheduler, args=(minute,)) for minute in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        subjects = sorted(message["Subject"] for message in sink.messages)
        with other.app_context(), db.sessionmaker() as check:
            unsent = check.execute(select(func.count()).select_from(Notification)
                                   .where(Notification.emailed_at.is_(None))).scalar_one()
            runs = check.execute(select(func.count()).select_from(JobRun)).scalar_one()
        with other.app_context():
            db.get_engine().dispose()
    assert len(results) == 2
    assert all(run is None or (isinstance(run, JobRun) and run.status == "succeeded")
               for run in results), results
    assert subjects == sorted(f"Melding {n}" for n in range(60))
    assert unsent == 0
    assert 1 <= runs <= 2
    assert sum(run.counts.get("sent", 0) for run in results if run is not None) == 60
