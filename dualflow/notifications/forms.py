"""Forms of the notification settings page (every POST there carries a CSRF token)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from dualflow.accounts.models import User
from dualflow.forms import Form, options
from dualflow.notifications.delivery import DAILY, IMMEDIATE, NO_MAIL

MAIL_FREQUENCY_LABELS = {
    IMMEDIATE: _l("Meteen: één e-mail per melding"),
    DAILY: _l("Eén keer per dag: een overzicht van de meldingen van die dag"),
    NO_MAIL: _l("Geen e-mails: meldingen alleen hier in dualflow"),
}


def stored_mail_frequencies() -> tuple[str, ...]:
    """The frequencies the users.digest check constraint accepts.

    "No mails" needs a migration that widens the constraint; read from the model, the choice
    appears by itself once that migration is in, and is never offered before it would fail.
    """
    for constraint in User.__table__.constraints:
        sql = str(getattr(constraint, "sqltext", ""))
        if sql.startswith("digest IN"):
            return tuple(re.findall(r"'([^']*)'", sql))
    return tuple(MAIL_FREQUENCY_LABELS)


class MailFrequencyForm(Form):
    frequency = RadioField(_l("E-mail over meldingen"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = stored_mail_frequencies()
        self.frequency.choices = options((value, label) for value, label in
                                         MAIL_FREQUENCY_LABELS.items() if value in allowed)


class ConfirmForm(Form):
    """A button-only form: the CSRF token is all it carries."""
