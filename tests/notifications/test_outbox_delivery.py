"""Delivery of written mails and notifications: exactly once, and one bad message stops nothing."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from sqlalchemy import select

from dualflow import mail
from dualflow.mail import Mailer
from dualflow.notifications import delivery
from dualflow.notifications.models import OutboxMessage
from tests.admin.helpers import mails
from tests.notifications import delivery_helpers as helpers
from tests.notifications.delivery_helpers import NOW, add_notification, reload

smtp = helpers.smtp


def _queue(session, subject: str, to: str = "iemand@school.example") -> OutboxMessage:
    row = mail.queue(session, kind="test", to=to, subject=subject, text=f"Tekst {subject}",
                     html=f"<p>{subject}</p>")
    session.commit()
    return row


def _row(session, row: OutboxMessage) -> OutboxMessage:
    session.expire_all()
    return session.execute(select(OutboxMessage).where(OutboxMessage.id == row.id)).scalar_one()


def test_a_notification_whose_subject_has_a_line_break_stops_no_other_mail(
        session, world, outbox):
    subjects = ["Eerste", "Tweede\nmet een regeleinde", "Derde", "Vierde"]
    rows = [add_notification(session, user=world.coordinator_a, subject=subject)
            for subject in subjects]
    run = delivery.deliver_pending(NOW)
    assert run.status == "succeeded"
    assert run.counts == {"sent": 4, "notifications": 4}
    assert sorted(message["Subject"] for message in mails(outbox)) == sorted(
        ["Eerste", "Tweede met een regeleinde", "Derde", "Vierde"])
    assert all(reload(session, row).emailed_at is not None for row in rows)


def test_a_notification_that_cannot_be_composed_is_counted_failed_and_the_rest_go(
        session, world, outbox, monkeypatch):
    rows = [add_notification(session, user=world.coordinator_a, subject=f"Melding {n}")
            for n in range(4)]
    real = delivery.notification_mail

    def compose(notification, **kwargs):
        if notification.subject == "Melding 1":
            raise ValueError("a template that cannot render this one")
        return real(notification, **kwargs)

    monkeypatch.setattr(delivery, "notification_mail", compose)
    run = delivery.deliver_pending(NOW)
    assert run.status == "succeeded"
    assert run.counts == {"sent": 3, "notifications": 3, "failed": 1}
    assert sorted(message["Subject"] for message in mails(outbox)) == [
        "Melding 0", "Melding 2", "Melding 3"]
    # Kept claimed: it is not retried every minute (it would fail the same way).
    assert reload(session, rows[1]).emailed_at is not None
    assert delivery.deliver_pending(NOW + timedelta(minutes=1)) is None


def test_a_written_mail_with_control_characters_in_its_headers_is_sent_cleaned(
        session, outbox):
    _queue(session, "Uitnodiging\r\nBcc: iedereen@example.org")
    run = delivery.deliver_pending(NOW)
    assert run.counts == {"outbox_sent": 1}
    [message] = mails(outbox)
    assert message["Subject"] == "Uitnodiging  Bcc: iedereen@example.org"
    assert message["Bcc"] is None


def test_a_written_mail_that_cannot_be_composed_is_marked_failed_and_the_rest_go(
        session, outbox, monkeypatch):
    rows = [_queue(session, f"Mail {n}") for n in range(4)]
    real = mail.build_message

    def build(**kwargs):
        if kwargs["subject"] == "Mail 2":
            raise ValueError("cannot compose this one")
        return real(**kwargs)

    monkeypatch.setattr(mail, "build_message", build)
    run = delivery.deliver_pending(NOW)
    assert run.status == "succeeded"
    assert run.counts == {"outbox_sent": 3, "outbox_failed": 1}
    assert sorted(message["Subject"] for message in mails(outbox)) == [
        "Mail 0", "Mail 1", "Mail 3"]
    failed = _row(session, rows[2])
    assert failed.failed_at is not None and failed.sent_at is None
    assert "cannot compose this one" in failed.last_error
    assert delivery.deliver_pending(NOW + timedelta(minutes=1)) is None


def test_two_delivery_runs_never_send_a_written_mail_twice(session, outbox, monkeypatch):
    rows = [_queue(session, f"Mail {n}") for n in range(4)]
    real_send = Mailer.send
    overlapping: list[object] = []

    def send_and_let_another_run_start(self, message):
        real_send(self, message)
        if not overlapping:
            overlapping.append("started")
            # Another scheduler's run starts and ends while this one is busy with its first.
            overlapping.append(delivery.deliver_pending(NOW + timedelta(minutes=1)))

    monkeypatch.setattr(Mailer, "send", send_and_let_another_run_start)
    first = delivery.deliver_pending(NOW)
    second = overlapping[1]
    assert first.counts["outbox_sent"] + second.counts["outbox_sent"] == 4
    assert sorted(message["Subject"] for message in mails(outbox)) == [
        f"Mail {n}" for n in range(4)]
    assert all(_row(session, row).sent_at is not None for row in rows)
    # The same minute again, a later minute, and an immediate attempt: nothing is left.
    assert delivery.deliver_pending(NOW) is None
    assert delivery.deliver_pending(NOW + timedelta(minutes=2)) is None
    assert mail.send_queued([row.id for row in rows]) == {}
    assert len(mails(outbox)) == 4


def test_a_mail_the_server_keeps_refusing_waits_out_an_outage_and_is_given_up_when_stale(
        session, outbox, monkeypatch):
    row = _queue(session, "Hardnekkig")
    written = _row(session, row).created_at

    def busy(self, message):
        raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")

    monkeypatch.setattr(Mailer, "send", busy)
    # An afternoon without a mail server: a run a minute, the mail stays pending throughout.
    for minute in range(0, 240, 7):
        run = delivery.deliver_pending(written + timedelta(minutes=minute + 1))
        assert run.status == "failed" and "451" in run.error
        again = _row(session, row)
        assert again.claimed_at is None and again.failed_at is None
    assert _row(session, row).attempts == len(range(0, 240, 7))
    last = delivery.deliver_pending(written + mail.GIVE_UP_AFTER + timedelta(minutes=1))
    assert last.counts == {"outbox_failed": 1}
    given_up = _row(session, row)
    assert given_up.failed_at is not None
    assert "451" in given_up.last_error
    assert delivery.deliver_pending(written + mail.GIVE_UP_AFTER + timedelta(minutes=2)) is None


def test_a_recipient_refused_for_good_fails_that_mail_only(session, smtp):
    refused = _queue(session, "Weg", to="weg@school.example")
    fine = _queue(session, "Goed", to="goed@school.example")
    smtp.refused_recipients.add("weg@school.example")
    run = delivery.deliver_pending(NOW)
    assert run.status == "succeeded"
    assert run.counts == {"outbox_sent": 1, "outbox_failed": 1}
    assert [message["Subject"] for message in smtp.messages] == ["Goed"]
    assert _row(session, refused).failed_at is not None
    assert "550" in _row(session, refused).last_error
    assert _row(session, fine).sent_at is not None
