"""Company, site and mentor screens: read the form, call a service, flash, redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from dualflow import policy
from dualflow.accounts.views import send_invitation
from dualflow.catalog.models import Programme, Sector
from dualflow.companies import services
from dualflow.companies.forms import (
    CompanyForm,
    MentorForm,
    NewCompanyForm,
    RecordExtractForm,
    SearchForm,
    SiteForm,
)
from dualflow.companies.models import Company, Mentor, Site
from dualflow.errors import DomainError
from dualflow.extensions import db
from dualflow.forms import options
from dualflow.i18n import today_brussels
from dualflow.modelbase import Role
from dualflow.pagination import paginate
from dualflow.recognitions import services as recognition_services
from dualflow.recognitions.models import Recognition
from dualflow.web import add_error, form_status

bp = Blueprint("companies", __name__)

DETAIL_ROWS = 10


def _sector_choices(empty_label: str) -> list[SelectChoice]:
    sectors = db.session.execute(select(Sector.id, Sector.name).order_by(Sector.name)).all()
    return options([(0, empty_label), *((row.id, row.name) for row in sectors)])


def _company_or_404(company_id: int) -> Company:
    return policy.get_or_404(db.session, current_user, Company, company_id)


def _maintained_company_or_404(company_id: int) -> Company:
    company = _company_or_404(company_id)
    policy.guard("company.maintain", company)
    return company


def _fields(form, names, prefix: str = "") -> dict:
    return {name: getattr(form, prefix + name).data for name in names}


@bp.get("/companies")
@login_required
@policy.require("companies.view")
def index():
    """Search companies by name, number, postcode and municipality."""
    if current_user.role == Role.COMPANY:
        return redirect(url_for("companies.mine"))
    form = SearchForm(request.args)
    form.sector_id.choices = _sector_choices(_("Alle sectoren"))
    statement = services.companies_statement(
        current_user,
        q=(form.q.data or "")[:100],
        postcode=(form.postcode.data or "")[:4],
        municipality=(form.municipality.data or "")[:100],
        sector_id=form.sector_id.data or None,
    )
    page = paginate(db.session, statement, scalars=False)
    return render_template("companies/index.html", form=form, page=page,
                           format_kbo=services.format_kbo,
                           may_create=policy.can(current_user, "companies.create"))


@bp.get("/companies/mine")
@login_required
def mine():
    """A company user's own company page."""
    if current_user.company_id is None:
        abort(404)
    return redirect(url_for("companies.detail", company_id=current_user.company_id))


@bp.route("/companies/new", methods=["GET", "POST"])
@login_required
@policy.require("companies.create")
def new():
    """Register a company with its first site, optionally inviting its contact person."""
    form = NewCompanyForm()
    form.sector_id.choices = _sector_choices(_("— geen —"))
    if form.validate_on_submit():
        try:
            company = services.create_company(
                db.session, actor=current_user, kbo_number=form.kbo_number.data,
                **_fields(form, services.COMPANY_FIELDS),
            )
        except DomainError as error:
            add_error(form, error)
        else:
            same = form.site_same_address.data
            try:
                services.create_site(
                    db.session, actor=current_user, company=company,
                    number=form.site_number.data,
                    name=form.site_name.data,
                    street=company.street if same else form.site_street.data,
                    postcode=company.postcode if same else form.site_postcode.data,
                    municipality=company.municipality if same else form.site_municipality.data,
                )
                invited = None
                if form.invite_contact.data:
                    invited = services.invite_contact(db.session, actor=current_user,
                                                      company=company)
            except DomainError as error:
                # The company row is rolled back with the request (status 422).
                if error.field in ("contact_email", "email", "role"):
                    add_error(form, DomainError(error.message, field="contact_email"))
                elif same and error.field in ("postcode", "municipality", "street"):
                    add_error(form, error)
                else:
                    add_error(form, error, prefix="site_")
            else:
                if invited:
                    send_invitation(invited[0], invited[1], current_user)
                    flash(_("%(name)s is geregistreerd en %(email)s is uitgenodigd.",
                            name=company.name, email=invited[0].email), "success")
                else:
                    flash(_("%(name)s is geregistreerd.", name=company.name), "success")
                return redirect(url_for("companies.detail", company_id=company.id))
    status = form_status()
    return render_template("companies/new.html", form=form), status


def _detail(company: Company, status: int = 200):
    session, today = db.session, today_brussels()
    maintain = policy.may(current_user, "company.maintain", company)
    sector = session.get(Sector, company.sector_id) if company.sector_id else None
    rules = services.company_rules(session, company)
    sites_statement = services.sites_statement(current_user, company)
    sites = session.execute(sites_statement.limit(DETAIL_ROWS)).scalars().all()
    site_total = session.execute(
        select(func.count()).select_from(sites_statement.order_by(None).subquery())
    ).scalar_one()
    mentor_statement = services.mentors_statement(current_user, company, today=today)
    mentors = services.to_mentor_views(
        session.execute(mentor_statement.limit(DETAIL_ROWS)).all(), rules=rules, today=today
    )
    mentor_total = session.execute(
        select(func.count()).select_from(mentor_statement.order_by(None).subquery())
    ).scalar_one()
    recognitions: dict[int, list] = {}
    if sites:
        rows = session.execute(
            select(Recognition, Programme)
            .join(Programme, Programme.id == Recognition.programme_id)
            .where(policy.visible(current_user, Recognition),
                   Recognition.site_id.in_([site.id for site in sites]))
            .order_by(Programme.name, Recognition.submitted_at.desc())
        ).all()
        for recognition, programme in rows:
            recognitions.setdefault(recognition.site_id, []).append((recognition, programme))
    has_account = services.has_company_account(session, company.id)
    return render_template(
        "companies/detail.html",
        company=company, sector=sector, rules=rules, sites=sites, site_total=site_total,
        mentors=mentors, mentor_total=mentor_total, recognitions=recognitions,
        maintain=maintain, has_account=has_account, today=today,
        **recognition_services.template_helpers(),
        may_request=policy.may(current_user, "company.request_recognition", company),
        may_invite_contact=(not has_account
                            and policy.may(current_user, "company.invite_contact", company)),
    ), status


@bp.get("/companies/<int:company_id>")
@login_required
@policy.require("companies.view")
def detail(company_id: int):
    """A company with its sites, mentors (eligibility, capacity) and recognitions."""
    return _detail(_company_or_404(company_id))


@bp.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@login_required
@policy.require("companies.manage")
def edit(company_id: int):
    """Change a company's details."""
    company = _maintained_company_or_404(company_id)
    form = CompanyForm(obj=company)
    form.sector_id.choices = _sector_choices(_("— geen —"))
    if request.method == "GET":
        form.kbo_number.data = services.format_kbo(company.kbo_number)
        form.sector_id.data = company.sector_id or 0
    kbo_editable = policy.may(current_user, "company.correct_number", company)
    if not kbo_editable:
        # Shown read-only; the enterprise number identifies the company and is not retyped.
        form.kbo_number.data = services.format_kbo(company.kbo_number)
    if form.validate_on_submit():
        try:
            services.update_company(
                db.session, actor=current_user, company=company,
                kbo_number=form.kbo_number.data if kbo_editable else None,
                **_fields(form, services.COMPANY_FIELDS),
            )
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("De gegevens van %(name)s zijn bewaard.", name=company.name), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
    status = form_status()
    return render_template("companies/edit.html", form=form, company=company,
                           kbo_editable=kbo_editable), status


@bp.post("/companies/<int:company_id>/invite-contact")
@login_required
@policy.require("companies.create")
def invite_contact(company_id: int):
    """Invite the company's contact person to an account of the company."""
    company = _company_or_404(company_id)
    policy.guard("company.invite_contact", company)
    try:
        user, raw = services.invite_contact(db.session, actor=current_user, company=company)
    except DomainError as error:
        flash(error.message, "danger")
        return _detail(company, status=422)
    send_invitation(user, raw, current_user)
    flash(_("%(email)s is uitgenodigd.", email=user.email), "success")
    return redirect(url_for("companies.detail", company_id=company.id))


# --- sites --------------------------------------------------------------------------------

@bp.get("/companies/<int:company_id>/sites")
@login_required
@policy.require("companies.view")
def sites(company_id: int):
    """All sites of a company, searchable and paginated."""
    company = _company_or_404(company_id)
    q = request.args.get("q", "")[:100]
    page = paginate(db.session, services.sites_statement(current_user, company, q=q))
    return render_template("companies/sites.html", company=company, page=page, q=q,
                           maintain=policy.may(current_user, "company.maintain", company),
                           today=today_brussels(), **recognition_services.template_helpers())


@bp.route("/companies/<int:company_id>/sites/new", methods=["GET", "POST"])
@login_required
@policy.require("companies.manage")
def site_new(company_id: int):
    """Add a site to a company."""
    company = _maintained_company_or_404(company_id)
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = services.create_site(db.session, actor=current_user, company=company,
                                        number=form.number.data,
                                        **_fields(form, services.SITE_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Vestiging %(name)s is toegevoegd.", name=site.name), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
    status = form_status()
    return render_template("companies/site_form.html", form=form, company=company,
                           site=None), status


@bp.route("/companies/<int:company_id>/sites/<int:site_id>/edit", methods=["GET", "POST"])
@login_required
@policy.require("companies.manage")
def site_edit(company_id: int, site_id: int):
    """Change a site."""
    company = _maintained_company_or_404(company_id)
    site = policy.get_or_404(db.session, current_user, Site, site_id)
    if site.company_id != company.id:
        abort(404)
    form = SiteForm(obj=site)
    if request.method == "GET":
        form.number.data = services.format_kbo(site.number)
    if form.validate_on_submit():
        try:
            services.update_site(db.session, actor=current_user, site=site,
                                 number=form.number.data, **_fields(form, services.SITE_FIELDS))
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Vestiging %(name)s is bewaard.", name=site.name), "success")
            return redirect(url_for("companies.detail", company_id=company.id))
    status = form_status()
    return render_template("companies/site_form.html", form=form, company=company,
                           site=site), status


# --- mentors ------------------------------------------------------------------------------

@bp.get("/companies/<int:company_id>/mentors")
@login_required
@policy.require("companies.view")
def mentors(company_id: int):
    """All mentors of a company with eligibility and capacity, paginated."""
    company = _company_or_404(company_id)
    today = today_brussels()
    q = request.args.get("q", "")[:100]
    page = paginate(db.session, services.mentors_statement(current_user, company, today=today,
                                                           q=q), scalars=False)
    rules = services.company_rules(db.session, company)
    page.items = services.to_mentor_views(page.items, rules=rules, today=today)
    return render_template("companies/mentors.html", company=company, page=page, q=q,
                           rules=rules, today=today,
                           maintain=policy.may(current_user, "company.maintain", company))


def _mentor_or_404(company: Company, mentor_id: int) -> Mentor:
    mentor = policy.get_or_404(db.session, current_user, Mentor, mentor_id)
    if mentor.company_id != company.id:
        abort(404)
    return mentor


def _mentor_view(company: Company, mentor: Mentor):
    today = today_brussels()
    rows = db.session.execute(
        services.mentors_statement(current_user, company, today=today)
        .where(Mentor.id == mentor.id)
    ).all()
    views = services.to_mentor_views(rows, rules=services.company_rules(db.session, company),
                                     today=today)
    return views[0] if views else None


def _warn_if_ineligible(company: Company, mentor: Mentor) -> None:
    view = _mentor_view(company, mentor)
    if view is not None and not view.eligibility.eligible:
        reasons = "; ".join(f"{rule.label}: {rule.detail}" for rule in view.eligibility.failures)
        flash(_("Let op: %(name)s voldoet (nog) niet aan de mentorregels en kan niet op een "
                "nieuwe plaatsing gezet worden. %(reasons)s",
                name=f"{mentor.first_name} {mentor.last_name}", reasons=reasons), "warning")


@bp.route("/companies/<int:company_id>/mentors/new", methods=["GET", "POST"])
@login_required
@policy.require("companies.manage")
def mentor_new(company_id: int):
    """Add a mentor; a mentor who fails a rule is saved with a warning."""
    company = _maintained_company_or_404(company_id)
    form = MentorForm()
    if form.validate_on_submit():
        try:
            fields = _fields(form, services.MENTOR_FIELDS)
            fields.pop("is_active")  # a new mentor is active; the form shows no such box
            mentor = services.create_mentor(
                db.session, actor=current_user, company=company, today=today_brussels(),
                **fields,
            )
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Mentor %(name)s is toegevoegd.",
                    name=f"{mentor.first_name} {mentor.last_name}"), "success")
            _warn_if_ineligible(company, mentor)
            return redirect(url_for("companies.mentor_edit", company_id=company.id,
                                    mentor_id=mentor.id))
    status = form_status()
    return render_template("companies/mentor_form.html", form=form, company=company,
                           mentor=None, view=None,
                           rules=services.company_rules(db.session, company)), status


@bp.route("/companies/<int:company_id>/mentors/<int:mentor_id>", methods=["GET", "POST"])
@login_required
@policy.require("companies.view")
def mentor_edit(company_id: int, mentor_id: int):
    """A mentor's checklist and profile (editable by those who maintain the company)."""
    company = _company_or_404(company_id)
    mentor = _mentor_or_404(company, mentor_id)
    maintain = policy.may(current_user, "company.maintain", company)
    form = MentorForm(obj=mentor)
    if request.method == "POST":
        policy.guard("company.maintain", company)
        if form.validate_on_submit():
            try:
                services.update_mentor(db.session, actor=current_user, mentor=mentor,
                                       today=today_brussels(),
                                       **_fields(form, services.MENTOR_FIELDS))
            except DomainError as error:
                add_error(form, error)
            else:
                flash(_("Mentor %(name)s is bewaard.",
                        name=f"{mentor.first_name} {mentor.last_name}"), "success")
                _warn_if_ineligible(company, mentor)
                return redirect(url_for("companies.mentor_edit", company_id=company.id,
                                        mentor_id=mentor.id))
    status = form_status()
    return render_template("companies/mentor_form.html", form=form, company=company,
                           mentor=mentor, view=_mentor_view(company, mentor), maintain=maintain,
                           extract_form=RecordExtractForm(formdata=None, prefix="extract",
                                                          record_check_on=mentor.record_check_on),
                           may_open_extract=policy.may(current_user, "mentor.record_extract",
                                                       mentor),
                           rules=services.company_rules(db.session, company)), status


@bp.post("/companies/<int:company_id>/mentors/<int:mentor_id>/record-extract")
@login_required
@policy.require("companies.manage")
def record_extract_upload(company_id: int, mentor_id: int):
    """Upload the mentor's criminal record extract with the date printed on it."""
    company = _company_or_404(company_id)
    mentor = _mentor_or_404(company, mentor_id)
    policy.guard("company.maintain", company)
    form = RecordExtractForm(prefix="extract")
    if form.validate_on_submit():
        try:
            services.upload_record_extract(
                db.session, actor=current_user, mentor=mentor,
                content=form.file.data.read(services.RECORD_EXTRACT_MAX_BYTES + 1),
                record_check_on=form.record_check_on.data, today=today_brussels())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(_("Het uittreksel uit het strafregister is opgeladen."), "success")
            _warn_if_ineligible(company, mentor)
            return redirect(url_for("companies.mentor_edit", company_id=company.id,
                                    mentor_id=mentor.id))
    return render_template(
        # The profile form shows the stored facts, not this upload's fields.
        "companies/mentor_form.html", form=MentorForm(formdata=None, obj=mentor),
        extract_form=form,
        company=company, mentor=mentor, view=_mentor_view(company, mentor), maintain=True,
        may_open_extract=policy.may(current_user, "mentor.record_extract", mentor),
        rules=services.company_rules(db.session, company)), 422


@bp.get("/mentors/<int:mentor_id>/record-extract")
@login_required
def record_extract(mentor_id: int):
    """The uploaded extract: for the company, the deciding sector and admins; 404 otherwise."""
    mentor = db.session.get(Mentor, mentor_id)
    if mentor is None:
        abort(404)
    policy.guard("mentor.record_extract", mentor, hidden=True)
    document = services.record_extract(db.session, actor=current_user, mentor=mentor)
    if document is None:
        abort(404)
    response = make_response(document.content)
    response.headers["Content-Type"] = document.media_type
    response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/companies/<int:company_id>/mentors/<int:mentor_id>/invite")
@login_required
@policy.require("mentors.invite")
def mentor_invite(company_id: int, mentor_id: int):
    """Invite a mentor to an account of role `mentor`, linked to the profile."""
    company = _company_or_404(company_id)
    mentor = _mentor_or_404(company, mentor_id)
    policy.guard("mentor.invite", mentor)
    try:
        user, raw = services.invite_mentor(db.session, actor=current_user, mentor=mentor)
    except DomainError as error:
        flash(error.message, "danger")
        return _detail(company, status=422)
    send_invitation(user, raw, current_user)
    flash(_("%(email)s is uitgenodigd.", email=user.email), "success")
    return redirect(url_for("companies.detail", company_id=company.id))
