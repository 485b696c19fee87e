"""The batch request form; the choices come from the school's own data (set by the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from dualflow.forms import Form


class BatchForm(Form):
    """School year (required), and optionally one programme and one class."""

    school_year = SelectField(_l("Schooljaar"), coerce=int)
    programme_id = SelectField(_l("Opleiding"), coerce=int)
    class_group = SelectField(_l("Klas"))
