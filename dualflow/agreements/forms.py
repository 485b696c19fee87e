"""Forms for agreements and signing; the rules of each kind are checked by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FloatField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from dualflow.forms import Form


def kind_choices():
    """The three kinds, labelled in the user's language."""
    from dualflow.agreements.services import KIND_LABELS

    return list(KIND_LABELS.items())


class AgreementForm(Form):
    """The terms of an agreement: kind, period, hours a week, allowance or wage."""

    kind = SelectField(_l("Soort overeenkomst"), choices=kind_choices,
                       validators=[DataRequired()])
    starts_on = DateField(_l("Begindatum"), validators=[InputRequired()])
    ends_on = DateField(_l("Einddatum"), validators=[InputRequired()])
    hours_per_week = FloatField(
        _l("Uren per week op de werkplek (gemiddeld over het jaar)"),
        validators=[InputRequired(), NumberRange(min=0.5, max=50)],
    )
    monthly_allowance = DecimalField(
        _l("Maandelijkse leervergoeding of bruto maandloon (€)"), places=2,
        validators=[Optional(), NumberRange(min=0, max=100000)],
    )


class SendForm(Form):
    """Confirm sending the agreement for signature."""


class TerminateForm(Form):
    """End a signed agreement on a date, with a reason."""

    terminated_on = DateField(_l("Laatste dag van de overeenkomst"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reden"), validators=[DataRequired(), Length(max=1000)])


class SignForm(Form):
    """A party signs by typing the full name and approving what it read."""

    full_name = StringField(_l("Je volledige naam"), validators=[DataRequired(), Length(max=200)])
    approved = BooleanField(_l("Gelezen en goedgekeurd"))
    document_sha256 = HiddenField()
