"""The admin forms: invitation, schools and sectors with their reminders, list filters."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from dualflow.accounts.forms import InviteForm
from dualflow.admin.offsets import (
    MAX_DAYS,
    SCHOOL_OFFSET_KEYS,
    SECTOR_OFFSET_KEYS,
    as_text,
    installation_default,
    parse_days,
)
from dualflow.catalog.forms import SchoolForm, SectorForm, optional_int
from dualflow.forms import Form, PlainForm, options
from dualflow.integers import IdField
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
    "allowance_rates": _l("Leervergoeding"),
}


class InviteUserForm(InviteForm):
    """InviteForm whose organisation selects accept "none" and only offer the inviter's scope.

    The base form coerces with `int`, so an empty choice cannot be posted and any id passes;
    here the empty choice means "none" and an id outside the offered choices is refused.
    """

    school_id = SelectField(_l("School"), coerce=optional_int)
    company_id = SelectField(_l("Onderneming"), coerce=optional_int)
    sector_id = SelectField(_l("Sector"), coerce=optional_int)


class DayListField(StringField):
    """Comma-separated whole days ("7, 1"); empty means "the default" (data None)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if text:
            self.data = parse_days(text)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return as_text(self.data)


def _day_count(label, description) -> IntegerField:
    # The rules ignore 0 for single values (every 0 days, 0 days late), so 1 is the minimum.
    return IntegerField(label, description=description, validators=[
        Optional(), NumberRange(min=1, max=MAX_DAYS,
                                message=_l("Kies een waarde van %(min)s tot %(max)s."))])


class ReminderOffsetsMixin:
    """The reminder fields of a school or sector form, named after their offset keys."""

    offset_keys: tuple[str, ...] = ()

    def __init__(self, *args, obj=None, **kwargs):
        stored = (getattr(obj, "reminder_offsets", None) or {}) if obj is not None else {}
        # The owner has no attribute per key, so its stored overrides come in as keyword data.
        for key in self.offset_keys:
            if key in stored and key not in kwargs:
                kwargs[key] = stored[key]
        super().__init__(*args, obj=obj, **kwargs)
        for field in self.reminder_fields():
            default = as_text(installation_default(field.name))
            field.render_kw = {**(field.render_kw or {}), "placeholder": default}
            field.help = _("%(what)s Leeg laten voor de standaard (%(default)s).",
                           what=field.description, default=default)

    def reminder_fields(self) -> list[Field]:
        """The reminder fields in the order of `offset_keys`."""
        return [self[key] for key in self.offset_keys]

    def reminder_offsets(self) -> dict[str, Any]:
        """The keys given a value (the others keep following the default)."""
        return {field.name: field.data for field in self.reminder_fields()
                if field.data is not None}


class AdminSchoolForm(ReminderOffsetsMixin, SchoolForm):
    offset_keys = SCHOOL_OFFSET_KEYS

    reachability = TextAreaField(
        _l("Bereikbaarheid tijdens de opleiding op de werkplek"),
        validators=[Length(max=500)],
        description=_l("Hoe de onderneming en de lerende de school bereiken terwijl de lerende "
                       "werkt, ook tijdens de schoolvakanties. De overeenkomst vermeldt deze "
                       "tekst; zonder tekst vermeldt ze het telefoonnummer en e-mailadres van "
                       "de school."),
    )

    evaluation_reminder_days = DayListField(
        _l("Herinnering aan de mentor (dagen vóór de evaluatie)"),
        description=_l("Op deze dagen vóór de vervaldatum van een evaluatie krijgt de mentor "
                       "een herinnering."),
    )
    evaluation_overdue_days = _day_count(
        _l("Coördinator verwittigen (dagen te laat)"),
        _l("Zoveel dagen na de vervaldatum hoort de coördinator dat de evaluatie ontbreekt."),
    )
    evaluation_escalation_days = _day_count(
        _l("Escaleren (dagen te laat)"),
        _l("Zoveel dagen na de vervaldatum krijgt het escalatieadres van de school bericht."),
    )
    signature_reminder_every_days = _day_count(
        _l("Herinnering om te tekenen (om de zoveel dagen)"),
        _l("Wie een overeenkomst nog niet tekende, krijgt om de zoveel dagen een herinnering."),
    )
    agreement_warning_training_days = DayListField(
        _l("Waarschuwing zonder getekende overeenkomst (opleidingsdagen)"),
        description=_l("Na zoveel opleidingsdagen zonder getekende overeenkomst wordt de "
                       "coördinator gewaarschuwd."),
    )


class AdminSectorForm(ReminderOffsetsMixin, SectorForm):
    offset_keys = SECTOR_OFFSET_KEYS

    recognition_expiry_days = DayListField(
        _l("Einde van een erkenning (dagen vooraf)"),
        description=_l("Zoveel dagen voor een erkenning vervalt, krijgen de onderneming, de "
                       "sector en de scholen bericht."),
    )
    mentor_training_days = DayListField(
        _l("Mentoropleiding (dagen vóór de uiterste datum)"),
        description=_l("Zoveel dagen voor de uiterste datum van de mentoropleiding krijgen "
                       "mentor en onderneming bericht (0: op de dag zelf)."),
    )


# Filters come from the query string, so these are plain forms without a CSRF token.


class UserFilterForm(PlainForm):
    q = StringField(_l("Zoeken"))
    role = SelectField(
        _l("Rol"),
        choices=options([("", _l("Alle rollen")), *((role.value, label) for role, label in
                                                    ROLE_LABELS.items())]),
    )
    status = SelectField(_l("Status"),
                         choices=options([("", _l("Alle statussen")),
                                          *USER_STATUS_LABELS.items()]))


class AuditFilterForm(PlainForm):
    actor = StringField(_l("Door (e-mailadres)"))
    action = StringField(_l("Actie (begint met)"))
    entity_type = SelectField(
        _l("Soort gegeven"),
        choices=options([("", _l("Alle soorten")), *ENTITY_LABELS.items()]),
        # Types not in the list (from later features) still filter through the address bar.
        validate_choice=False,
    )
    entity_id = IdField(_l("Nummer"))
    date_from = DateField(_l("Van"), validators=[Optional()])
    date_to = DateField(_l("Tot en met"), validators=[Optional()])


def valid_filters(form: PlainForm) -> dict:
    """The filter values that parsed; a malformed filter is left out rather than refused."""
    form.validate()
    return {
        name: field.data
        for name, field in form._fields.items()
        if not field.errors and field.data not in (None, "")
    }


# --- the OAO learning allowance per category (index steps) ----------------------------------

class AllowanceRateForm(Form):
    """An index step: a category's new monthly amount from a date on."""

    category = SelectField(_l("Categorie"), coerce=optional_int, validate_choice=False,
                           choices=options([("", _l("— kies —")), (1, _l("Categorie 1")),
                                            (2, _l("Categorie 2")), (3, _l("Categorie 3"))]))
    amount = DecimalField(_l("Bedrag per maand (€)"), places=2,
                          validators=[Optional(), NumberRange(max=100000)])
    valid_from = DateField(_l("Geldt vanaf"), validators=[Optional()])
    retroactive = BooleanField(_l("Ik bevestig dat dit bedrag met terugwerkende kracht geldt"))
