"""Recognition screens: requests, the sector inbox and decisions, the register and its exports."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from dualflow import exports, policy
from dualflow.catalog.models import Programme, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.errors import DomainError
from dualflow.extensions import db
from dualflow.forms import choice_labels, grouped, options
from dualflow.i18n import format_date, today_brussels
from dualflow.integers import int_arg
from dualflow.modelbase import Role
from dualflow.pagination import paginate
from dualflow.recognitions import export, services
from dualflow.recognitions.forms import (
    ApproveForm,
    ListFilterForm,
    ReasonForm,
    RegisterForm,
    RenewForm,
    RequestForm,
)
from dualflow.recognitions.models import Recognition
from dualflow.web import add_error, form_status

bp = Blueprint("recognitions", __name__)


def _status_choices(first: tuple[str, str]) -> list[tuple[str, str]]:
    return [first, *((value, str(label)) for value, label in services.STATUS_LABELS.items())]


# --- lists --------------------------------------------------------------------------------

@bp.get("/recognitions")
@login_required
@policy.require("recognitions.view")
def index():
    """Recognitions the user may see (a company: its own requests and decisions)."""
    if current_user.role == Role.SECTOR:
        return redirect(url_for("recognitions.inbox", **request.args))
    today = today_brussels()
    form = ListFilterForm(request.args)
    form.status.choices = options(_status_choices(("", _("Alle statussen"))))
    company = None
    company_id = int_arg("company_id")
    if company_id:
        company = policy.get_or_404(db.session, current_user, Company, company_id)
    statement = services.company_statement(
        current_user, today=today, status=form.status.data or "", q=form.q.data or "",
        company_id=company.id if company else None,
    )
    page = paginate(db.session, statement, scalars=False)
    own = current_user.company_id if current_user.role == Role.COMPANY else None
    renewed = services.renewed_ids(db.session, [row[0].id for row in page.items])
    return render_template("recognitions/index.html", form=form, page=page, today=today,
                           company=company, own_company_id=own, renewed=renewed,
                           **services.template_helpers())


@bp.get("/recognitions/inbox")
@login_required
@policy.require("recognitions.decide")
def inbox():
    """The sector's requests, oldest first; those past the decision deadline in red."""
    today = today_brussels()
    form = ListFilterForm(request.args)
    open_ = ("open", _("Open (ingediend of in behandeling)"))
    form.status.choices = options([*_status_choices(open_), ("all", _("Alle"))])
    status = form.status.data or "open"
    page = paginate(
        db.session,
        services.inbox_statement(current_user, today=today, status=status, q=form.q.data or ""),
        scalars=False,
    )
    sector = db.session.get(Sector, current_user.sector_id)
    verdicts = services.mentor_verdicts(db.session, [row[0].id for row in page.items],
                                        today=today)
    return render_template(
        "recognitions/inbox.html", form=form, page=page, sector=sector, status=status,
        late_before=services.late_before(sector), today=today, verdicts=verdicts,
        age_days=services.open_age_days, **services.template_helpers(),
    )


# --- requests -----------------------------------------------------------------------------

def _request_company() -> Company | None:
    if current_user.role == Role.COMPANY:
        return db.session.get(Company, current_user.company_id)
    company_id = int_arg("company_id")
    site_id = int_arg("site_id")
    if not company_id and site_id:
        site = policy.get_or_404(db.session, current_user, Site, site_id)
        company_id = site.company_id
    if not company_id:
        return None
    return policy.get_or_404(db.session, current_user, Company, company_id)


@bp.route("/recognitions/new", methods=["GET", "POST"])
@login_required
@policy.require("recognitions.request")
def new():
    """Request recognition of a site for a programme (company, or a school on its behalf)."""
    company = _request_company()
    if company is None:
        flash(_("Kies eerst de onderneming waarvoor je een erkenning aanvraagt."), "info")
        return redirect(url_for("companies.index"))
    session = db.session
    sites = session.execute(
        policy.scoped(current_user, Site).where(Site.company_id == company.id)
        .order_by(Site.name)
    ).scalars().all()
    if not sites:
        flash(_("Voeg eerst een vestiging toe: een erkenning geldt per vestiging."), "info")
        return redirect(url_for("companies.detail", company_id=company.id))
    programmes = session.execute(
        select(Programme, Sector.name).join(Sector, Sector.id == Programme.sector_id)
        .where(Programme.is_active.is_(True)).order_by(Sector.name, Programme.name)
    ).all()
    mentors = session.execute(
        policy.scoped(current_user, Mentor)
        .where(Mentor.company_id == company.id, Mentor.is_active.is_(True))
        .order_by(Mentor.last_name, Mentor.first_name)
    ).scalars().all()
    form = RequestForm()
    form.site_id.choices = options([(site.id, f"{site.name} · {site.postcode} {site.municipality}")
                                    for site in sites])
    # Grouped by sector: the sector of the programme is the one that decides.
    choices: dict[str, list[tuple[int, str]]] = {"": [(0, _("— kies een opleiding —"))]}
    for programme, sector_name in programmes:
        choices.setdefault(sector_name, []).append((programme.id, programme.name))
    form.programme_id.choices = grouped(choices)
    form.mentor_ids.choices = options([
        (mentor.id, f"{mentor.first_name} {mentor.last_name}"
                    + (f" · {mentor.function_title}" if mentor.function_title else ""))
        for mentor in mentors
    ])
    if request.method == "GET":
        form.site_id.data = int_arg("site_id") or sites[0].id
        if len(mentors) == 1:
            form.mentor_ids.data = [mentors[0].id]
    if form.validate_on_submit():
        site = next((site for site in sites if site.id == form.site_id.data), None)
        try:
            if site is None:
                raise DomainError(_("Kies een vestiging van deze onderneming."), field="site_id")
            recognition = services.request_recognition(
                session, actor=current_user, site=site, programme_id=form.programme_id.data,
                mentor_ids=form.mentor_ids.data or [],
                sworn_declaration=form.sworn_declaration.data, note=form.note.data or "",
                today=today_brussels(),
            )
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Je aanvraag is ingediend. De sector beslist binnen de termijn; je volgt de "
                    "status hier."), "success")
            return redirect(url_for("recognitions.detail", recognition_id=recognition.id))
    status = form_status()
    return render_template("recognitions/new.html", form=form, company=company,
                           has_mentors=bool(mentors)), status


# --- one recognition ----------------------------------------------------------------------

def _detail(recognition: Recognition, *, status: int = 200, approve_form=None,
            refuse_form=None, withdraw_form=None, error: str | None = None):
    session, today = db.session, today_brussels()
    ctx = services.context(session, recognition, today=today)
    mentors = services.named_mentors(session, recognition, sector=ctx.sector, today=today)
    start = services.renewal_start(session, recognition, today)
    if approve_form is None:
        approve_form = ApproveForm(formdata=None)
        approve_form.valid_from.data, approve_form.valid_until.data = services.default_validity(
            ctx.sector, start or today
        )
    # Per mentor who meets only the lower path: the sector's choice to accept it.
    approve_form.lower_path_mentor_ids.choices = options([
        (view.mentor.id, f"{view.mentor.first_name} {view.mentor.last_name}")
        for view in mentors if view.eligibility.lower_path_only
    ])
    renewal = services.renewal_of(session, recognition)
    renews = session.get(Recognition, recognition.renews_id) if recognition.renews_id else None
    return render_template(
        "recognitions/detail.html",
        ctx=ctx, r=recognition, today=today, mentors=mentors, renewal=renewal, renews=renews,
        renewal_start=start,
        term_end=services.default_validity(ctx.sector, approve_form.valid_from.data or today)[1],
        renewal_refusal=services.renewal_refusal(session, current_user, recognition, today)
        if policy.can(current_user, "recognitions.request") else None,
        may_request=policy.can(current_user, "recognitions.request"),
        renewable_from=services.renewable_from(recognition),
        history=services.history(session, recognition, ctx.submitted_by),
        may_decide=policy.can(current_user, "recognitions.decide")
        and ctx.programme.sector_id == current_user.sector_id,
        late=recognition.status in services.OPEN
        and recognition.submitted_at < services.late_before(ctx.sector),
        approve_form=approve_form,
        refuse_form=refuse_form or ReasonForm(formdata=None, prefix="refuse"),
        withdraw_form=withdraw_form or ReasonForm(formdata=None, prefix="withdraw"),
        error=error, age_days=services.open_age_days(recognition), **services.template_helpers(),
    ), status


def _recognition_or_404(recognition_id: int) -> Recognition:
    return policy.get_or_404(db.session, current_user, Recognition, recognition_id)


@bp.get("/recognitions/<int:recognition_id>")
@login_required
@policy.require("recognitions.view")
def detail(recognition_id: int):
    """A recognition with its site, mentors (checklists), decision and full history."""
    return _detail(_recognition_or_404(recognition_id))


def _decided(recognition: Recognition, message: str):
    flash(message, "success")
    return redirect(url_for("recognitions.detail", recognition_id=recognition.id))


@bp.post("/recognitions/<int:recognition_id>/review")
@login_required
@policy.require("recognitions.decide")
def review(recognition_id: int):
    """Take a submitted request in review."""
    recognition = _recognition_or_404(recognition_id)
    try:
        services.start_review(db.session, actor=current_user, recognition=recognition,
                              today=today_brussels())
    except DomainError as error:
        return _detail(recognition, status=422, error=error.message)
    return _decided(recognition, _("De aanvraag is in behandeling genomen."))


@bp.post("/recognitions/<int:recognition_id>/approve")
@login_required
@policy.require("recognitions.decide")
def approve(recognition_id: int):
    """Approve a request under review, with its validity."""
    recognition = _recognition_or_404(recognition_id)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            services.approve(db.session, actor=current_user, recognition=recognition,
                             today=today_brussels(), valid_from=form.valid_from.data,
                             valid_until=form.valid_until.data, note=form.note.data or "",
                             validity_reason=form.validity_reason.data or "",
                             lower_path_mentor_ids=form.lower_path_mentor_ids.data or [])
        except DomainError as error:
            if error.field:
                add_error(form, error)
            else:
                return _detail(recognition, status=422, approve_form=form, error=error.message)
        else:
            return _decided(recognition, _("De werkplek is erkend."))
    return _detail(recognition, status=422, approve_form=form)


@bp.route("/recognitions/<int:recognition_id>/renew", methods=["GET", "POST"])
@login_required
@policy.require("recognitions.request")
def renew(recognition_id: int):
    """Request the renewal of an approved recognition nearing its end, pre-filled from it."""
    session, today = db.session, today_brussels()
    current = _recognition_or_404(recognition_id)
    ctx = services.context(session, current, today=today)
    refusal = services.renewal_refusal(session, current_user, current, today)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("recognitions.detail", recognition_id=current.id))
    named = {view.mentor.id for view in services.named_mentors(session, current,
                                                               sector=ctx.sector, today=today)}
    mentors = session.execute(
        policy.scoped(current_user, Mentor)
        .where(Mentor.company_id == ctx.company.id, Mentor.is_active.is_(True))
        .order_by(Mentor.last_name, Mentor.first_name)
    ).scalars().all()
    form = RenewForm()
    form.mentor_ids.choices = options([
        (mentor.id, f"{mentor.first_name} {mentor.last_name}"
                    + (f" · {mentor.function_title}" if mentor.function_title else ""))
        for mentor in mentors
    ])
    if request.method == "GET":
        form.mentor_ids.data = [mentor.id for mentor in mentors if mentor.id in named]
        form.note.data = current.note
    if form.validate_on_submit():
        try:
            renewal = services.renew(session, actor=current_user, recognition=current,
                                     mentor_ids=form.mentor_ids.data or [],
                                     sworn_declaration=form.sworn_declaration.data,
                                     note=form.note.data or "", today=today)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("De verlenging is aangevraagd. De sector beslist erover; de huidige "
                    "erkenning blijft gelden tot en met %(date)s.",
                    date=format_date(current.valid_until)), "success")
            return redirect(url_for("recognitions.detail", recognition_id=renewal.id))
    status = form_status()
    return render_template("recognitions/renew.html", form=form, ctx=ctx, r=current,
                           start=max(current.valid_until + timedelta(days=1), today),
                           **services.template_helpers()), status


def _reason_action(recognition_id: int, action: str, message: str):
    recognition = _recognition_or_404(recognition_id)
    form = ReasonForm(prefix=action)
    function = {"refuse": services.refuse, "withdraw": services.withdraw}[action]
    if form.validate_on_submit():
        try:
            function(db.session, actor=current_user, recognition=recognition,
                     reason=form.reason.data, today=today_brussels())
        except DomainError as error:
            if not error.field:
                return _detail(recognition, status=422, error=error.message,
                               **{f"{action}_form": form})
            add_error(form, error)
        else:
            return _decided(recognition, message)
    return _detail(recognition, status=422, **{f"{action}_form": form})


@bp.post("/recognitions/<int:recognition_id>/refuse")
@login_required
@policy.require("recognitions.decide")
def refuse(recognition_id: int):
    """Refuse a request under review (reason required)."""
    return _reason_action(recognition_id, "refuse", _("De aanvraag is geweigerd."))


@bp.post("/recognitions/<int:recognition_id>/withdraw")
@login_required
@policy.require("recognitions.decide")
def withdraw(recognition_id: int):
    """Withdraw an approved recognition (reason required)."""
    return _reason_action(recognition_id, "withdraw", _("De erkenning is ingetrokken."))


# --- the register -------------------------------------------------------------------------

def _register_form() -> tuple[RegisterForm, bool]:
    form = RegisterForm(request.args)
    sectors = db.session.execute(select(Sector.id, Sector.name).order_by(Sector.name)).all()
    programmes = db.session.execute(
        select(Programme.id, Programme.name).where(Programme.is_active.is_(True))
        .order_by(Programme.name)
    ).all()
    form.sector_id.choices = options([(0, _("Alle sectoren")), *((s.id, s.name) for s in sectors)])
    form.programme_id.choices = options([(0, _("Alle opleidingen")),
                                         *((p.id, p.name) for p in programmes)])
    valid = form.validate()
    if valid and form.postcode.data and not form.postcode.data.strip().isdigit():
        form.postcode.errors.append(_("Geef (het begin van) een postcode in cijfers."))
        valid = False
    return form, valid


def _filters(form: RegisterForm, today: date) -> services.RegisterFilters:
    return services.RegisterFilters(
        on=form.on.data or today,
        programme_id=form.programme_id.data or None,
        sector_id=form.sector_id.data or None,
        postcode=(form.postcode.data or "").strip(),
        municipality=(form.municipality.data or "").strip(),
        q=(form.q.data or "").strip(),
    )


@bp.get("/register")
@login_required
@policy.require("recognitions.register")
def register():
    """Workplaces recognised on a date, by programme, sector, postcode or municipality."""
    today = today_brussels()
    form, valid = _register_form()
    if not valid:
        return render_template("recognitions/register.html", form=form, page=None,
                               filters=None, today=today, **services.template_helpers()), 422
    filters = _filters(form, today)
    if form.on.data is None:
        form.on.data = filters.on
    page = services.register_page(db.session, current_user, filters)
    return render_template("recognitions/register.html", form=form, page=page, filters=filters,
                           today=today, **services.template_helpers())


@bp.get("/register/export.<any(csv, xlsx):fmt>")
@login_required
@policy.require("recognitions.register")
def register_export(fmt: str):
    """The register with the same filters as CSV (for Belgian Excel) or XLSX."""
    today = today_brussels()
    form, valid = _register_form()
    if not valid:
        return render_template("recognitions/register.html", form=form, page=None,
                               filters=None, today=today, **services.template_helpers()), 422
    filters = _filters(form, today)
    rows = services.register_rows(db.session, current_user, filters)
    name = f"register-leerwerkplekken-{filters.on.isoformat()}.{fmt}"
    if fmt == "csv":
        data, mimetype = export.to_csv(rows), exports.CSV_MIMETYPE
    else:
        labels = {
            "programme": choice_labels(form.programme_id.choices).get(
                filters.programme_id or -1, ""),
            "sector": choice_labels(form.sector_id.choices).get(filters.sector_id or -1, ""),
        }
        data, mimetype = export.to_xlsx(rows, filters, labels), exports.XLSX_MIMETYPE
    return exports.download(data, filename=name, mimetype=mimetype)
