"""Forms for companies, sites and mentors; identifiers and regions are checked by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from dualflow.forms import Form, options
from dualflow.integers import coerce_id

# Dutch forms first; the French ones are those of companies registered in Brussels.
LEGAL_FORMS = ["BV", "NV", "CV", "VOF", "CommV", "VZW", "IVZW", "Stichting", "Eenmanszaak",
               "Publiekrechtelijk", "SRL", "SA", "SC", "SNC", "SComm", "ASBL"]


def _legal_form_choices():
    return options([("", _l("— kies —")), *((form, form) for form in LEGAL_FORMS),
                    ("Andere", _l("Andere"))])


class CompanyForm(Form):
    """A company's identity, address and contact person."""

    kbo_number = StringField(
        _l("Ondernemingsnummer (KBO)"), validators=[DataRequired(), Length(max=20)]
    )
    name = StringField(_l("Naam"), validators=[DataRequired(), Length(max=200)])
    legal_form = SelectField(_l("Rechtsvorm"), choices=_legal_form_choices,
                             validators=[Optional()])
    sector_id = SelectField(_l("Sector"), coerce=coerce_id, validate_choice=False)
    street = StringField(_l("Straat en nummer"), validators=[Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(), Length(max=10)])
    municipality = StringField(_l("Gemeente"), validators=[DataRequired(), Length(max=100)])
    contact_name = StringField(_l("Contactpersoon"), validators=[Length(max=200)])
    contact_email = EmailField(_l("E-mailadres contactpersoon"),
                               validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField(_l("Telefoon contactpersoon"), validators=[Length(max=40)])
    weekly_working_hours = DecimalField(
        _l("Wekelijkse arbeidsduur (uren)"), places=1,
        validators=[Optional(), NumberRange(min=1, max=50,
                                            message=_l("Kies een waarde van 1 tot 50 uur."))])


class NewCompanyForm(CompanyForm):
    """A new company with its first site, and the option to invite its contact person."""

    site_number = StringField(_l("Vestigingsnummer"),
                              validators=[DataRequired(), Length(max=20)])
    site_name = StringField(_l("Naam van de vestiging"), validators=[Length(max=200)])
    site_same_address = BooleanField(_l("De vestiging ligt op het adres van de onderneming"))
    site_street = StringField(_l("Straat en nummer"), validators=[Length(max=200)])
    site_postcode = StringField(_l("Postcode"), validators=[Length(max=10)])
    site_municipality = StringField(_l("Gemeente"), validators=[Length(max=100)])
    invite_contact = BooleanField(_l("Contactpersoon per e-mail uitnodigen voor een account"))


class SiteForm(Form):
    """A site (vestigingseenheid) of a company."""

    number = StringField(_l("Vestigingsnummer"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Naam"), validators=[Length(max=200)])
    street = StringField(_l("Straat en nummer"), validators=[Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(), Length(max=10)])
    municipality = StringField(_l("Gemeente"), validators=[DataRequired(), Length(max=100)])


class MentorForm(Form):
    """A mentor's profile with the facts the eligibility rules look at."""

    first_name = StringField(_l("Voornaam"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Familienaam"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mailadres"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Telefoon"), validators=[Length(max=40)])
    function_title = StringField(_l("Functie"), validators=[Length(max=100)])
    birth_date = DateField(_l("Geboortedatum"), validators=[InputRequired()])
    experience_years = IntegerField(
        _l("Jaren relevante ervaring"),
        validators=[InputRequired(), NumberRange(min=0, max=60)],
    )
    relevant_qualification = BooleanField(_l("Heeft een relevante kwalificatie"))
    appointed_on = DateField(_l("Aangesteld als mentor op"), validators=[Optional()])
    training_completed_on = DateField(_l("Mentoropleiding gevolgd op"), validators=[Optional()])
    has_teaching_certificate = BooleanField(
        _l("Heeft een pedagogisch getuigschrift (of een gelijkwaardig bewijs van pedagogische "
           "bekwaamheid)"))
    record_check_on = DateField(_l("Datum op het uittreksel uit het strafregister (model 596.2)"),
                                validators=[Optional()])
    is_active = BooleanField(_l("Actief"), default=True)


class RecordExtractForm(Form):
    """The uploaded criminal record extract (model 596.2) with the date printed on it."""

    record_check_on = DateField(_l("Datum op het uittreksel"), validators=[InputRequired()])
    file = FileField(_l("Uittreksel (PDF, JPEG of PNG, hoogstens 5 MB)"), validators=[
        FileRequired(_l("Kies het bestand met het uittreksel."))],
        render_kw={"accept": "application/pdf,image/jpeg,image/png"})


class SearchForm(Form):
    """The filters of the company list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Naam of nummer"), validators=[Optional(), Length(max=100)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=4)])
    municipality = StringField(_l("Gemeente"), validators=[Optional(), Length(max=100)])
    sector_id = SelectField(_l("Sector"), coerce=coerce_id, validate_choice=False,
                            validators=[Optional()])
