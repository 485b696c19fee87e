"""Learner screens and the learner import: read the form, call a service, flash, redirect."""

from __future__ import annotations

import io
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from dualflow import policy
from dualflow.catalog.models import School
from dualflow.errors import DomainError
from dualflow.extensions import db
from dualflow.forms import options
from dualflow.i18n import today_brussels
from dualflow.learners import importing, services, uploads
from dualflow.learners.forms import ConfirmImportForm, ImportForm, LearnerForm, SearchForm
from dualflow.learners.models import Learner
from dualflow.modelbase import Role
from dualflow.pagination import paginate
from dualflow.web import add_error, form_status

bp = Blueprint("learners", __name__, url_prefix="/learners")

# The session key naming the learner whose national number the next page may show in full.
_REVEAL_KEY = "learners.revealed"


@bp.app_template_global("learner_national_number")
def learner_national_number(learner) -> str:
    """A learner's masked national number for who may see it; empty for everybody else."""
    if learner is None or not services.may_see_national_number(current_user):
        return ""
    return services.mask_national_number(learner.national_number)


def _is_admin() -> bool:
    return current_user.role == Role.ADMIN


def _school_choices(empty_label: str) -> list[SelectChoice]:
    schools = db.session.execute(
        select(School.id, School.name).where(policy.visible(current_user, School))
        .order_by(School.name)
    ).all()
    return options([(0, empty_label), *((row.id, row.name) for row in schools)])


def _learner_or_404(learner_id: int) -> Learner:
    return policy.get_or_404(db.session, current_user, Learner, learner_id)


def _show_problems(form, error: DomainError) -> None:
    problems = getattr(error, "problems", None) or [(error.field, error.message)]
    for field, message in problems:
        add_error(form, DomainError(message, field=field))


def _fields(form) -> dict:
    return {name: getattr(form, name).data for name in services.LEARNER_FIELDS}


@bp.get("")
@login_required
@policy.require("learners.manage")
def index():
    """The school's learners, searchable by name, class and national number, paginated."""
    form = SearchForm(request.args)
    school_id = (form.school_id.data or None) if _is_admin() else None
    form.class_group.choices = options([
        ("", _("Alle klassen")),
        *((name, name) for name in services.class_groups(db.session, current_user,
                                                          school_id=school_id)),
    ])
    if _is_admin():
        form.school_id.choices = _school_choices(_("Alle scholen"))
    statement = services.learners_statement(
        current_user, q=(form.q.data or "")[:100], class_group=(form.class_group.data or "")[:30],
        school_id=school_id, running=form.running.data or "",
    )
    page = paginate(db.session, statement, scalars=False)
    return render_template("learners/index.html", form=form, page=page, today=today_brussels(),
                           is_minor=services.is_minor, show_school=_is_admin(),
                           mask=services.mask_national_number)


def _trajectory_url(trajectory) -> str:
    return url_for("trajectories.detail", trajectory_id=trajectory.id)


def _detail(learner: Learner, *, status: int = 200):
    today = today_brussels()
    full = None
    sees_number = services.may_see_national_number(current_user)
    if cookie_session.pop(_REVEAL_KEY, None) == learner.id and sees_number:
        full = services.format_national_number(learner.national_number)
        g.no_store = True
    return render_template(
        "learners/detail.html", learner=learner, school=db.session.get(School, learner.school_id),
        today=today, minor=services.is_minor(learner.birth_date, today),
        age=services.age_on(learner.birth_date, today), sees_number=sees_number,
        masked=services.mask_national_number(learner.national_number), full_number=full,
        manage=policy.can(current_user, "learners.manage") and learner.anonymised_at is None,
        trajectories=services.trajectories_of(db.session, current_user, learner),
        trajectory_url=_trajectory_url,
    ), status


@bp.get("/<int:learner_id>")
@login_required
def detail(learner_id: int):
    """A learner's page; mentors and companies see their learners without a national number."""
    if not (policy.can(current_user, "learners.manage")
            or policy.can(current_user, "trajectories.view")):
        abort(403)
    return _detail(_learner_or_404(learner_id))


@bp.post("/<int:learner_id>/national-number")
@login_required
@policy.require("learners.manage")
def reveal(learner_id: int):
    """Show the full national number once, on the next page; the look is audited."""
    learner = _learner_or_404(learner_id)
    try:
        services.reveal_national_number(db.session, actor=current_user, learner=learner)
    except DomainError as error:
        flash(error.message, "danger")
        return _detail(learner, status=422)
    cookie_session[_REVEAL_KEY] = learner.id
    return redirect(url_for("learners.detail", learner_id=learner.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def new():
    """Register a learner."""
    form = LearnerForm()
    del form.clear_national_number
    if _is_admin():
        form.school_id.choices = _school_choices(_("— kies —"))
    else:
        del form.school_id
    if form.validate_on_submit():
        try:
            learner = services.create_learner(
                db.session, actor=current_user, today=today_brussels(),
                school_id=form.school_id.data if _is_admin() else None,
                national_number=form.national_number.data, **_fields(form),
            )
        except DomainError as error:
            _show_problems(form, error)
        else:
            flash(_("%(name)s is geregistreerd.",
                    name=f"{learner.first_name} {learner.last_name}"), "success")
            return redirect(url_for("learners.detail", learner_id=learner.id))
    return render_template("learners/form.html", form=form, learner=None), form_status()


@bp.route("/<int:learner_id>/edit", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def edit(learner_id: int):
    """Change a learner; the national number is never shown in the form, only replaced."""
    learner = _learner_or_404(learner_id)
    if learner.anonymised_at is not None:
        abort(404)
    form = LearnerForm(obj=learner)
    del form.school_id
    if request.method == "GET":
        form.national_number.data = ""
    if not learner.national_number:
        del form.clear_national_number
    if form.validate_on_submit():
        try:
            services.update_learner(
                db.session, actor=current_user, learner=learner, today=today_brussels(),
                national_number=form.national_number.data,
                clear_national_number=bool(getattr(form, "clear_national_number", None)
                                           and form.clear_national_number.data),
                **_fields(form),
            )
        except DomainError as error:
            _show_problems(form, error)
        else:
            flash(_("De gegevens van %(name)s zijn bewaard.",
                    name=f"{learner.first_name} {learner.last_name}"), "success")
            return redirect(url_for("learners.detail", learner_id=learner.id))
    return render_template("learners/form.html", form=form, learner=learner,
                           masked=services.mask_national_number(learner.national_number)), \
        form_status()


# --- import -------------------------------------------------------------------------------

def _import_form() -> ImportForm:
    form = ImportForm()
    if _is_admin():
        form.school_id.choices = _school_choices(_("— kies —"))
    else:
        del form.school_id
    return form


def _import_page(form: ImportForm, status: int = 200):
    return render_template("learners/import.html", form=form,
                           columns=importing.COLUMNS, max_rows=importing.MAX_ROWS), status


def _import_school(form: ImportForm) -> School:
    school_id = form.school_id.data if _is_admin() else current_user.school_id
    school = db.session.get(School, school_id) if school_id else None
    if school is None:
        raise DomainError(_("Kies een school."), field="school_id")
    return school


def _result_page(plan: importing.ImportPlan, school: School, *, data: bytes,
                 status: int = 200):
    """The dry run: what importing would do, with the file carried (signed) in the page for
    the import and for checking it again with other column choices."""
    g.no_store = True
    payload, ticket = uploads.pack(
        data, filename=plan.filename, user_id=current_user.id, school_id=school.id,
        secret=current_app.config["SECRET_KEY"], columns=plan.column_choices(),
    )
    carry = ConfirmImportForm(formdata=None, payload=payload, ticket=ticket)
    return render_template("learners/import_result.html", plan=plan, school=school,
                           confirm=carry if plan.ok else None, carry=carry,
                           fields=importing.BY_FIELD, mapping_groups=importing.MAPPING_GROUPS,
                           ignore=importing.IGNORE), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
@policy.require("learners.manage")
def upload():
    """Upload a CSV or XLSX file and see what importing it would do (nothing is written)."""
    form = _import_form()
    if form.validate_on_submit():
        upload_file = form.file.data
        filename = (upload_file.filename or "")[-200:]
        data = upload_file.read(importing.MAX_FILE_BYTES + 1)
        try:
            school = _import_school(form)
            plan = importing.plan_import(db.session, actor=current_user, school=school,
                                         filename=filename, data=data, today=today_brussels())
        except DomainError as error:
            add_error(form, error)
        else:
            return _result_page(plan, school, data=data)
    return _import_page(form, form_status())


def _carried_upload(form: ConfirmImportForm) -> tuple[bytes, str, School, dict[str, str]]:
    """The file a dry-run page carries, its name, its school and its column choices."""
    if not form.validate_on_submit():
        raise DomainError(_("Laad het bestand opnieuw op en controleer het opnieuw."))
    data, filename, school_id, columns = uploads.unpack(
        form.payload.data, form.ticket.data, user_id=current_user.id,
        secret=current_app.config["SECRET_KEY"],
    )
    school = db.session.get(School, school_id)
    if school is None:
        raise DomainError(_("Kies een school."))
    return data, filename, school, columns


def _refused_upload(error: DomainError):
    page_form = _import_form()
    page_form.form_errors.append(error.message)
    return _import_page(page_form, 422)


_COLUMN_FIELD = re.compile(r"col-(\d{1,3})")


@bp.post("/import/columns")
@login_required
@policy.require("learners.manage")
def upload_columns():
    """Check the carried file again with the coordinator's choice for its columns; the
    choices are remembered for the school's next file (learners are not written)."""
    form = ConfirmImportForm()
    choices = {int(match.group(1)): value[:40] for name, value in request.form.items()
               if (match := _COLUMN_FIELD.fullmatch(name))}
    try:
        data, filename, school, _columns = _carried_upload(form)
        plan = importing.check_with_columns(db.session, actor=current_user, school=school,
                                            filename=filename, data=data,
                                            today=today_brussels(), choices=choices)
    except DomainError as error:
        return _refused_upload(error)
    return _result_page(plan, school, data=data, status=422 if plan.refused else 200)


@bp.post("/import/confirm")
@login_required
@policy.require("learners.manage")
def upload_confirm():
    """Import the checked file: every row, or (when it no longer passes) nothing."""
    form = ConfirmImportForm()
    try:
        data, filename, school, columns = _carried_upload(form)
        plan = importing.import_learners(db.session, actor=current_user, school=school,
                                         filename=filename, data=data, today=today_brussels(),
                                         columns=columns)
    except importing.ImportRefused as refused:
        return _result_page(refused.plan, school, data=data, status=422)
    except DomainError as error:
        return _refused_upload(error)
    flash(_("%(file)s is geïmporteerd: %(created)d nieuwe lerenden, %(updated)d bijgewerkt, "
            "%(unchanged)d ongewijzigd.", file=filename, created=plan.count("create"),
            updated=plan.count("update"), unchanged=plan.count("unchanged")), "success")
    return redirect(url_for("learners.index"))


@bp.get("/import/template.<any(csv, xlsx):fmt>")
@login_required
@policy.require("learners.manage")
def upload_template(fmt: str):
    """The import template with the column names and one example row."""
    if fmt == "csv":
        data, mimetype = importing.template_csv(), "text/csv; charset=utf-8"
    else:
        data = importing.template_xlsx()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"sjabloon-lerenden.{fmt}", max_age=0)
