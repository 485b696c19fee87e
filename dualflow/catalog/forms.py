"""Forms of the catalogue screens, and the Dutch labels of the catalogue's coded values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from dualflow.agreements.services import KIND_LABELS
from dualflow.catalog.services import (
    EVALUATION_INTERVAL_LIMITS,
    SCHOOL_KINDS,
    SECTOR_LIMITS,
)
from dualflow.forms import Form, PlainForm, options
from dualflow.integers import coerce_id
from dualflow.modelbase import CompetencyLocation, Level, StemLabel, Track

TRACK_LABELS = {
    Track.LABOUR_MARKET.value: _l("Arbeidsmarktgericht"),
    Track.DOUBLE.value: _l("Dubbele finaliteit"),
    Track.PROGRESSION.value: _l("Doorstroom"),
}
LEVEL_LABELS = {
    Level.SECONDARY.value: _l("Secundair onderwijs"),
    Level.SECONDARY_ADULT.value: _l("Secundair volwassenenonderwijs"),
    Level.HBO5.value: _l("HBO5"),
    Level.BACHELOR.value: _l("Professionele bachelor"),
}
STEM_LABELS = {
    StemLabel.STEM.value: _l("STEM"),
    StemLabel.STEM_LIGHT.value: _l("STEM-licht"),
    StemLabel.STEM_CARE.value: _l("STEM-zorg"),
    StemLabel.NON_STEM.value: _l("Niet-STEM"),
}
LOCATION_LABELS = {
    CompetencyLocation.SCHOOL.value: _l("School"),
    CompetencyLocation.WORKPLACE.value: _l("Werkplek"),
    CompetencyLocation.BOTH.value: _l("Beide"),
}
SCHOOL_KIND_LABELS = dict(
    zip(
        SCHOOL_KINDS,
        (
            _l("Secundaire school"),
            _l("Centrum voor volwassenenonderwijs"),
            _l("Syntra-centrum"),
            _l("Hogeschool"),
        ),
        strict=True,
    )
)

_OPTIONAL_EMAIL = [Optional(), Email(message=_l("Dit is geen geldig e-mailadres.")),
                   Length(max=254)]


def optional_int(value) -> int | None:
    """Coerce a select value to an int, with the empty choice meaning "none"."""
    if value in (None, "", "None"):
        return None
    return coerce_id(value)


def _range(field: str):
    low, high = SECTOR_LIMITS[field]
    return NumberRange(min=low, max=high,
                       message=_l("Kies een waarde van %(min)s tot %(max)s."))


class SchoolForm(Form):
    name = StringField(_l("Naam"), validators=[DataRequired(), Length(max=200)])
    institution_number = StringField(
        _l("Instellingsnummer"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(r"^\d+$", message=_l("Een instellingsnummer bestaat alleen uit cijfers.")),
        ],
    )
    kind = SelectField(_l("Soort"), choices=options(SCHOOL_KIND_LABELS.items()))
    street = StringField(_l("Straat en nummer"), validators=[Length(max=200)])
    postcode = StringField(
        _l("Postcode"),
        validators=[Optional(), Regexp(r"^\d{4}$", message=_l("Een postcode heeft 4 cijfers."))],
    )
    municipality = StringField(_l("Gemeente"), validators=[Length(max=100)])
    email = EmailField(_l("E-mailadres"), validators=_OPTIONAL_EMAIL)
    phone = StringField(_l("Telefoon"), validators=[Length(max=40)])
    escalation_email = EmailField(_l("E-mailadres voor escalaties"), validators=_OPTIONAL_EMAIL)
    evaluation_interval_weeks = IntegerField(
        _l("Weken tussen evaluatiemomenten"),
        default=6,
        validators=[
            InputRequired(),
            NumberRange(*EVALUATION_INTERVAL_LIMITS,
                        message=_l("Kies een waarde van %(min)s tot %(max)s.")),
        ],
    )
    is_active = BooleanField(_l("Actief"), default=True)


class HolidayForm(Form):
    name = StringField(_l("Naam"), validators=[DataRequired(), Length(max=100)])
    # InputRequired, not DataRequired: a malformed date then says so instead of "required".
    starts_on = DateField(_l("Van"), validators=[InputRequired()])
    ends_on = DateField(_l("Tot en met"), validators=[InputRequired()])


class SectorForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])
    name = StringField(_l("Naam"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mailadres"), validators=_OPTIONAL_EMAIL)
    mentor_min_age = IntegerField(
        _l("Minimumleeftijd mentor"), default=25,
        validators=[InputRequired(), _range("mentor_min_age")],
    )
    mentor_min_experience_years = IntegerField(
        _l("Minimum jaren relevante ervaring"), default=5,
        validators=[InputRequired(), _range("mentor_min_experience_years")],
    )
    mentor_min_age_qualified = IntegerField(
        _l("Minimumleeftijd met relevante kwalificatie"), default=23,
        validators=[InputRequired(), _range("mentor_min_age_qualified")],
    )
    mentor_min_experience_years_qualified = IntegerField(
        _l("Minimum jaren ervaring met relevante kwalificatie"), default=2,
        validators=[InputRequired(), _range("mentor_min_experience_years_qualified")],
    )
    mentor_training_months = IntegerField(
        _l("Mentoropleiding binnen (maanden na de erkenningsbeslissing)"), default=12,
        validators=[InputRequired(), _range("mentor_training_months")],
    )
    max_learners_per_mentor = IntegerField(
        _l("Maximum lerenden per mentor"),
        validators=[
            Optional(),
            NumberRange(*SECTOR_LIMITS["max_learners_per_mentor"],
                        message=_l("Kies minstens %(min)s (en hoogstens %(max)s), of laat leeg "
                                   "voor geen maximum.")),
        ],
    )
    teaching_certificate_exempts = BooleanField(
        _l("Een pedagogisch getuigschrift vervangt de mentoropleiding"))
    record_check_max_age_months = IntegerField(
        _l("Uittreksel strafregister hoogstens (maanden oud bij de aanvraag)"), default=12,
        validators=[InputRequired(), _range("record_check_max_age_months")],
    )
    allows_part_time_employment = BooleanField(_l("Deeltijdse arbeidsovereenkomst toegelaten"))
    recognition_years = IntegerField(
        _l("Geldigheid erkenning (jaren)"), default=5,
        validators=[InputRequired(), _range("recognition_years")],
    )
    decision_days = IntegerField(
        _l("Beslissingstermijn erkenning (dagen)"), default=14,
        validators=[InputRequired(), _range("decision_days")],
    )


def agreement_kind_choices():
    """The three kinds of agreement, labelled in the user's language."""
    return options(KIND_LABELS.items())


class ProgrammeForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])
    name = StringField(_l("Naam"), validators=[DataRequired(), Length(max=200)])
    sector_id = SelectField(_l("Sector"), coerce=optional_int,
                            validators=[InputRequired()])
    track = SelectField(_l("Finaliteit"), choices=options(TRACK_LABELS.items()))
    level = SelectField(_l("Niveau"), choices=options(LEVEL_LABELS.items()),
                        default=Level.SECONDARY.value)
    stem_label = SelectField(_l("STEM-label"), choices=options(STEM_LABELS.items()),
                             default=StemLabel.NON_STEM.value)
    agreement_kind = SelectField(_l("Soort overeenkomst"), choices=agreement_kind_choices,
                                 default="alternating_training", validate_choice=False)
    is_active = BooleanField(_l("Actief"), default=True)


class CompetencyForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    title = StringField(_l("Omschrijving"), validators=[DataRequired(), Length(max=300)])
    location = SelectField(_l("Waar verworven"), choices=options(LOCATION_LABELS.items()),
                           default=CompetencyLocation.WORKPLACE.value)


class ProgrammeFilterForm(PlainForm):
    """The filters above the programme list (query string, no CSRF)."""

    q = StringField(_l("Zoeken"))
    sector_id = SelectField(_l("Sector"), coerce=optional_int, validate_choice=False)
    track = SelectField(_l("Finaliteit"),
                        choices=options([("", _l("Alle finaliteiten")), *TRACK_LABELS.items()]))
    stem_label = SelectField(_l("STEM-label"),
                             choices=options([("", _l("Alle STEM-labels")), *STEM_LABELS.items()]))
