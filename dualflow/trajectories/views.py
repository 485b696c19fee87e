"""Trajectory screens: list, open, the trajectory page, moments, placements, ending."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from dualflow import policy
from dualflow.agreements.services import agreements_for_trajectory
from dualflow.catalog.models import Programme, School, Sector
from dualflow.errors import DomainError
from dualflow.evaluations import services as evaluation_services
from dualflow.evaluations.models import EvaluationMoment
from dualflow.extensions import db
from dualflow.forms import grouped, options
from dualflow.i18n import format_date, school_year_label, today_brussels
from dualflow.integers import int_arg
from dualflow.learners.models import Learner
from dualflow.modelbase import Role, TrajectoryStatus
from dualflow.pagination import paginate
from dualflow.recognitions import services as recognition_services
from dualflow.trajectories import company as company_view
from dualflow.trajectories import services
from dualflow.trajectories.forms import (
    EndForm,
    EndPlacementForm,
    FilterForm,
    LearnerSearchForm,
    MomentForm,
    PlacementForm,
    PlanForm,
    ScheduleForm,
    TrajectoryForm,
    WorkplaceSearchForm,
)
from dualflow.trajectories.models import Placement, Trajectory
from dualflow.web import add_error, form_status

bp = Blueprint("trajectories", __name__)


def _trajectory_or_404(trajectory_id: int) -> Trajectory:
    return policy.get_or_404(db.session, current_user, Trajectory, trajectory_id)


def _managed_or_404(trajectory_id: int) -> Trajectory:
    trajectory = _trajectory_or_404(trajectory_id)
    policy.guard("trajectory.manage", trajectory)
    return trajectory


def _detail_url(trajectory: Trajectory, anchor: str | None = None) -> str:
    return url_for("trajectories.detail", trajectory_id=trajectory.id, _anchor=anchor)


def _year_choices(today: date) -> list[tuple[int, str]]:
    current = services.school_year_of(today)
    return [(year, school_year_label(year)) for year in range(current + 1, current - 5, -1)]


# --- the list ---------------------------------------------------------------------------------

@bp.get("/trajectories")
@login_required
@policy.require("trajectories.view")
def index():
    """Trajectories filtered by school year, programme, class, status or needed action."""
    session, today = db.session, today_brussels()
    form = FilterForm(request.args)
    form.school_year.choices = options([(0, _("Alle schooljaren")), *_year_choices(today)])
    programmes = session.execute(select(Programme.id, Programme.name)
                                 .order_by(Programme.name)).all()
    form.programme_id.choices = options([(0, _("Alle opleidingen")),
                                         *((p.id, p.name) for p in programmes)])
    groups = services.class_groups(session, current_user)
    form.class_group.choices = options([("", _("Alle klassen")), *((c, c) for c in groups)])
    labels = services.STATUS_LABELS
    form.status.choices = options([("", _("Alle statussen")),
                                   *((value, str(label)) for value, label in labels.items())])
    form.attention.choices = options([("", _("Alle trajecten")),
                                      ("unsigned", _("Zonder ondertekende overeenkomst")),
                                      ("unplaced", _("Zonder werkplek"))])
    form.validate()
    if current_user.role == Role.COMPANY:
        return _company_index(form, today)
    statement = services.trajectories_statement(
        current_user, today=today, school_year=form.school_year.data or None,
        programme_id=form.programme_id.data or None, class_group=form.class_group.data or "",
        status=form.status.data or "", q=(form.q.data or "")[:100],
        attention=form.attention.data or "",
    )
    page = paginate(session, statement, scalars=False)
    page.items = services.list_rows(session, page.items, today=today)
    return render_template("trajectories/index.html", form=form, page=page, today=today,
                           may_open=policy.can(current_user, "learners.manage"),
                           **services.template_helpers())


def _company_index(form: FilterForm, today: date):
    """The company's list: its own placements, their agreement and evaluations."""
    session = db.session
    statement = company_view.placements_statement(
        current_user, school_year=form.school_year.data or None,
        programme_id=form.programme_id.data or None, status=form.status.data or "",
        q=(form.q.data or "")[:100],
    )
    page = paginate(session, statement, scalars=False)
    page.items = company_view.company_rows(session, current_user, page.items, today=today)
    return render_template("trajectories/company_index.html", form=form, page=page,
                           today=today, **services.template_helpers())


# --- opening a trajectory -------------------------------------------------------------------

def _default_year(today: date) -> int:
    # From June on, coordinators prepare the next school year.
    return services.school_year_of(today + timedelta(days=92))


def _trajectory_form(learner: Learner, today: date) -> TrajectoryForm:
    session = db.session
    form = TrajectoryForm()
    programmes = session.execute(
        select(Programme, Sector.name).join(Sector, Sector.id == Programme.sector_id)
        .where(Programme.is_active.is_(True)).order_by(Sector.name, Programme.name)
    ).all()
    choices: dict[str, list[tuple[int, str]]] = {"": [(0, _("— kies een opleiding —"))]}
    for programme, sector_name in programmes:
        choices.setdefault(sector_name, []).append((programme.id, programme.name))
    form.programme_id.choices = grouped(choices)
    form.school_year.choices = options(_year_choices(today))
    coordinators = services.coordinators_of(session, learner.school_id)
    form.coordinator_id.choices = options([(0, _("— geen —")),
                                           *((user.id, user.full_name) for user in coordinators)])
    form.learning_form.choices = options([(value, str(label)) for value, label
                                          in services.LEARNING_FORM_LABELS.items()])
    if request.method == "GET":
        year = _default_year(today)
        form.school_year.data = year
        start = services.school_year_start(year)
        form.starts_on.data = today if start < today <= services.school_year_end(year) else start
        form.class_group.data = learner.class_group
        form.learning_form.data = "duaal"
        if current_user.role == Role.COORDINATOR:
            form.coordinator_id.data = current_user.id
    return form


@bp.route("/trajectories/new", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def new():
    """Open a trajectory: first find the learner, then programme, year, start and moments."""
    session, today = db.session, today_brussels()
    learner_id = int_arg("learner_id", request.values)
    if not learner_id:
        search = LearnerSearchForm(request.args)
        page = paginate(session, services.learners_statement(
            current_user, q=(search.q.data or "")[:100]))
        return render_template("trajectories/new.html", learner=None, search=search, page=page)
    learner = policy.get_or_404(session, current_user, Learner, learner_id)
    form = _trajectory_form(learner, today)
    school = session.get(School, learner.school_id)
    if form.validate_on_submit():
        try:
            fixed = None
            if form.moments_from.data == "fixed":
                fixed = services.parse_dates(form.fixed_dates.data)
                if not fixed:
                    raise DomainError(_("Geef minstens één datum, of kies de standaard van de "
                                        "school."), field="fixed_dates")
            trajectory = services.open_trajectory(
                session, actor=current_user, learner_id=learner.id,
                programme_id=form.programme_id.data or None,
                school_year=form.school_year.data, starts_on=form.starts_on.data,
                coordinator_id=form.coordinator_id.data or None,
                class_group=form.class_group.data or "",
                learning_form=form.learning_form.data, fixed_dates=fixed,
            )
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Het traject van %(name)s is geopend.",
                    name=f"{learner.first_name} {learner.last_name}"), "success")
            return redirect(_detail_url(trajectory))
    status = form_status()
    return render_template("trajectories/new.html", learner=learner, form=form,
                           school=school), status


# --- the trajectory page ----------------------------------------------------------------------

def _detail(trajectory: Trajectory, *, status: int = 200, moment_form=None, end_form=None,
            placement_error: tuple[int, str] | None = None, error: str | None = None):
    session, today = db.session, today_brussels()
    ctx = services.context(session, trajectory)
    placements = services.placements(session, trajectory, user=current_user)
    calendar = services.school_calendar(session, trajectory.school_id)
    deadline = services.agreement_deadline(
        trajectory, satisfied=services.has_signed_agreement(placements, today),
        calendar=calendar, today=today,
    )
    manage = policy.may(current_user, "trajectory.manage", trajectory)
    if end_form is None:
        end_form = EndForm(formdata=None)
        end_form.ends_on.data = min(today, services.last_day(trajectory))
    end_form.status.choices = options([(value, str(services.STATUS_LABELS[value]))
                                       for value in services.ENDED_STATUSES])
    return render_template(
        "trajectories/detail.html",
        ctx=ctx, t=trajectory, today=today, deadline=deadline, placements=placements,
        plan=services.plan_by_location(services.training_plan(session, trajectory)),
        may_plan=manage and policy.can(current_user, "learners.manage"),
        moments=services.moments(session, trajectory, user=current_user),
        manage=manage and trajectory.status == TrajectoryStatus.ACTIVE.value,
        moment_form=moment_form or MomentForm(formdata=None),
        end_form=end_form, placement_error=placement_error, error=error,
        last_day=services.last_day(trajectory),
        agreements=agreements_for_trajectory(session, current_user, trajectory.id),
        # The moments list speaks of an evaluation's status as the evaluation page does.
        evaluation_status_labels=evaluation_services.STATUS_LABELS,
        **services.template_helpers(),
    ), status


@bp.get("/trajectories/<int:trajectory_id>")
@login_required
@policy.require("trajectories.view")
def detail(trajectory_id: int):
    """The trajectory: training plan, evaluation moments, placements and the agreement clock."""
    return _detail(_trajectory_or_404(trajectory_id))


@bp.post("/trajectories/<int:trajectory_id>/end")
@login_required
@policy.require("learners.manage")
def end(trajectory_id: int):
    """End the trajectory: qualified, unqualified, stopped or reoriented."""
    trajectory = _managed_or_404(trajectory_id)
    form = EndForm()
    form.status.choices = options([(value, str(services.STATUS_LABELS[value]))
                                   for value in services.ENDED_STATUSES])
    if form.validate_on_submit():
        try:
            services.end_trajectory(db.session, actor=current_user, trajectory=trajectory,
                                    status=form.status.data, ends_on=form.ends_on.data,
                                    reason=form.reason.data or "")
        except DomainError as error:
            if not error.field:
                return _detail(trajectory, status=422, end_form=form, error=error.message)
            add_error(form, error)
        else:
            flash(_("Het traject is afgesloten."), "success")
            return redirect(_detail_url(trajectory))
    return _detail(trajectory, status=422, end_form=form)


# --- evaluation moments -----------------------------------------------------------------------

def _moment_or_404(trajectory: Trajectory, moment_id: int) -> EvaluationMoment:
    moment = policy.get_or_404(db.session, current_user, EvaluationMoment, moment_id)
    if moment.trajectory_id != trajectory.id:
        abort(404)
    return moment


@bp.post("/trajectories/<int:trajectory_id>/moments")
@login_required
@policy.require("learners.manage")
def moment_add(trajectory_id: int):
    """Add an evaluation moment."""
    trajectory = _managed_or_404(trajectory_id)
    form = MomentForm()
    if form.validate_on_submit():
        try:
            services.add_moment(db.session, actor=current_user, trajectory=trajectory,
                                title=form.title.data, due_on=form.due_on.data)
        except DomainError as error:
            if not error.field:
                return _detail(trajectory, status=422, moment_form=form, error=error.message)
            add_error(form, error)
        else:
            flash(_("Het evaluatiemoment is toegevoegd."), "success")
            return redirect(_detail_url(trajectory, "moments"))
    return _detail(trajectory, status=422, moment_form=form)


@bp.route("/trajectories/<int:trajectory_id>/moments/<int:moment_id>", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def moment_edit(trajectory_id: int, moment_id: int):
    """Change the title or date of a planned evaluation moment."""
    trajectory = _managed_or_404(trajectory_id)
    moment = _moment_or_404(trajectory, moment_id)
    form = MomentForm(obj=moment)
    if form.validate_on_submit():
        try:
            services.update_moment(db.session, actor=current_user, trajectory=trajectory,
                                   moment=moment, title=form.title.data,
                                   due_on=form.due_on.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Het evaluatiemoment is bewaard."), "success")
            return redirect(_detail_url(trajectory, "moments"))
    status = form_status()
    ctx = services.context(db.session, trajectory)
    return render_template("trajectories/moment_form.html", form=form, ctx=ctx, t=trajectory,
                           moment=moment, last_day=services.last_day(trajectory)), status


@bp.post("/trajectories/<int:trajectory_id>/moments/<int:moment_id>/delete")
@login_required
@policy.require("learners.manage")
def moment_delete(trajectory_id: int, moment_id: int):
    """Remove a planned evaluation moment."""
    trajectory = _managed_or_404(trajectory_id)
    moment = _moment_or_404(trajectory, moment_id)
    try:
        services.delete_moment(db.session, actor=current_user, trajectory=trajectory,
                               moment=moment)
    except DomainError as error:
        return _detail(trajectory, status=422, error=error.message)
    flash(_("Het evaluatiemoment is verwijderd."), "success")
    return redirect(_detail_url(trajectory, "moments"))


# --- placements -------------------------------------------------------------------------------

@bp.route("/trajectories/<int:trajectory_id>/placements/new", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def placement_new(trajectory_id: int):
    """Place the learner: pick a workplace from the register, then mentor, period and hours."""
    session, today = db.session, today_brussels()
    trajectory = _managed_or_404(trajectory_id)
    if trajectory.status != TrajectoryStatus.ACTIVE.value:
        flash(_("Dit traject is afgesloten; je kunt geen plaatsing meer toevoegen."), "warning")
        return redirect(_detail_url(trajectory))
    ctx = services.context(session, trajectory)
    last = services.last_day(trajectory)
    default_on = min(max(trajectory.starts_on, today), last)
    search = WorkplaceSearchForm(request.args)
    if not search.validate():
        search.on.data = None
    on = search.on.data or default_on
    search.on.data = on
    form = PlacementForm()
    site_id = int_arg("site_id", request.values)
    choice = services.site_choice(session, current_user, trajectory, site_id) if site_id else None
    if site_id and choice is None:
        abort(404)
    page = None
    if choice is None:
        page = paginate(session, services.workplaces_statement(
            current_user, trajectory, on=on, q=(search.q.data or "")[:100],
            postcode=(search.postcode.data or "").strip()[:4]), scalars=False)
        return render_template("trajectories/placement_new.html", ctx=ctx, t=trajectory,
                               search=search, page=page, choice=None, form=form,
                               last_day=last, **recognition_services.template_helpers(),
                               **services.template_helpers())
    site, company, recognition = choice
    if request.method == "GET":
        form.site_id.data = site.id
        form.starts_on.data = on
        form.ends_on.data = min(last, recognition.valid_until) if (
            recognition and recognition.valid_until and recognition.valid_until >= on) else last
    starts_on = form.starts_on.data or on
    ends_on = form.ends_on.data if form.ends_on.data and form.ends_on.data >= starts_on else last
    mentors = services.mentor_choices(session, current_user, company_id=company.id,
                                      sector=ctx.sector, on=starts_on, ends_on=ends_on,
                                      recognition=recognition)
    form.mentor_id.choices = options([(0, _("— kies een mentor —")), *(
                (choice_.mentor.id, _mentor_label(choice_)) for choice_ in mentors)])
    if request.method == "GET" and len(mentors) == 1:
        form.mentor_id.data = mentors[0].mentor.id
    if form.validate_on_submit():
        try:
            placement = services.create_placement(
                session, actor=current_user, trajectory=trajectory, site_id=site.id,
                mentor_id=form.mentor_id.data or None, starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                hours_per_week=float(form.hours_per_week.data)
                if form.hours_per_week.data is not None else None,
                weekly_schedule=form.weekly_schedule.data,
            )
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("%(name)s is geplaatst bij %(site)s.",
                    name=f"{ctx.learner.first_name} {ctx.learner.last_name}", site=site.name),
                  "success")
            return redirect(_detail_url(trajectory, f"placement-{placement.id}"))
    status = form_status()
    return render_template("trajectories/placement_new.html", ctx=ctx, t=trajectory,
                           search=search, page=None, choice=choice, site=site, company=company,
                           recognition=recognition, form=form, mentors=mentors, today=today,
                           last_day=last, **recognition_services.template_helpers(),
                           **services.template_helpers()), status


def _mentor_label(choice) -> str:
    name = f"{choice.mentor.first_name} {choice.mentor.last_name}"
    verdict = choice.eligibility
    if not verdict.eligible:
        return _("%(name)s — voldoet niet aan de mentorregels", name=name)
    if not verdict.capacity.has_room:
        return _("%(name)s — geen plaats meer (%(load)s)", name=name,
                 load=verdict.capacity.label)
    return name


def _managed_placement_or_404(trajectory_id: int,
                              placement_id: int) -> tuple[Trajectory, Placement]:
    """A placement of a trajectory the user manages, or 404."""
    trajectory = _managed_or_404(trajectory_id)
    placement = policy.get_or_404(db.session, current_user, Placement, placement_id)
    if placement.trajectory_id != trajectory.id:
        abort(404)
    return trajectory, placement


@bp.post("/trajectories/<int:trajectory_id>/placements/<int:placement_id>/end")
@login_required
@policy.require("learners.manage")
def placement_end(trajectory_id: int, placement_id: int):
    """End a placement earlier than planned."""
    trajectory, placement = _managed_placement_or_404(trajectory_id, placement_id)
    form = EndPlacementForm()
    if not form.validate_on_submit():
        message = "; ".join(form.ends_on.errors) or _("Vul de einddatum in.")
        return _detail(trajectory, status=422, placement_error=(placement.id, message))
    try:
        services.end_placement(db.session, actor=current_user, trajectory=trajectory,
                               placement=placement, ends_on=form.ends_on.data)
    except DomainError as error:
        return _detail(trajectory, status=422, placement_error=(placement.id, error.message))
    flash(_("De plaatsing eindigt nu op %(date)s.", date=format_date(form.ends_on.data)),
          "success")
    return redirect(_detail_url(trajectory, f"placement-{placement.id}"))


@bp.post("/trajectories/<int:trajectory_id>/placements/<int:placement_id>/schedule")
@login_required
@policy.require("learners.manage")
def placement_schedule(trajectory_id: int, placement_id: int):
    """Set the half-days at the workplace of a placement."""
    trajectory, placement = _managed_placement_or_404(trajectory_id, placement_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _detail(trajectory, status=422, placement_error=(
            placement.id, _("Het weekrooster kon niet bewaard worden; probeer opnieuw.")))
    try:
        services.change_schedule(db.session, actor=current_user, trajectory=trajectory,
                                 placement=placement, weekly_schedule=form.weekly_schedule.data)
    except DomainError as error:
        return _detail(trajectory, status=422, placement_error=(placement.id, error.message))
    flash(_("Het weekrooster is bewaard."), "success")
    return redirect(_detail_url(trajectory, f"placement-{placement.id}"))


# --- the individual training plan -------------------------------------------------------------

@bp.route("/trajectories/<int:trajectory_id>/plan", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def plan(trajectory_id: int):
    """Adapt the programme's standard path for this learner: where each competency is learnt."""
    session = db.session
    trajectory = _managed_or_404(trajectory_id)
    form = PlanForm()
    rows = services.training_plan(session, trajectory)
    error, status = None, 200
    if trajectory.status != TrajectoryStatus.ACTIVE.value:
        error = _("Dit traject is afgesloten; het opleidingsplan kan niet meer wijzigen.")
    elif form.validate_on_submit():
        choices = {row.competency.id: request.form.get(f"loc-{row.competency.id}")
                   for row in rows if f"loc-{row.competency.id}" in request.form}
        try:
            changes = services.save_training_plan(session, actor=current_user,
                                                  trajectory=trajectory, choices=choices)
        except DomainError as exc:
            error, status = exc.message, 422
        else:
            flash(_("Het opleidingsplan is bewaard.") if changes
                  else _("Er was niets gewijzigd aan het opleidingsplan."), "success")
            return redirect(_detail_url(trajectory, "plan"))
    elif request.method == "POST":
        status = 422
    return render_template("trajectories/plan.html", ctx=services.context(session, trajectory),
                           t=trajectory, rows=rows, form=form, error=error,
                           **services.template_helpers()), status
