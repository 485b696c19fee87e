"""The invitation form of the admin screens, and the filters of the user list and audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from dualflow.accounts.forms import InviteForm
from dualflow.catalog.forms import optional_int
from dualflow.navigation import ROLE_LABELS

USER_STATUS_LABELS = {
    "active": _l("Actief"),
    "invited": _l("Uitgenodigd"),
    "inactive": _l("Gedeactiveerd"),
}

# Tables whose rows the audit log names, with the Dutch name of what a row is.
ENTITY_LABELS = {
    "users": _l("Gebruiker"),
    "schools": _l("School"),
    "school_holidays": _l("Schoolvakantie"),
    "sectors": _l("Sector"),
    "programmes": _l("Opleiding"),
    "competencies": _l("Competentiecluster"),
    "companies": _l("Onderneming"),
    "sites": _l("Vestiging"),
    "mentors": _l("Mentor"),
    "recognitions": _l("Erkenning"),
    "learners": _l("Lerende"),
    "trajectories": _l("Traject"),
    "placements": _l("Plaatsing"),
    "agreements": _l("Overeenkomst"),
    "signatures": _l("Handtekening"),
    "evaluation_moments": _l("Evaluatiemoment"),
    "evaluations": _l("Evaluatie"),
    "documents": _l("Document"),
}


class InviteUserForm(InviteForm):
    """InviteForm whose organisation selects accept "none" and only offer the inviter's scope.

    The base form coerces with `int`, so an empty choice cannot be posted and any id passes;
    here the empty choice means "none" and an id outside the offered choices is refused.
    """

    school_id = SelectField(_l("School"), coerce=optional_int)
    company_id = SelectField(_l("Onderneming"), coerce=optional_int)
    sector_id = SelectField(_l("Sector"), coerce=optional_int)


# Filters come from the query string, so these are plain forms without a CSRF token.


class UserFilterForm(Form):
    q = StringField(_l("Zoeken"))
    role = SelectField(
        _l("Rol"),
        choices=[("", _l("Alle rollen")), *((role.value, label) for role, label in
                                            ROLE_LABELS.items())],
    )
    status = SelectField(_l("Status"),
                         choices=[("", _l("Alle statussen")), *USER_STATUS_LABELS.items()])


class AuditFilterForm(Form):
    actor = StringField(_l("Door (e-mailadres)"))
    action = StringField(_l("Actie (begint met)"))
    entity_type = SelectField(
        _l("Soort gegeven"),
        choices=[("", _l("Alle soorten")), *ENTITY_LABELS.items()],
        # Types not in the list (from later features) still filter through the address bar.
        validate_choice=False,
    )
    entity_id = IntegerField(_l("Nummer"), validators=[Optional(), NumberRange(min=1)])
    date_from = DateField(_l("Van"), validators=[Optional()])
    date_to = DateField(_l("Tot en met"), validators=[Optional()])


def valid_filters(form: Form) -> dict:
    """The filter values that parsed; a malformed filter is left out rather than refused."""
    form.validate()
    return {
        name: field.data
        for name, field in form._fields.items()
        if not field.errors and field.data not in (None, "")
    }
