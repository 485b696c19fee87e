"""Class council screens: the decision on one trajectory, and a whole class in one go."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from dualflow import policy
from dualflow.catalog.models import Programme
from dualflow.errors import DomainError, NotAllowed
from dualflow.evaluations import services as evaluation_services
from dualflow.extensions import db
from dualflow.forms import choice_labels, options
from dualflow.i18n import school_year_label, today_brussels
from dualflow.integers import coerce_id
from dualflow.pagination import paginate
from dualflow.trajectories import council, services
from dualflow.trajectories.council_forms import ClassDecisionsForm, ClassFilterForm, DecisionForm
from dualflow.trajectories.forms import EndForm
from dualflow.trajectories.models import Trajectory
from dualflow.web import add_error, form_status

bp = Blueprint("council", __name__)

# A class fits on one page: the council decides on all of it at once.
CLASS_PAGE_SIZE = 60


@bp.app_template_global()
def council_decision_for(trajectory: Trajectory):
    """The class council's decision on a trajectory (for the trajectory page's card)."""
    return council.decision_of(db.session, trajectory.id)


@bp.app_context_processor
def _council_labels():
    return {"council_decision_short": council.DECISION_SHORT,
            "council_decision_variants": council.DECISION_VARIANTS}


def council_year(today: date) -> int:
    """The school year whose council the coordinator is most likely after: until September
    (re-examinations, postponed decisions) the year that ends in June."""
    return services.school_year_of(today - timedelta(days=92))


# --- one trajectory ------------------------------------------------------------------------------

def _decision_form(decision, today: date) -> DecisionForm:
    form = DecisionForm()
    form.decision.choices = options([(value, str(label)) for value, label
                                     in council.DECISION_LABELS.items()])
    if request.method == "GET":
        if decision is not None:
            form.decision.data = decision.decision
            form.decided_on.data = decision.decided_on
            form.note.data = decision.note
        else:
            form.decided_on.data = today
    return form


def _end_form(trajectory: Trajectory, decision) -> EndForm | None:
    suggestion = council.suggested_close(trajectory, decision)
    if suggestion is None:
        return None
    form = EndForm(formdata=None)
    form.status.choices = options([(value, str(services.STATUS_LABELS[value]))
                                   for value in services.ENDED_STATUSES])
    form.status.data = suggestion["status"]
    form.ends_on.data = suggestion["ends_on"]
    form.reason.data = suggestion["reason"]
    return form


@bp.route("/trajectories/<int:trajectory_id>/council", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def decide(trajectory_id: int):
    """The council's decision on a trajectory, with the mentor's evaluations and advice."""
    session, today = db.session, today_brussels()
    trajectory = policy.get_or_404(session, current_user, Trajectory, trajectory_id)
    policy.guard("trajectory.decide", trajectory)
    decision = council.decision_of(session, trajectory.id)
    form = _decision_form(decision, today)
    if form.validate_on_submit():
        try:
            council.record_decision(session, actor=current_user, trajectory=trajectory,
                                    decision=form.decision.data,
                                    decided_on=form.decided_on.data, note=form.note.data or "",
                                    today=today)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("De beslissing van de klassenraad is bewaard."), "success")
            return redirect(url_for("council.decide", trajectory_id=trajectory.id))
    status = form_status()
    ctx = services.context(session, trajectory)
    names = council.decided_by_names(session, [decision.decided_by_id] if decision else [])
    return render_template(
        "trajectories/council.html", ctx=ctx, t=trajectory, form=form, decision=decision,
        decided_by=names.get(decision.decided_by_id) if decision else None,
        evidence=council.evidence(session, trajectory), today=today,
        year_end=services.school_year_end(trajectory.school_year),
        end_form=_end_form(trajectory, decision),
        conflict=council.conflicts_with_status(trajectory, decision),
        level_labels=evaluation_services.LEVEL_LABELS,
        moment_status_labels=evaluation_services.STATUS_LABELS,
        **council.template_helpers(), **services.template_helpers(),
    ), status


# --- a whole class -------------------------------------------------------------------------------

def _filters(today: date) -> ClassFilterForm:
    session = db.session
    form = ClassFilterForm(request.args)
    form.validate()
    current = services.school_year_of(today)
    form.school_year.choices = options([(year, school_year_label(year))
                                        for year in range(current, current - 6, -1)])
    if not form.school_year.data or (
            form.school_year.data not in choice_labels(form.school_year.choices)):
        form.school_year.data = council_year(today)
    groups = council.class_groups_of_year(session, current_user, form.school_year.data)
    form.class_group.choices = options([("", _("Alle klassen")), *((group, group)
                                                                   for group in groups)])
    if form.class_group.data and form.class_group.data not in groups:
        form.class_group.data = ""
    programmes = session.execute(select(Programme.id, Programme.name)
                                 .order_by(Programme.name)).all()
    form.programme_id.choices = options([(0, _("Alle opleidingen")),
                                         *((row.id, row.name) for row in programmes)])
    return form


def _posted_decisions() -> dict[int, str]:
    """{trajectory id: decision or ""} from the rows of the posted page."""
    decisions: dict[int, str] = {}
    for raw in request.form.getlist("trajectory_id")[:CLASS_PAGE_SIZE * 2]:
        try:
            ident = coerce_id(raw)
        except (TypeError, ValueError):
            abort(400)
        value = request.form.get(f"decision-{ident}", "")
        if value and value not in council.DECISION_LABELS:
            abort(400)
        decisions[ident] = value
    return decisions


@bp.route("/council", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def index():
    """A class of a school year with each trajectory's decision, entered all at once."""
    session, today = db.session, today_brussels()
    filters = _filters(today)
    selection = {"school_year": filters.school_year.data,
                 "class_group": filters.class_group.data or "",
                 "programme_id": filters.programme_id.data or None,
                 "q": (filters.q.data or "")[:100]}
    form = ClassDecisionsForm()
    posted: dict[int, str] | None = None
    row_error: tuple[int, str] | None = None
    if request.method == "POST":
        posted = _posted_decisions()
        if form.validate_on_submit():
            try:
                counts = council.save_class(session, actor=current_user, decisions=posted,
                                            decided_on=form.decided_on.data, today=today)
            except NotAllowed:
                abort(404)
            except DomainError as error:
                row_id = (error.field or "").partition("-")[0]
                if row_id.isdigit():
                    row_error = (int(row_id), error.message)
                    form.form_errors.append(error.message)
                else:
                    add_error(form, error)
            else:
                flash(_("Beslissingen bewaard: %(recorded)d nieuw, %(changed)d gewijzigd, "
                        "%(removed)d verwijderd.", **counts), "success")
                return redirect(url_for("council.index", **request.args))
    elif not form.decided_on.data:
        form.decided_on.data = today
    page = paginate(session, council.class_statement(current_user, **selection),
                    per_page=CLASS_PAGE_SIZE, scalars=False)
    summary = council.class_summary(session, current_user, **selection)
    status = form_status() if form.errors or form.form_errors else 200
    return render_template(
        "trajectories/council_class.html", filters=filters, form=form, page=page,
        summary=summary, posted=posted, row_error=row_error, today=today,
        year_label=school_year_label(filters.school_year.data),
        **council.template_helpers(), **services.template_helpers(),
    ), status
