"""Forms for recognition requests, the sector's decisions and the register filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dualflow.forms import Form
from dualflow.integers import coerce_id


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestForm(Form):
    """A company site, a programme, the mentor(s) and the sworn declaration."""

    site_id = SelectField(_l("Vestiging"), coerce=coerce_id, validate_choice=False)
    programme_id = SelectField(_l("Opleiding"), coerce=coerce_id, validate_choice=False)
    mentor_ids = MultiCheckboxField(_l("Mentor(en)"), coerce=coerce_id, validate_choice=False)
    note = TextAreaField(_l("Toelichting voor de sector"),
                         validators=[Optional(), Length(max=2000)])
    sworn_declaration = BooleanField(
        _l("Ik verklaar op erewoord dat deze gegevens juist en volledig zijn, dat de onderneming "
           "de opleiding op de werkplek kan aanbieden en dat de mentor(en) de lerende zal/zullen "
           "begeleiden.")
    )


class ApproveForm(Form):
    """Validity of the recognition; defaults to the sector's number of years."""

    valid_from = DateField(_l("Geldig vanaf"), validators=[Optional()])
    valid_until = DateField(_l("Geldig tot en met"), validators=[Optional()])
    validity_reason = TextAreaField(
        _l("Reden voor een geldigheid langer dan de termijn van de sector"),
        validators=[Optional(), Length(max=1000)])
    lower_path_mentor_ids = MultiCheckboxField(
        _l("Aanvaarden via de lagere leeftijds- en ervaringsgrens (relevante kwalificatie)"),
        coerce=coerce_id, validate_choice=False)
    note = TextAreaField(_l("Opmerking (optioneel)"), validators=[Optional(), Length(max=2000)])


class RenewForm(Form):
    """A renewal: the mentors (pre-filled from the current recognition), a note, the oath."""

    mentor_ids = MultiCheckboxField(_l("Mentor(en)"), coerce=coerce_id, validate_choice=False)
    note = TextAreaField(_l("Toelichting voor de sector"),
                         validators=[Optional(), Length(max=2000)])
    sworn_declaration = RequestForm.sworn_declaration


class ReasonForm(Form):
    """A refusal or withdrawal: the reason is required and shown to the requester."""

    reason = TextAreaField(_l("Reden"), validators=[Optional(), Length(max=2000)])


class RegisterForm(Form):
    """The register filters (GET, no CSRF); the exports use exactly the same."""

    class Meta:
        csrf = False

    on = DateField(_l("Geldig op"), validators=[Optional()])
    programme_id = SelectField(_l("Opleiding"), coerce=coerce_id, validate_choice=False,
                               validators=[Optional()])
    sector_id = SelectField(_l("Sector"), coerce=coerce_id, validate_choice=False,
                            validators=[Optional()])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=4)])
    municipality = StringField(_l("Gemeente"), validators=[Optional(), Length(max=100)])
    q = StringField(_l("Naam"), validators=[Optional(), Length(max=100)])


class ListFilterForm(Form):
    """Status and search filter of the recognition lists (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False, validators=[Optional()])
    q = StringField(_l("Zoeken"), validators=[Optional(), Length(max=100)])
