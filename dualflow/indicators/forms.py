"""The filters of the indicators page (GET, kept in the URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from dualflow.forms import Form


class IndicatorFilterForm(Form):
    """School year and reference year; for admins also a school and a sector."""

    class Meta:
        csrf = False

    school_year = SelectField(_l("Schooljaar"), coerce=int, validate_choice=False,
                              validators=[Optional()])
    reference_year = SelectField(_l("Referentiejaar"), coerce=int, validate_choice=False,
                                 validators=[Optional()])
    school_id = SelectField(_l("School"), coerce=int, validate_choice=False,
                            validators=[Optional()])
    sector_id = SelectField(_l("Sector"), coerce=int, validate_choice=False,
                            validators=[Optional()])
