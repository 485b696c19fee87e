"""The batch request form; the choices come from the school's own data (set by the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from dualflow.forms import Form
from dualflow.integers import coerce_id


class BatchForm(Form):
    """School year (required), and optionally one programme and one class."""

    school_year = SelectField(_l("Schooljaar"), coerce=coerce_id)
    programme_id = SelectField(_l("Opleiding"), coerce=coerce_id)
    class_group = SelectField(_l("Klas"))
