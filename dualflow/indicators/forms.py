"""The filters of the indicators page (GET, kept in the URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from dualflow.forms import Form
from dualflow.integers import coerce_id


class IndicatorFilterForm(Form):
    """School year and reference year; for admins also a school and a sector."""

    class Meta:
        csrf = False

    school_year = SelectField(_l("Schooljaar"), coerce=coerce_id, validate_choice=False,
                              validators=[Optional()])
    reference_year = SelectField(_l("Referentiejaar"), coerce=coerce_id, validate_choice=False,
                                 validators=[Optional()])
    school_id = SelectField(_l("School"), coerce=coerce_id, validate_choice=False,
                            validators=[Optional()])
    sector_id = SelectField(_l("Sector"), coerce=coerce_id, validate_choice=False,
                            validators=[Optional()])
