"""Forms of the notification settings page (every POST there carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.validators import InputRequired

from dualflow.forms import Form, options
from dualflow.modelbase import MailFrequency

MAIL_FREQUENCY_LABELS = {
    MailFrequency.IMMEDIATE.value: _l("Meteen: één e-mail per melding"),
    MailFrequency.DAILY.value: _l("Eén keer per dag: een overzicht van de meldingen van die dag"),
    MailFrequency.NONE.value: _l("Geen e-mails: meldingen alleen hier in dualflow"),
}


def stored_mail_frequencies() -> tuple[str, ...]:
    """The mail frequencies a user can choose (the users.digest check constraint's values)."""
    return tuple(f.value for f in MailFrequency)


class MailFrequencyForm(Form):
    frequency = RadioField(_l("E-mail over meldingen"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.frequency.choices = options(MAIL_FREQUENCY_LABELS.items())


class ConfirmForm(Form):
    """A button-only form: the CSRF token is all it carries."""
