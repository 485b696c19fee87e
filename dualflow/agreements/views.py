"""Agreement screens for the school, and the public signing pages behind e-mailed links."""

from __future__ import annotations

from io import BytesIO

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
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dualflow import mail, policy
from dualflow.agreements import contract, services
from dualflow.agreements.forms import AgreementForm, SendForm, SignForm, TerminateForm
from dualflow.agreements.models import Agreement, Signature
from dualflow.errors import DomainError
from dualflow.extensions import client_ip, db, limiter
from dualflow.i18n import format_date, today_brussels
from dualflow.integers import int_arg
from dualflow.modelbase import AgreementKind, AgreementStatus
from dualflow.reports.models import Document
from dualflow.trajectories.models import Placement
from dualflow.web import absolute_url, add_error, form_status

bp = Blueprint("agreements", __name__)
signing_bp = Blueprint("signing", __name__)

def trajectory_url(trajectory_id: int) -> str:
    """The trajectory page the agreement belongs to."""
    return url_for("trajectories.detail", trajectory_id=trajectory_id)


def _agreement_or_404(agreement_id: int) -> Agreement:
    return policy.get_or_404(db.session, current_user, Agreement, agreement_id)


def _managed_or_403(agreement: Agreement):
    parts = services.parts_of(db.session, db.session.get(Placement, agreement.placement_id))
    policy.guard("agreement.manage", parts.trajectory)
    return parts


def _pdf_response(content: bytes, filename: str, *, private: bool = True):
    response = send_file(BytesIO(content), mimetype="application/pdf", download_name=filename,
                         as_attachment=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response


# --- mails --------------------------------------------------------------------------------

def send_signature_request(invitation: services.Invitation, agreement: Agreement,
                           *, sender_name: str, reminder: bool = False) -> None:
    """E-mail one party its personal signing link, in the party's language."""
    signature = invitation.signature
    data = agreement.contract_data or {}
    language = services.language_of(signature.language)
    link = absolute_url("signing.sign", token=invitation.raw_token)
    context = {
        "lang": "fr" if language == "fr" else "nl",
        "signature": signature, "link": link, "reminder": reminder,
        "kind": agreement.kind, "learner": data.get("learner", {}).get("name", ""),
        "company": data.get("company", {}).get("name", ""),
        "school": data.get("school", {}).get("name", ""),
        "starts_on": data.get("starts_on", ""), "ends_on": data.get("ends_on", ""),
        "expires_on": format_date(signature.token_expires_at), "sender": sender_name,
        "reference": data.get("reference", ""),
    }
    with force_locale(language):
        mail.queue(
            db.session,
            kind="signature_reminder" if reminder else "signature_request",
            to=signature.signer_email,
            subject=render_template("mail/agreement_sign_request.subject.txt", **context).strip(),
            text=render_template("mail/agreement_sign_request.txt", **context),
            html=render_template("mail/agreement_sign_request.html", **context),
        )


# --- the school's screens -----------------------------------------------------------------

def _shown_fields(kind: str) -> tuple[str, ...]:
    """The form fields the page shows for the programme's kind of agreement."""
    amount = ("allowance_category" if kind == AgreementKind.ALTERNATING_TRAINING.value
              else "monthly_allowance")
    return ("starts_on", "ends_on", amount)


def _terms(form: AgreementForm) -> dict:
    return {"starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
            "allowance_category": form.allowance_category.data,
            "monthly_allowance": form.monthly_allowance.data}


def _form_page(form: AgreementForm, parts, agreement: Agreement | None, status: int):
    """The agreement form: the programme's kind, the placement's hours, and the amounts of the
    allowance categories in force today."""
    today = today_brussels()
    kind = parts.programme.agreement_kind
    rules = services.AgreementRules.from_config()
    try:
        services.check_hours(kind=kind, hours_per_week=parts.placement.hours_per_week,
                             rules=rules)
    except DomainError as error:
        hours_problem = error.message
    else:
        hours_problem = None
    url = trajectory_url(parts.trajectory.id)
    form.monthly_allowance.label.text = str(services.AMOUNT_LABELS.get(kind, ""))
    return render_template(
        "agreements/form.html", form=form, parts=parts, agreement=agreement, kind=kind,
        rules=rules, rates=services.allowances_in_force(db.session, today), today=today,
        hours_problem=hours_problem, shown=_shown_fields(kind),
        placement_url=f"{url}#placement-{parts.placement.id}" if url else None,
        trajectory_url=url, **services.template_helpers()), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
@policy.require("agreements.manage")
def new():
    """Draw up the agreement of a placement (`?placement=<id>`)."""
    placement_id = int_arg("placement")
    if placement_id is None:
        abort(404)
    placement = policy.get_or_404(db.session, current_user, Placement, placement_id)
    parts = services.parts_of(db.session, placement)
    policy.guard("agreement.manage", parts.trajectory)
    form = AgreementForm()
    if request.method == "GET":
        form.starts_on.data, form.ends_on.data = placement.starts_on, placement.ends_on
    if form.validate_on_submit():
        try:
            agreement = services.create_agreement(db.session, actor=current_user,
                                                  placement=placement, **_terms(form))
        except DomainError as error:
            add_error(form, error, shown=_shown_fields(parts.programme.agreement_kind))
        else:
            flash(_("Het ontwerp van de overeenkomst is opgesteld. Kijk de PDF na en verstuur "
                    "ze ter ondertekening."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return _form_page(form, parts, None, form_status())


def _detail(agreement: Agreement, *, status: int = 200, terminate_form=None):
    session = db.session
    parts = services.parts_of(session, session.get(Placement, agreement.placement_id))
    manage = policy.may(current_user, "agreement.manage", parts.trajectory)
    versions = services.versions(session, agreement)
    latest = versions[0].id == agreement.id
    documents = {}
    for key in ("document_id", "signed_document_id"):
        document_id = getattr(agreement, key)
        if document_id:
            documents[key] = session.get(Document, document_id)
    today = today_brussels()
    status_text, status_variant = services.display_status(agreement, today)
    return render_template(
        "agreements/detail.html",
        agreement=agreement, parts=parts, manage=manage,
        signatures=services.current_signatures(session, agreement),
        versions=versions, latest=latest, documents=documents,
        actions=services.available_actions(agreement, manage=manage, latest=latest),
        may_download=policy.may(current_user, "agreement.download", agreement),
        history=services.history(session, agreement),
        send_form=SendForm(), terminate_form=terminate_form or TerminateForm(),
        trajectory_url=trajectory_url(parts.trajectory.id), today=today,
        language_note=services.contract_language_note(agreement, parts),
        translation=services.translation_available(agreement, parts),
        gaps=(contract.contract_gaps(session, agreement)
              if manage and agreement.status == AgreementStatus.DRAFT.value else []),
        # The amount in force today, or on the last day of an agreement that has ended.
        allowance_on=min(today, agreement.terminated_on or agreement.ends_on),
        allowance_today=services.agreement_allowance(
            session, agreement, min(today, agreement.terminated_on or agreement.ends_on)),
        ends_later=services.ends_later(agreement, today),
        status_text=status_text, status_variant=status_variant,
        **services.template_helpers(),
    ), status


@bp.get("/<int:agreement_id>")
@login_required
@policy.require("trajectories.view")
def detail(agreement_id: int):
    """An agreement: terms, state, signatures, documents, versions and history."""
    return _detail(_agreement_or_404(agreement_id))


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@login_required
@policy.require("agreements.manage")
def edit(agreement_id: int):
    """Change the terms of a draft."""
    agreement = _agreement_or_404(agreement_id)
    parts = _managed_or_403(agreement)
    if agreement.status != AgreementStatus.DRAFT.value:
        flash(_("Alleen een ontwerp kan gewijzigd worden; maak een nieuwe versie van een "
                "ondertekende overeenkomst."), "warning")
        return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    form = AgreementForm(obj=agreement)
    if request.method == "GET" and agreement.allowance_category is not None:
        form.monthly_allowance.data = None
    if form.validate_on_submit():
        try:
            services.update_draft(db.session, actor=current_user, agreement=agreement,
                                  **_terms(form))
        except DomainError as error:
            add_error(form, error, shown=_shown_fields(parts.programme.agreement_kind))
        else:
            flash(_("Het ontwerp is bewaard."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return _form_page(form, parts, agreement, form_status())


@bp.get("/<int:agreement_id>/preview.pdf")
@login_required
@policy.require("agreements.manage")
def preview(agreement_id: int):
    """The draft contract as PDF, rendered now and not stored."""
    agreement = _agreement_or_404(agreement_id)
    _managed_or_403(agreement)
    if agreement.status != AgreementStatus.DRAFT.value:
        return redirect(url_for("agreements.document", agreement_id=agreement.id))
    content = services.preview_pdf(db.session, actor=current_user, agreement=agreement,
                                   today=today_brussels())
    return _pdf_response(content, f"ontwerp-overeenkomst-{agreement.id}-v{agreement.version}.pdf")


def _stored_pdf(agreement: Agreement, document_id: int | None):
    policy.guard("agreement.download", agreement)
    document = db.session.get(Document, document_id) if document_id else None
    if document is None:
        abort(404)
    return _pdf_response(document.content, document.filename)


@bp.get("/<int:agreement_id>/translation.pdf")
@login_required
@policy.require("trajectories.view")
def translation(agreement_id: int):
    """The contract in French for information: marked as such, not signed, not stored."""
    agreement = _agreement_or_404(agreement_id)
    if agreement.status == AgreementStatus.DRAFT.value:
        _managed_or_403(agreement)  # a draft is seen by those who draw it up
    else:
        policy.guard("agreement.download", agreement)
        if agreement.contract_data is None:
            abort(404)  # no record of what was sent, so nothing to translate faithfully
    try:
        content = services.translation_pdf(db.session, agreement=agreement,
                                           today=today_brussels())
    except DomainError:
        abort(404)
    return _pdf_response(content,
                         f"traduction-information-{agreement.id}-v{agreement.version}.pdf")


@bp.get("/<int:agreement_id>/document.pdf")
@login_required
@policy.require("trajectories.view")
def document(agreement_id: int):
    """The PDF as sent for signature, byte for byte."""
    agreement = _agreement_or_404(agreement_id)
    return _stored_pdf(agreement, agreement.document_id)


@bp.get("/<int:agreement_id>/signed.pdf")
@login_required
@policy.require("trajectories.view")
def signed_pdf(agreement_id: int):
    """The final signed PDF with the signature page."""
    agreement = _agreement_or_404(agreement_id)
    return _stored_pdf(agreement, agreement.signed_document_id)


@bp.post("/<int:agreement_id>/send")
@login_required
@policy.require("agreements.manage")
def send(agreement_id: int):
    """Send the draft for signature: store the PDF and e-mail every party its link."""
    agreement = _agreement_or_404(agreement_id)
    _managed_or_403(agreement)
    try:
        invitations = services.send_for_signature(db.session, actor=current_user,
                                                  agreement=agreement, today=today_brussels())
    except DomainError as error:
        flash(error.message, "danger")
        return _detail(agreement, status=422)
    for invitation in invitations:
        send_signature_request(invitation, agreement, sender_name=current_user.full_name)
    flash(_("De overeenkomst is verstuurd ter ondertekening naar %(emails)s.",
            emails=", ".join(i.signature.signer_email for i in invitations)), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id))


@bp.post("/<int:agreement_id>/reopen")
@login_required
@policy.require("agreements.manage")
def reopen(agreement_id: int):
    """Take a sent agreement back to change it; the links already sent stop working."""
    agreement = _agreement_or_404(agreement_id)
    _managed_or_403(agreement)
    try:
        services.reopen(db.session, actor=current_user, agreement=agreement)
    except DomainError as error:
        flash(error.message, "danger")
        return _detail(agreement, status=422)
    flash(_("De overeenkomst is teruggenomen en weer een ontwerp. De verstuurde links werken "
            "niet meer; na het versturen ondertekent iedereen opnieuw."), "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id))


@bp.post("/<int:agreement_id>/signatures/<int:signature_id>/resend")
@login_required
@policy.require("agreements.manage")
def resend(agreement_id: int, signature_id: int):
    """Send a party who has not signed a new link."""
    agreement = _agreement_or_404(agreement_id)
    _managed_or_403(agreement)
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.agreement_id != agreement.id:
        abort(404)
    try:
        invitation = services.resend_link(db.session, actor=current_user, agreement=agreement,
                                          signature=signature)
    except DomainError as error:
        flash(error.message, "danger")
        return _detail(agreement, status=422)
    send_signature_request(invitation, agreement, sender_name=current_user.full_name,
                           reminder=True)
    flash(_("Een nieuwe link is verstuurd naar %(email)s.", email=signature.signer_email),
          "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement.id))


@bp.post("/<int:agreement_id>/new-version")
@login_required
@policy.require("agreements.manage")
def new_version(agreement_id: int):
    """Start a new version of a signed agreement (the signed one stays as it is)."""
    agreement = _agreement_or_404(agreement_id)
    _managed_or_403(agreement)
    try:
        copy = services.new_version(db.session, actor=current_user, agreement=agreement)
    except DomainError as error:
        flash(error.message, "danger")
        return _detail(agreement, status=422)
    flash(_("Versie %(version)d is opgesteld als ontwerp; versie %(old)d blijft geldig tot de "
            "nieuwe ondertekend is.", version=copy.version, old=agreement.version), "success")
    return redirect(url_for("agreements.edit", agreement_id=copy.id))


@bp.post("/<int:agreement_id>/terminate")
@login_required
@policy.require("agreements.manage")
def terminate(agreement_id: int):
    """End a signed agreement on a date, with a reason."""
    agreement = _agreement_or_404(agreement_id)
    _managed_or_403(agreement)
    form = TerminateForm()
    if form.validate_on_submit():
        try:
            services.terminate(db.session, actor=current_user, agreement=agreement,
                               kind=form.kind.data or None,
                               terminated_on=form.terminated_on.data, reason=form.reason.data)
        except DomainError as error:
            add_error(form, error)
        else:
            if agreement.terminated_on > today_brussels():
                message = _("De overeenkomst en de plaatsing eindigen op %(date)s; tot dan blijft "
                            "de overeenkomst gelden.", date=format_date(agreement.terminated_on))
            else:
                message = _("De overeenkomst is beëindigd op %(date)s.",
                            date=format_date(agreement.terminated_on))
            flash(message, "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id))
    return _detail(agreement, status=422, terminate_form=form)


# --- signing through an e-mailed link (no account) ------------------------------------------

def _signing_language(signature: Signature | None) -> str:
    """The language chosen on the site, else the party's own."""
    chosen = session.get("language")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return services.language_of(signature.language if signature else None)


def _refused(error: services.LinkRefused):
    status = 409 if error.reason == "changed" else 410
    chosen = session.get("language")
    language = chosen if chosen in current_app.config["LANGUAGES"] else error.language
    if language is None:
        return render_template("agreements/sign_refused.html", error=error), status
    with force_locale(language):
        return render_template("agreements/sign_refused.html", error=error), status


@signing_bp.route("/sign/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"], scope="sign")
def sign(token: str):
    """The signing page: the exact PDF to read, then full name and ‘read and approved’."""
    g.no_store = True
    try:
        link = services.open_link(db.session, raw_token=token)
    except services.LinkRefused as error:
        return _refused(error)
    form = SignForm()
    if request.method == "GET":
        form.document_sha256.data = link.document.sha256
    with force_locale(_signing_language(link.signature)):
        if form.validate_on_submit():
            try:
                services.sign(
                    db.session, raw_token=token, full_name=form.full_name.data,
                    approved=form.approved.data, shown_sha256=form.document_sha256.data,
                    ip=client_ip() or "", user_agent=request.headers.get("User-Agent", ""),
                )
            except services.LinkRefused as error:
                return _refused(error)
            except DomainError as error:
                add_error(form, error)
            else:
                return render_template("agreements/sign_done.html", link=link,
                                       **services.template_helpers())
        status = form_status()
        return render_template("agreements/sign.html", link=link, form=form, token=token,
                               data=link.agreement.contract_data or {},
                               **services.template_helpers()), status


@signing_bp.get("/sign/<token>/translation.pdf")
def sign_translation(token: str):
    """The document to sign in French, for information (the Dutch text is what is signed)."""
    g.no_store = True
    try:
        link = services.open_link(db.session, raw_token=token)
        content = services.translation_pdf(db.session, agreement=link.agreement,
                                           today=today_brussels())
    except services.LinkRefused as error:
        return _refused(error)
    except DomainError:
        abort(404)
    return _pdf_response(content, f"traduction-information-{link.agreement.id}.pdf")


@signing_bp.get("/sign/<token>/pdf")
def sign_pdf(token: str):
    """The exact document the link asks to sign (stored bytes, never re-rendered)."""
    g.no_store = True
    try:
        link = services.open_link(db.session, raw_token=token)
    except services.LinkRefused as error:
        return _refused(error)
    return _pdf_response(link.document.content, link.document.filename)
