"""Real SMTP delivery to a server on loopback, one mail per language, text and HTML."""

from __future__ import annotations

import pytest

from dualflow.notifications import delivery
from tests import factories
from tests.notifications import delivery_helpers as helpers
from tests.notifications.delivery_helpers import NOW, add_notification, html_part, text_part

smtp = helpers.smtp

# What the deadline rules would have written for each recipient, in the recipient's language,
# and the greeting the mail puts around it.
IN_LANGUAGE = {
    "nl": ("Herinnering: evaluatie van Anna Peeters over 7 dagen",
           "Vul de evaluatie van Anna Peeters in tegen 13/10/2026.", "Beste Nina Nl,"),
    "fr": ("Rappel : évaluation d'Anna Peeters dans 7 jours",
           "Complétez l'évaluation d'Anna Peeters pour le 13/10/2026.", "Bonjour Fanny Fr,"),
    "en": ("Reminder: evaluation of Anna Peeters in 7 days",
           "Fill in the evaluation of Anna Peeters by 13/10/2026.", "Dear Emma En,"),
}
NAMES = {"nl": "Nina Nl", "fr": "Fanny Fr", "en": "Emma En"}


@pytest.fixture
def recipients(session, world):
    """One coordinator per language, each with a notification written in that language."""
    users = {}
    for language, (subject, body, _greeting) in IN_LANGUAGE.items():
        user = factories.user(session, "coordinator", school_id=world.school_a.id,
                              language=language, full_name=NAMES[language],
                              email=f"{language}@school.example")
        add_notification(session, user=user, subject=subject, body=body, link="/trajectories/7")
        users[language] = user
    return users


def test_each_language_gets_its_own_mail_over_smtp(session, recipients, smtp):
    run = delivery.deliver_pending(NOW)
    assert run.status == "succeeded" and run.counts == {"sent": 3, "notifications": 3}
    assert len(smtp.messages) == 3
    received = {message["To"]: message for message in smtp.messages}
    for language, (subject, body, greeting) in IN_LANGUAGE.items():
        message = received[f"{language}@school.example"]
        assert message["Subject"] == subject
        assert message["From"]
        assert message.is_multipart()
        text, html = text_part(message), html_part(message)
        for part in (text, html):
            assert greeting in part.replace("&#39;", "'")
            assert body in part.replace("&#39;", "'")
        assert "http://dualflow.test/trajectories/7" in text
        assert 'href="http://dualflow.test/trajectories/7"' in html
        assert f'lang="{language}"' in html
        # Where the recipient changes how often mail comes: an absolute link too.
        assert "http://dualflow.test/notifications/settings" in text
    # The envelope goes to the recipients themselves, one each.
    assert sorted(rcpt for _sender, rcpts in smtp.envelopes for rcpt in rcpts) == sorted(
        f"{language}@school.example" for language in IN_LANGUAGE)


def test_one_run_uses_one_smtp_connection(session, recipients, smtp):
    delivery.deliver_pending(NOW)
    assert len(smtp.messages) == 3
    assert smtp.connections == 1


def test_without_smtp_settings_mails_land_in_the_outbox(session, recipients, outbox):
    delivery.deliver_pending(NOW)
    assert len(list(outbox.glob("*.eml"))) == 3
