"""Delivery: one message that cannot be composed as stored never stops the others."""

from __future__ import annotations

from datetime import timedelta

from dualflow.notifications import delivery
from tests.admin.helpers import mails
from tests.notifications.delivery_helpers import NOW, add_notification, reload


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
