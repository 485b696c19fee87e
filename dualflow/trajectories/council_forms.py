"""Forms of the class council pages; the rules live in dualflow.trajectories.council."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from dualflow.forms import Form
from dualflow.integers import coerce_id


class DecisionForm(Form):
    """The council's decision on one trajectory: what, when, and a note."""

    decision = RadioField(_l("Beslissing van de klassenraad"), validate_choice=False)
    decided_on = DateField(_l("Datum van de klassenraad"), validators=[InputRequired()])
    note = TextAreaField(_l("Motivering of advies van de klassenraad"),
                         validators=[Optional(), Length(max=2000)])


class ClassDecisionsForm(Form):
    """The date of the council for the decisions of a whole class; the rows come per id."""

    decided_on = DateField(_l("Datum van de klassenraad"), validators=[Optional()])


class ClassFilterForm(Form):
    """Which class the list shows (GET, no CSRF)."""

    class Meta:
        csrf = False

    school_year = SelectField(_l("Schooljaar"), coerce=coerce_id, validate_choice=False,
                              validators=[Optional()])
    class_group = SelectField(_l("Klas"), validate_choice=False, validators=[Optional()])
    programme_id = SelectField(_l("Opleiding"), coerce=coerce_id, validate_choice=False,
                               validators=[Optional()])
    q = StringField(_l("Naam van de lerende"), validators=[Optional(), Length(max=100)])
