"""The coordinator's overview of evaluations: filtered, paginated, scoped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from dualflow import exports, policy
from dualflow.evaluations import overview
from dualflow.evaluations.services import status_label
from dualflow.extensions import db
from dualflow.forms import Form, options
from dualflow.i18n import school_year_label, today_brussels
from dualflow.integers import IdField, coerce_id, in_range
from dualflow.modelbase import Role
from dualflow.pagination import requested_page
from dualflow.trajectories.services import class_groups, school_year_of

bp = Blueprint("evaluation_overview", __name__)

STATE_LABELS = {
    overview.OVERDUE: _l("Te laat"),
    overview.SUBMITTED: _l("Na te kijken"),
    overview.DUE: _l("Komend"),
    overview.REVIEWED: _l("Nagekeken"),
}
STATUS_VARIANTS = {
    "planned": "light",
    "draft": "info",
    "submitted": "warning",
    "reviewed": "success",
}


class OverviewFilterForm(Form):
    """The filters of the evaluation overview (GET, no CSRF); kept in the URL."""

    class Meta:
        csrf = False

    q = StringField(_l("Naam van de lerende"), validators=[Optional(), Length(max=100)])
    school_year = SelectField(_l("Schooljaar"), coerce=coerce_id, validate_choice=False,
                              validators=[Optional()])
    school_id = SelectField(_l("School"), coerce=coerce_id, validate_choice=False,
                            validators=[Optional()])
    programme_id = SelectField(_l("Opleiding"), coerce=coerce_id, validate_choice=False,
                               validators=[Optional()])
    class_group = SelectField(_l("Klas"), validate_choice=False, validators=[Optional()])
    state = StringField(validators=[Optional(), Length(max=20)])
    trajectory = IdField()
    mentor = IdField()


def _require_overview() -> None:
    # The overview is the school's tool (coordinators); admins look across schools.
    # Mentors, companies and sector users have other screens for their evaluations.
    if not policy.can(current_user, "evaluations.overview"):
        abort(403)


def _is_admin() -> bool:
    return current_user.role == Role.ADMIN


def _int_or_none(value) -> int | None:
    return value if in_range(value) and value > 0 else None


def _filter_form(today: date, *, with_choices: bool = True) -> OverviewFilterForm:
    session = db.session
    form = OverviewFilterForm(request.args)
    current = school_year_of(today)
    form.validate()
    if "school_year" not in request.args or form.school_year.errors:
        form.school_year.data = current
    if not with_choices:
        return form
    form.school_year.choices = options([(0, _("Alle schooljaren")),
                                        *((year, school_year_label(year))
                                          for year in range(current + 1, current - 5, -1))])
    form.programme_id.choices = options([(0, _("Alle opleidingen")),
                                         *overview.programme_choices(session, current_user)])
    groups = class_groups(session, current_user)
    form.class_group.choices = options([("", _("Alle klassen")), *((g, g) for g in groups)])
    if _is_admin():
        form.school_id.choices = options([(0, _("Alle scholen")),
                                          *overview.school_choices(session, current_user)])
    return form


def _filters(form: OverviewFilterForm) -> overview.OverviewFilters:
    return overview.OverviewFilters(
        school_year=_int_or_none(form.school_year.data),
        school_id=_int_or_none(form.school_id.data) if _is_admin() else None,
        programme_id=_int_or_none(form.programme_id.data),
        class_group=(form.class_group.data or "")[:30],
        trajectory_id=_int_or_none(form.trajectory.data),
        mentor_id=_int_or_none(form.mentor.data),
        state=form.state.data if form.state.data in overview.STATES else "",
        q=(form.q.data or "")[:100],
    )


def _chips(filters: overview.OverviewFilters) -> list[tuple[str, str, str]]:
    """(label, value, URL argument) of the filters set by a link rather than the form."""
    session, chips = db.session, []
    if filters.trajectory_id:
        label = overview.trajectory_label(session, current_user, filters.trajectory_id)
        if label is None:
            # Asking for the evaluations of a trajectory one may not see: as if it did not exist.
            abort(404)
        chips.append((_("Traject"), label, "trajectory"))
    if filters.mentor_id:
        label = overview.mentor_label(session, current_user, filters.mentor_id)
        if label is None:
            abort(404)
        chips.append((_("Mentor"), label, "mentor"))
    return chips


@bp.get("/evaluations/")
@login_required
def index():
    """Evaluation moments of the school: late, waiting for review, coming, reviewed."""
    _require_overview()
    today = today_brussels()
    form = _filter_form(today)
    filters = _filters(form)
    chips = _chips(filters)
    result = overview.overview(db.session, current_user, filters, today=today,
                               page=requested_page())
    return render_template(
        "evaluation_overview/index.html", form=form, filters=filters, result=result,
        page=result.page, chips=chips, today=today, show_school=_is_admin(),
        states=overview.STATES, state_labels=STATE_LABELS, status_label=status_label,
        status_variants=STATUS_VARIANTS,
    )


# --- the CSV export -----------------------------------------------------------------------

def _export_header() -> list[str]:
    return [
        _("Lerende"), _("Klas"), _("Opleiding"), _("School"), _("Evaluatiemoment"),
        _("Datum"), _("Status"), _("Dagen te laat"), _("Mentor"), _("Onderneming"),
        _("Vestiging"), _("E-mail mentor"), _("Telefoon mentor"), _("Ingediend op"),
        _("Nagekeken op"),
    ]


def _export_values(rows: Iterable[overview.OverviewRow]) -> Iterator[tuple]:
    for row in rows:
        yield (row.learner_name, row.class_group, row.programme, row.school, row.title,
               row.due_on, status_label(row.status), row.days_late or "", row.mentor_name,
               row.company, row.site, row.mentor_email, row.mentor_phone, row.submitted_at,
               row.reviewed_at)


@bp.get("/evaluations/export.csv")
@login_required
def export():
    """The filtered overview as CSV (`;`, UTF-8), every page at once, streamed."""
    _require_overview()
    today = today_brussels()
    filters = _filters(_filter_form(today, with_choices=False))
    _chips(filters)  # a trajectory or mentor the user may not see is a 404 here too
    user = current_user._get_current_object()

    def body(session) -> Iterator[str]:
        rows = overview.export_rows(session, user, filters, today=today)
        return exports.csv_chunks(_export_header(), _export_values(rows),
                                  batch=overview.EXPORT_BATCH)

    return exports.streamed_download(body, filename=f"evaluaties-{today.isoformat()}.csv")
