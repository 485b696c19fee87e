"""Forms for learners and the learner import; the rules that need more live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from dualflow.forms import Form, options
from dualflow.integers import coerce_id


def gender_choices():
    """The genders as the form offers them."""
    return options([("", _l("— kies —")), ("F", _l("Vrouw")), ("M", _l("Man")),
                    ("X", _l("X (anders of niet vermeld)"))])


def language_choices():
    """The languages of a learner's agreement and mail."""
    return options([("nl", _l("Nederlands")), ("fr", _l("Frans"))])


class LearnerForm(Form):
    """A learner's identity, contact data and guardian."""

    school_id = SelectField(_l("School"), coerce=coerce_id, validate_choice=False)
    first_name = StringField(_l("Voornaam"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Familienaam"), validators=[DataRequired(), Length(max=100)])
    birth_date = DateField(_l("Geboortedatum"), validators=[InputRequired()])
    gender = SelectField(_l("Geslacht"), choices=gender_choices, validators=[DataRequired()])
    national_number = StringField(_l("Rijksregisternummer (INSZ) of BIS-nummer"),
                                  validators=[Optional(), Length(max=20)])
    clear_national_number = BooleanField(_l("Het gekende rijksregisternummer wissen"))
    email = StringField(_l("E-mailadres"), validators=[Length(max=254)])
    phone = StringField(_l("Telefoon"), validators=[Length(max=40)])
    street = StringField(_l("Straat en nummer"), validators=[Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=10)])
    municipality = StringField(_l("Gemeente"), validators=[Length(max=100)])
    language = SelectField(_l("Taal"), choices=language_choices)
    class_group = StringField(_l("Klas"), validators=[Length(max=30)])
    guardian_name = StringField(_l("Naam ouder of voogd"), validators=[Length(max=200)])
    guardian_email = StringField(_l("E-mailadres ouder of voogd"), validators=[Length(max=254)])
    guardian_phone = StringField(_l("Telefoon ouder of voogd"), validators=[Length(max=40)])


class SearchForm(Form):
    """The filters of the learner list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Naam, klas of rijksregisternummer"),
                    validators=[Optional(), Length(max=100)])
    class_group = SelectField(_l("Klas"), validate_choice=False, validators=[Optional()])
    running = SelectField(_l("Traject"), choices=options([("", _l("Alle lerenden")),
                                                          ("yes", _l("Met lopend traject")),
                                                          ("no", _l("Zonder lopend traject"))]),
                          validate_choice=False, validators=[Optional()])
    school_id = SelectField(_l("School"), coerce=coerce_id, validate_choice=False,
                            validators=[Optional()])


class ImportForm(Form):
    """The upload of a learner file, checked first (dry run)."""

    school_id = SelectField(_l("School"), coerce=coerce_id, validate_choice=False)
    file = FileField(_l("Bestand (.csv of .xlsx)"), validators=[
        FileRequired(_l("Kies een bestand.")),
        FileAllowed(["csv", "xlsx"], _l("Kies een CSV-bestand (.csv) of een Excel-bestand "
                                        "(.xlsx).")),
    ])


class ConfirmImportForm(Form):
    """Import the file that the dry run checked (carried in the page, signed)."""

    payload = HiddenField()
    ticket = HiddenField()
