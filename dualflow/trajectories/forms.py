"""Forms for trajectories, evaluation moments and placements; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from dualflow.forms import Form, options
from dualflow.integers import coerce_id


class TrajectoryForm(Form):
    """A new trajectory: programme, school year, start, coordinator, class and evaluation plan."""

    programme_id = SelectField(_l("Opleiding"), coerce=coerce_id, validate_choice=False)
    school_year = SelectField(_l("Schooljaar"), coerce=coerce_id, validate_choice=False)
    starts_on = DateField(_l("Startdatum (start van de lessen)"), validators=[InputRequired()])
    coordinator_id = SelectField(_l("Trajectbegeleider"), coerce=coerce_id, validate_choice=False)
    class_group = StringField(_l("Klas"), validators=[Optional(), Length(max=30)])
    learning_form = SelectField(_l("Leervorm"), validate_choice=False)
    moments_from = RadioField(
        _l("Evaluatiemomenten"),
        choices=options([("school", _l("Standaard van de school")),
                         ("fixed", _l("Vaste data"))]),
        default="school",
    )
    fixed_dates = TextAreaField(_l("Vaste data"), validators=[Optional(), Length(max=2000)])


class EndForm(Form):
    """How and when a trajectory ends, and why."""

    status = SelectField(_l("Afloop"), validate_choice=False)
    ends_on = DateField(_l("Einddatum"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reden of toelichting"), validators=[Optional(), Length(max=500)])


class MomentForm(Form):
    """An evaluation moment: title and date."""

    title = StringField(_l("Titel"), validators=[InputRequired(), Length(max=100)])
    due_on = DateField(_l("Datum"), validators=[InputRequired()])


class PlacementForm(Form):
    """A placement at the chosen recognised site: mentor, period and hours per week."""

    site_id = HiddenField()
    mentor_id = SelectField(_l("Mentor"), coerce=coerce_id, validate_choice=False)
    starts_on = DateField(_l("Van"), validators=[InputRequired()])
    ends_on = DateField(_l("Tot en met"), validators=[InputRequired()])
    hours_per_week = DecimalField(_l("Uren per week op de werkplek"), places=1,
                                  validators=[InputRequired(), NumberRange(min=0.5, max=50)])
    # Checkboxes per day and half-day; the service checks the keys.
    weekly_schedule = SelectMultipleField(_l("Weekrooster op de werkplek"),
                                          validate_choice=False)


class ScheduleForm(Form):
    """The half-days at the workplace of an existing placement."""

    weekly_schedule = SelectMultipleField(_l("Weekrooster op de werkplek"),
                                          validate_choice=False)


class PlanForm(Form):
    """The individual training plan; the selects per competency are read by name (loc-<id>)."""


class EndPlacementForm(Form):
    """The new, earlier last day of a placement."""

    ends_on = DateField(_l("Nieuwe einddatum"), validators=[InputRequired()])


class FilterForm(Form):
    """The filters of the trajectory list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Naam van de lerende"), validators=[Optional(), Length(max=100)])
    school_year = SelectField(_l("Schooljaar"), coerce=coerce_id, validate_choice=False,
                              validators=[Optional()])
    programme_id = SelectField(_l("Opleiding"), coerce=coerce_id, validate_choice=False,
                               validators=[Optional()])
    class_group = SelectField(_l("Klas"), validate_choice=False, validators=[Optional()])
    status = SelectField(_l("Status"), validate_choice=False, validators=[Optional()])
    attention = SelectField(_l("Actie nodig"), validate_choice=False, validators=[Optional()])


class WorkplaceSearchForm(Form):
    """Search the register for a workplace of the trajectory's programme (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Onderneming of vestiging"), validators=[Optional(), Length(max=100)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=4)])
    on = DateField(_l("Erkend op"), validators=[Optional()])


class LearnerSearchForm(Form):
    """Find the learner to open a trajectory for (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Naam of klas"), validators=[Optional(), Length(max=100)])

