"""Forms for agreements and signing; the rules of each kind are checked by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from dualflow.agreements.services import TERMINATION_KIND_LABELS
from dualflow.forms import Form, options


def _category(value) -> int | None:
    """A posted category, or None (the service says what is missing or wrong)."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class Required:
    """Marks a field as required on the page; the service says what is missing or wrong."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def termination_kind_choices():
    """The four ways an agreement ends, labelled in the user's language."""
    return options([("", _l("— kies —")), *TERMINATION_KIND_LABELS.items()])


class AgreementForm(Form):
    """The terms of an agreement: period, and the allowance category (OAO), the expense allowance
    (internship) or the wage (part-time employment). Kind and hours are not chosen here: they are
    the programme's and the placement's."""

    starts_on = DateField(_l("Begindatum"), validators=[InputRequired()])
    ends_on = DateField(_l("Einddatum"), validators=[InputRequired()])
    # Choices (with the amount in force today) are set by the view.
    allowance_category = RadioField(_l("Categorie van de leervergoeding"), coerce=_category,
                                    choices=[], validate_choice=False)
    monthly_allowance = DecimalField(
        _l("Bedrag per maand (€)"), places=2,
        validators=[Optional(), NumberRange(min=0, max=100000)],
    )


class SendForm(Form):
    """Confirm sending the agreement for signature."""


class TerminateForm(Form):
    """End a signed agreement: how, on which day (also later), and why."""

    kind = SelectField(_l("Hoe eindigt de overeenkomst?"), choices=termination_kind_choices,
                       validate_choice=False, validators=[Required()])
    terminated_on = DateField(_l("Laatste dag van de overeenkomst"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reden"), validators=[DataRequired(), Length(max=1000)])


class SignForm(Form):
    """A party signs by typing the full name and approving what it read."""

    full_name = StringField(_l("Je volledige naam"), validators=[DataRequired(), Length(max=200)])
    approved = BooleanField(_l("Gelezen en goedgekeurd"))
    document_sha256 = HiddenField()
