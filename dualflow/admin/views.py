"""Administration screens: users, schools, sectors, programmes, audit log, scheduled jobs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from dualflow import policy
from dualflow.accounts import services as accounts
from dualflow.accounts.models import User
from dualflow.accounts.views import send_invitation
from dualflow.admin import queries
from dualflow.admin.forms import (
    ENTITY_LABELS,
    USER_STATUS_LABELS,
    AdminSchoolForm,
    AdminSectorForm,
    AllowanceRateForm,
    AuditFilterForm,
    InviteUserForm,
    UserFilterForm,
    valid_filters,
)
from dualflow.admin.offsets import save_reminder_offsets
from dualflow.agreements import services as agreements
from dualflow.agreements.contract import format_amount
from dualflow.catalog import services as catalog
from dualflow.catalog.forms import (
    LEVEL_LABELS,
    LOCATION_LABELS,
    SCHOOL_KIND_LABELS,
    STEM_LABELS,
    TRACK_LABELS,
    CompetencyForm,
    HolidayForm,
    ProgrammeFilterForm,
    ProgrammeForm,
)
from dualflow.catalog.models import Competency, Programme, School, SchoolHoliday, Sector
from dualflow.companies.models import Company
from dualflow.errors import DomainError
from dualflow.extensions import db, limiter
from dualflow.forms import options
from dualflow.i18n import format_date, format_datetime, today_brussels
from dualflow.jobs import STALE_AFTER
from dualflow.modelbase import Role, utcnow
from dualflow.navigation import ROLE_LABELS
from dualflow.pagination import paginate
from dualflow.web import add_error, form_status, safe_next

bp = Blueprint("admin", __name__)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _display(value: Any) -> str:
    """An audited value as a person reads it: dates as dd/mm/yyyy, yes/no, a dash for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if value == "":
        return _("(leeg)")
    # A value is only shown as a date when it is one: free text such as a name typed as
    # "2027-02-30" is shown as typed.
    try:
        if isinstance(value, str) and _ISO_DATE.match(value):
            return format_date(date.fromisoformat(value))
        if isinstance(value, str) and _ISO_DATETIME.match(value):
            return format_datetime(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        return value
    return str(value)


@dataclass(frozen=True)
class ChangeRow:
    field: str
    before: str
    after: str
    changed: bool


def change_rows(changes: dict | None) -> list[ChangeRow]:
    """An audit event's changes as rows; edits hold [before, after] pairs, creations values."""
    changes = changes or {}
    edited = bool(changes) and all(
        isinstance(value, list) and len(value) == 2 for value in changes.values()
    )
    return [
        ChangeRow(key, _display(value[0]), _display(value[1]), True)
        if edited
        else ChangeRow(key, "", _display(value), False)
        for key, value in sorted(changes.items())
    ]


@bp.context_processor
def _labels() -> dict:
    return {
        "change_rows": change_rows,
        "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        "track_labels": TRACK_LABELS,
        "level_labels": LEVEL_LABELS,
        "stem_labels": STEM_LABELS,
        "location_labels": LOCATION_LABELS,
        "school_kind_labels": SCHOOL_KIND_LABELS,
        "user_status_labels": USER_STATUS_LABELS,
        "entity_labels": ENTITY_LABELS,
    }


# ---------------------------------------------------------------------------------------------
# helpers


def _data(form: FlaskForm, names: tuple[str, ...]) -> dict:
    return {name: form[name].data for name in names}


def _back(default: str) -> str:
    """The list the action was started from (only paths of this site), else `default`."""
    return safe_next(request.form.get("next")) or default


# ---------------------------------------------------------------------------------------------
# users


@bp.get("/users")
@policy.require("users.invite")
def users():
    """Users the signed-in admin or coordinator may see, searchable and filtered."""
    filters = UserFilterForm(request.args)
    page = paginate(db.session, queries.user_list(current_user, **valid_filters(filters)),
                    scalars=False)
    return render_template("admin/users.html", page=page, filters=filters)


# The most powerful role comes last, so that it is never what a hurried click selects.
_INVITE_ROLE_ORDER = (Role.COORDINATOR, Role.COMPANY, Role.MENTOR, Role.SECTOR, Role.ADMIN)


def _fill_invite_choices(form: InviteUserForm) -> None:
    """Roles the inviter may hand out, and organisations from the inviter's scope."""
    invitable = policy.INVITABLE_ROLES.get(Role(current_user.role), ())
    form.role.choices = options(
        (role.value, ROLE_LABELS[role]) for role in _INVITE_ROLE_ORDER if role in invitable
    )

    def visible_rows(model, *conditions) -> list:
        rows = db.session.execute(
            select(model.id, model.name)
            .where(policy.visible(current_user, model), *conditions)
            .order_by(model.name)
        ).all()
        return [(row.id, row.name) for row in rows]

    schools = visible_rows(School, School.is_active.is_(True))
    if current_user.role == Role.COORDINATOR:
        # A coordinator only invites into the own school: nothing else to choose.
        form.school_id.choices = options(schools)
    else:
        form.school_id.choices = options([("", _("— kies een school —")), *schools])
    # Only companies the inviter maintains: never one that manages its own accounts.
    companies = visible_rows(Company, policy.maintained_companies(current_user))
    if current_user.role == Role.COMPANY:
        # A company user only invites into the own company: nothing else to choose.
        form.company_id.choices = options(companies)
    else:
        form.company_id.choices = options([("", _("— kies een onderneming —")), *companies])
    form.sector_id.choices = options([("", _("— kies een sector —")), *visible_rows(Sector)])


@bp.route("/users/invite", methods=["GET", "POST"])
@policy.require("users.invite")
def user_invite():
    """Create an account and e-mail its invitation link."""
    form = InviteUserForm()
    _fill_invite_choices(form)
    if form.validate_on_submit():
        try:
            user, raw = accounts.invite(
                db.session,
                actor=current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                role=form.role.data,
                school_id=form.school_id.data,
                company_id=form.company_id.data,
                sector_id=form.sector_id.data,
                language=form.language.data,
            )
        except DomainError as error:
            add_error(form, error)
        else:
            send_invitation(user, raw, current_user)
            flash(_("De uitnodiging is verstuurd naar %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_invite.html", form=form), form_status()


def _user_action(user_id: int, action) -> str:
    user = policy.get_or_404(db.session, current_user, User, user_id)
    policy.guard("user.manage", user)
    try:
        message = action(user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(message, "success")
    return redirect(_back(url_for("admin.users")))


@bp.post("/users/<int:user_id>/deactivate")
@policy.require("users.invite")
def user_deactivate(user_id: int):
    """Deactivate an account; its sessions end at once."""

    def deactivate(user: User) -> str:
        accounts.set_active(db.session, actor=current_user, user=user, active=False)
        return _("%(name)s is gedeactiveerd en kan zich niet meer aanmelden.",
                 name=user.full_name)

    return _user_action(user_id, deactivate)


@bp.post("/users/<int:user_id>/reactivate")
@policy.require("users.invite")
def user_reactivate(user_id: int):
    """Give a deactivated account access again."""

    def reactivate(user: User) -> str:
        accounts.set_active(db.session, actor=current_user, user=user, active=True)
        return _("%(name)s is opnieuw actief.", name=user.full_name)

    return _user_action(user_id, reactivate)


@bp.post("/users/<int:user_id>/reinvite")
@policy.require("users.invite")
def user_reinvite(user_id: int):
    """Send a fresh invitation link to a user who has not activated the account yet."""

    def reinvite(user: User) -> str:
        raw = accounts.reissue_invitation(db.session, actor=current_user, user=user)
        send_invitation(user, raw, current_user)
        return _("Een nieuwe uitnodiging is verstuurd naar %(email)s.", email=user.email)

    return _user_action(user_id, reinvite)


# ---------------------------------------------------------------------------------------------
# schools and holidays


@bp.get("/schools")
@policy.require("admin.manage")
def schools():
    """Schools, searchable by name, institution number and municipality."""
    q = request.args.get("q", "")
    page = paginate(db.session, catalog.school_list(current_user, q=q))
    return render_template("admin/schools.html", page=page, q=q)


@bp.route("/schools/new", methods=["GET", "POST"])
@policy.require("admin.manage")
def school_new():
    """Add a school."""
    form = AdminSchoolForm()
    if form.validate_on_submit():
        try:
            school = catalog.create_school(db.session, actor=current_user,
                                           **_data(form, catalog.SCHOOL_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            save_reminder_offsets(db.session, actor=current_user, owner=school,
                                  keys=form.offset_keys, overrides=form.reminder_offsets(),
                                  action="school.updated")
            flash(_("School %(name)s is toegevoegd.", name=school.name), "success")
            return redirect(url_for("admin.school", school_id=school.id))
    return render_template("admin/school_form.html", form=form, school=None), form_status()


def _school_page(school: School, holiday_form: HolidayForm, status: int = 200):
    holidays = paginate(db.session, catalog.holidays_of(school))
    return render_template("admin/school.html", school=school, holidays=holidays,
                           holiday_form=holiday_form), status


@bp.get("/schools/<int:school_id>")
@policy.require("admin.manage")
def school(school_id: int):
    """A school's details and holidays."""
    school = policy.get_or_404(db.session, current_user, School, school_id)
    return _school_page(school, HolidayForm(formdata=None))


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@policy.require("admin.manage")
def school_edit(school_id: int):
    """Change a school's details."""
    school = policy.get_or_404(db.session, current_user, School, school_id)
    form = AdminSchoolForm(obj=school)
    if form.validate_on_submit():
        try:
            catalog.update_school(db.session, actor=current_user, school=school,
                                  **_data(form, catalog.SCHOOL_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            save_reminder_offsets(db.session, actor=current_user, owner=school,
                                  keys=form.offset_keys, overrides=form.reminder_offsets(),
                                  action="school.updated")
            flash(_("De gegevens van %(name)s zijn bewaard.", name=school.name), "success")
            return redirect(url_for("admin.school", school_id=school.id))
    return render_template("admin/school_form.html", form=form, school=school), form_status()


def _holiday(school_id: int, holiday_id: int) -> tuple[School, SchoolHoliday]:
    school = policy.get_or_404(db.session, current_user, School, school_id)
    holiday = policy.get_or_404(db.session, current_user, SchoolHoliday, holiday_id)
    if holiday.school_id != school.id:
        abort(404)
    return school, holiday


@bp.post("/schools/<int:school_id>/holidays")
@policy.require("admin.manage")
def school_holiday_add(school_id: int):
    """Add a holiday period to a school."""
    school = policy.get_or_404(db.session, current_user, School, school_id)
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            holiday = catalog.add_holiday(db.session, actor=current_user, school=school,
                                          name=form.name.data, starts_on=form.starts_on.data,
                                          ends_on=form.ends_on.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Vakantie %(name)s is toegevoegd.", name=holiday.name), "success")
            return redirect(url_for("admin.school", school_id=school.id))
    return _school_page(school, form, status=422)


@bp.route("/schools/<int:school_id>/holidays/<int:holiday_id>/edit", methods=["GET", "POST"])
@policy.require("admin.manage")
def school_holiday_edit(school_id: int, holiday_id: int):
    """Change a holiday's name or period."""
    school, holiday = _holiday(school_id, holiday_id)
    form = HolidayForm(obj=holiday)
    if form.validate_on_submit():
        try:
            catalog.update_holiday(db.session, actor=current_user, holiday=holiday,
                                   name=form.name.data, starts_on=form.starts_on.data,
                                   ends_on=form.ends_on.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Vakantie %(name)s is bewaard.", name=holiday.name), "success")
            return redirect(url_for("admin.school", school_id=school.id))
    return render_template("admin/holiday_form.html", form=form, school=school,
                           holiday=holiday), form_status()


@bp.post("/schools/<int:school_id>/holidays/<int:holiday_id>/delete")
@policy.require("admin.manage")
def school_holiday_delete(school_id: int, holiday_id: int):
    """Remove a holiday period."""
    school, holiday = _holiday(school_id, holiday_id)
    catalog.delete_holiday(db.session, actor=current_user, holiday=holiday)
    flash(_("Vakantie %(name)s is verwijderd.", name=holiday.name), "success")
    return redirect(url_for("admin.school", school_id=school.id))


# ---------------------------------------------------------------------------------------------
# sectors


@bp.get("/sectors")
@policy.require("admin.manage")
def sectors():
    """Sectors with their rule parameters, searchable by name and code."""
    q = request.args.get("q", "")
    page = paginate(db.session, catalog.sector_list(current_user, q=q), scalars=False)
    return render_template("admin/sectors.html", page=page, q=q)


@bp.route("/sectors/new", methods=["GET", "POST"])
@policy.require("admin.manage")
def sector_new():
    """Add a sector."""
    form = AdminSectorForm()
    if form.validate_on_submit():
        try:
            sector = catalog.create_sector(db.session, actor=current_user,
                                           **_data(form, catalog.SECTOR_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            save_reminder_offsets(db.session, actor=current_user, owner=sector,
                                  keys=form.offset_keys, overrides=form.reminder_offsets(),
                                  action="sector.updated")
            flash(_("Sector %(name)s is toegevoegd.", name=sector.name), "success")
            return redirect(url_for("admin.sectors"))
    return render_template("admin/sector_form.html", form=form, sector=None), form_status()


@bp.route("/sectors/<int:sector_id>", methods=["GET", "POST"])
@policy.require("admin.manage")
def sector_edit(sector_id: int):
    """Change a sector's details and rule parameters."""
    sector = policy.get_or_404(db.session, current_user, Sector, sector_id)
    form = AdminSectorForm(obj=sector)
    if form.validate_on_submit():
        try:
            catalog.update_sector(db.session, actor=current_user, sector=sector,
                                  **_data(form, catalog.SECTOR_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            save_reminder_offsets(db.session, actor=current_user, owner=sector,
                                  keys=form.offset_keys, overrides=form.reminder_offsets(),
                                  action="sector.updated")
            flash(_("Sector %(name)s is bewaard.", name=sector.name), "success")
            return redirect(url_for("admin.sectors"))
    return render_template("admin/sector_form.html", form=form, sector=sector), form_status()


# ---------------------------------------------------------------------------------------------
# programmes and competencies


def _sector_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Sector.id, Sector.name)
        .where(policy.visible(current_user, Sector))
        .order_by(Sector.name)
    ).all()
    return [(row.id, row.name) for row in rows]


@bp.get("/programmes")
@policy.require("admin.manage")
def programmes():
    """Programmes, searchable by name and code, filtered by sector, track and STEM label."""
    filters = ProgrammeFilterForm(request.args)
    filters.sector_id.choices = options([("", _("Alle sectoren")), *_sector_choices()])
    statement = catalog.programme_list(current_user, **valid_filters(filters))
    page = paginate(db.session, statement, scalars=False)
    return render_template("admin/programmes.html", page=page, filters=filters)


def _programme_form(programme: Programme | None = None) -> ProgrammeForm:
    form = ProgrammeForm(obj=programme)
    form.sector_id.choices = options([("", _("— kies een sector —")), *_sector_choices()])
    return form


@bp.route("/programmes/new", methods=["GET", "POST"])
@policy.require("admin.manage")
def programme_new():
    """Add a programme."""
    form = _programme_form()
    if form.validate_on_submit():
        try:
            programme = catalog.create_programme(db.session, actor=current_user,
                                                 **_data(form, catalog.PROGRAMME_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Opleiding %(name)s is toegevoegd. Voeg nu de competentieclusters toe.",
                    name=programme.name), "success")
            return redirect(url_for("admin.programme", programme_id=programme.id))
    return render_template("admin/programme_form.html", form=form, programme=None), form_status()


def _programme_page(programme: Programme, competency_form: CompetencyForm, status: int = 200):
    sector = db.session.get(Sector, programme.sector_id)
    competencies = catalog.competencies_of(db.session, programme)
    return render_template("admin/programme.html", programme=programme, sector=sector,
                           competencies=competencies, competency_form=competency_form), status


@bp.get("/programmes/<int:programme_id>")
@policy.require("admin.manage")
def programme(programme_id: int):
    """A programme with its competencies in standard-path order."""
    programme = policy.get_or_404(db.session, current_user, Programme, programme_id)
    return _programme_page(programme, CompetencyForm(formdata=None))


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@policy.require("admin.manage")
def programme_edit(programme_id: int):
    """Change a programme."""
    programme = policy.get_or_404(db.session, current_user, Programme, programme_id)
    form = _programme_form(programme)
    if form.validate_on_submit():
        try:
            catalog.update_programme(db.session, actor=current_user, programme=programme,
                                     **_data(form, catalog.PROGRAMME_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Opleiding %(name)s is bewaard.", name=programme.name), "success")
            return redirect(url_for("admin.programme", programme_id=programme.id))
    return render_template("admin/programme_form.html", form=form,
                           programme=programme), form_status()


def _competency(programme_id: int, competency_id: int) -> tuple[Programme, Competency]:
    programme = policy.get_or_404(db.session, current_user, Programme, programme_id)
    competency = policy.get_or_404(db.session, current_user, Competency, competency_id)
    if competency.programme_id != programme.id:
        abort(404)
    return programme, competency


@bp.post("/programmes/<int:programme_id>/competencies")
@policy.require("admin.manage")
def programme_competency_add(programme_id: int):
    """Append a competency to the programme's standard path."""
    programme = policy.get_or_404(db.session, current_user, Programme, programme_id)
    form = CompetencyForm()
    if form.validate_on_submit():
        try:
            competency = catalog.add_competency(db.session, actor=current_user,
                                                programme=programme,
                                                **_data(form, catalog.COMPETENCY_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Competentiecluster %(code)s is toegevoegd.", code=competency.code),
                  "success")
            return redirect(url_for("admin.programme", programme_id=programme.id))
    return _programme_page(programme, form, status=422)


@bp.route("/programmes/<int:programme_id>/competencies/<int:competency_id>/edit",
          methods=["GET", "POST"])
@policy.require("admin.manage")
def programme_competency_edit(programme_id: int, competency_id: int):
    """Change a competency's code, title or location."""
    programme, competency = _competency(programme_id, competency_id)
    form = CompetencyForm(obj=competency)
    if form.validate_on_submit():
        try:
            catalog.update_competency(db.session, actor=current_user, competency=competency,
                                      **_data(form, catalog.COMPETENCY_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Competentiecluster %(code)s is bewaard.", code=competency.code),
                  "success")
            return redirect(url_for("admin.programme", programme_id=programme.id))
    return render_template("admin/competency_form.html", form=form, programme=programme,
                           competency=competency), form_status()


@bp.post("/programmes/<int:programme_id>/competencies/<int:competency_id>/move")
@policy.require("admin.manage")
def programme_competency_move(programme_id: int, competency_id: int):
    """Move a competency one place up or down."""
    programme, competency = _competency(programme_id, competency_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    catalog.move_competency(db.session, actor=current_user, competency=competency,
                            offset=offset)
    return redirect(url_for("admin.programme", programme_id=programme.id,
                            _anchor=f"competency-{competency.id}"))


@bp.post("/programmes/<int:programme_id>/competencies/<int:competency_id>/delete")
@policy.require("admin.manage")
def programme_competency_delete(programme_id: int, competency_id: int):
    """Remove a competency that was never evaluated."""
    programme, competency = _competency(programme_id, competency_id)
    try:
        catalog.delete_competency(db.session, actor=current_user, competency=competency)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("Competentiecluster %(code)s is verwijderd.", code=competency.code),
              "success")
    return redirect(url_for("admin.programme", programme_id=programme.id))


# ---------------------------------------------------------------------------------------------
# audit log


@bp.get("/audit")
@policy.require("audit.view")
def audit():
    """Every recorded change, newest first, filtered by who, what and when."""
    filters = AuditFilterForm(request.args)
    statement = queries.audit_list(current_user, **valid_filters(filters))
    page = paginate(db.session, statement)
    return render_template("admin/audit.html", page=page, filters=filters)


# ---------------------------------------------------------------------------------------------
# scheduled jobs

JOB_LABELS = {
    "heartbeat": _l("Hartslag van de planner"),
    "deadlines": _l("Termijnen en herinneringen"),
    "deliver_pending": _l("E-mails over meldingen versturen"),
    "send_digests": _l("Dagelijkse overzichtsmails"),
    "report_batches": _l("Voortgangsrapporten in bulk"),
}
JOB_STATUS_LABELS = {
    "running": _l("bezig"),
    "succeeded": _l("gelukt"),
    "failed": _l("mislukt"),
    "stalled": _l("onderbroken"),
}


def _schedule_label(trigger) -> str:
    """'every minute', 'every 5 seconds', 'daily at 06:30' for the triggers the scheduler uses."""
    interval = getattr(trigger, "interval", None)
    if interval is not None:
        seconds = int(interval.total_seconds())
        if seconds % 60 == 0:
            return ngettext("elke minuut", "elke %(num)d minuten", seconds // 60)
        return ngettext("elke seconde", "elke %(num)d seconden", seconds)
    fields = {field.name: str(field) for field in getattr(trigger, "fields", [])}
    if fields.get("hour", "*").isdigit() and fields.get("minute", "*").isdigit():
        return _("dagelijks om %(time)s",
                 time=f"{int(fields['hour']):02d}:{int(fields['minute']):02d}")
    return str(trigger)


def _run_status(run) -> str:
    """The run's status, with a 'running' run that outlived the take-over limit as stalled."""
    if run.status == "running" and utcnow() - _aware(run.started_at) > STALE_AFTER:
        return "stalled"
    return run.status


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _duration(run) -> str:
    """How long a finished run took, e.g. '0,42 s' or '3 min 5 s'."""
    if run is None or run.finished_at is None:
        return "—"
    seconds = max(0.0, (_aware(run.finished_at) - _aware(run.started_at)).total_seconds())
    if seconds < 60:
        return f"{seconds:.2f} s".replace(".", ",")
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def _counts_label(counts: dict | None) -> str:
    if not counts:
        return "—"
    return ", ".join(f"{key}: {value}" for key, value in sorted(counts.items()))


@bp.get("/jobs")
@policy.require("admin.manage")
def jobs():
    """The scheduler's jobs: last run, counts, failures, a history per job and "run now"."""
    summaries = queries.job_summaries(db.session, now=utcnow())
    names = [summary.name for summary in summaries]
    selected = request.args.get("job", "")
    if selected not in names:
        failing = [summary.name for summary in summaries if summary.failures]
        daily = [summary.name for summary in summaries if summary.is_daily]
        selected = (failing or daily or names or [""])[0]
    failed_only = request.args.get("failed") == "1"
    history = paginate(db.session, queries.job_history(selected, failed_only=failed_only))
    return render_template(
        "admin/jobs.html", summaries=summaries, selected=selected, failed_only=failed_only,
        history=history, job_labels=JOB_LABELS, status_labels=JOB_STATUS_LABELS,
        schedule_label=_schedule_label, run_status=_run_status, duration=_duration,
        counts_label=_counts_label, stats_days=queries.JOB_STATS_DAYS,
    )


@bp.post("/jobs/<job>/run")
@policy.require("admin.manage")
@limiter.limit("10 per minute", scope="admin-run-job")
def job_run_now(job: str):
    """Run a job now, in this request; never repeats a period that is done (see queries)."""
    registry = queries.job_registry()
    if job not in registry or not queries.offers_run_now(registry[job][1]):
        abort(404)
    outcome = queries.run_job_now(db.session, actor=current_user, job=job)
    label = JOB_LABELS.get(job, job)
    if outcome.error:
        flash(_("%(job)s is mislukt: %(error)s", job=label, error=outcome.error), "danger")
    elif outcome.result is None:
        flash(_("%(job)s had niets te doen: er lag niets klaar, of deze periode is al "
                "uitgevoerd of loopt nog.", job=label), "info")
    else:
        counts = outcome.run.counts if outcome.run is not None else outcome.result
        seconds = f"{outcome.seconds:.2f}".replace(".", ",")
        if counts:
            detail = _counts_label(counts) if isinstance(counts, dict) else str(counts)
            flash(_("%(job)s is uitgevoerd in %(seconds)s s: %(detail)s.", job=label,
                    seconds=seconds, detail=detail), "success")
        else:
            flash(_("%(job)s is uitgevoerd in %(seconds)s s; er was niets te doen.", job=label,
                    seconds=seconds), "success")
    return redirect(url_for("admin.jobs", job=job))


# ---------------------------------------------------------------------------------------------
# the OAO learning allowance per category


def _allowance_rates_page(form, status: int = 200):
    today = today_brussels()
    rates = agreements.allowance_rates(db.session)
    # Per category the row in force today: the newest that has started (rows are newest first).
    current = {next((rate.id for rate in rows if rate.valid_from <= today), None)
               for rows in rates.values()}
    return render_template(
        "admin/allowance_rates.html", form=form, today=today, rates=rates, current=current,
        in_force=agreements.allowances_in_force(db.session, today),
        category_labels=agreements.ALLOWANCE_CATEGORY_LABELS), status


@bp.get("/allowance-rates")
@policy.require("admin.manage")
def allowance_rates():
    """The OAO learning allowance per category, with every index step and its date."""
    return _allowance_rates_page(AllowanceRateForm(formdata=None))


@bp.post("/allowance-rates")
@policy.require("admin.manage")
def allowance_rate_add():
    """Add an index step: a category's new amount from a date on."""
    form = AllowanceRateForm()
    if form.validate_on_submit():
        try:
            rate = agreements.add_allowance_rate(
                db.session, actor=current_user, category=form.category.data,
                amount=form.amount.data, valid_from=form.valid_from.data,
                today=today_brussels(), retroactive=form.retroactive.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Categorie %(category)d: %(amount)s per maand vanaf %(date)s is bewaard. "
                    "Lopende overeenkomsten volgen dit bedrag zonder nieuw contract.",
                    category=rate.category, amount=format_amount(rate.amount, "nl"),
                    date=format_date(rate.valid_from)), "success")
            return redirect(url_for("admin.allowance_rates"))
    return _allowance_rates_page(form, status=422)
