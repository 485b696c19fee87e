"""Evaluation screens: the mentor's form, the school's review, the learner's self-reflection."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dualflow import mail, policy
from dualflow.errors import ConcurrentEdit, DomainError, NotAllowed
from dualflow.evaluations import services
from dualflow.evaluations.forms import (
    EvaluationForm,
    ReflectionForm,
    ReflectionLinkForm,
    ReviewForm,
    SendBackForm,
)
from dualflow.evaluations.models import EvaluationMoment
from dualflow.extensions import db, limiter
from dualflow.i18n import format_date, today_brussels
from dualflow.modelbase import EvaluationStatus
from dualflow.web import absolute_url, add_error, form_status

bp = Blueprint("evaluations", __name__)

STATUS_VARIANTS = {
    EvaluationStatus.PLANNED.value: "light",
    EvaluationStatus.DRAFT.value: "info",
    EvaluationStatus.SUBMITTED.value: "warning",
    EvaluationStatus.REVIEWED.value: "success",
}


def _context_or_404(moment_id: int) -> services.MomentContext:
    moment = policy.get_or_404(db.session, current_user, EvaluationMoment, moment_id)
    return services.moment_context(db.session, moment)


def _moment_url(context: services.MomentContext, anchor: str | None = None) -> str:
    return url_for("evaluations.moment", moment_id=context.moment.id, _anchor=anchor)


def _template_helpers() -> dict:
    return {"level_labels": services.LEVEL_LABELS, "level_label": services.level_label,
            "status_label": services.status_label, "status_variants": STATUS_VARIANTS,
            "reflection_days": services.REFLECTION_LINK_DAYS}


def _page(context: services.MomentContext, *, status: int = 200, form: EvaluationForm | None = None,
          review_form: ReviewForm | None = None, send_back_form: SendBackForm | None = None,
          error: str | None = None, conflict: bool = False):
    """The evaluation page; the forms passed in keep what the user typed (after a refusal)."""
    db_session, moment = db.session, context.moment
    role = services.viewer_role(db_session, current_user, context)
    evaluation = services.evaluation_of(db_session, moment)
    scores = services.scores_of(db_session, evaluation) if evaluation else {}
    competencies = services.workplace_competencies(db_session, moment)
    editable = role == services.MENTOR and moment.status in services.EDITABLE_STATUSES
    if editable and form is None:
        form = EvaluationForm.for_competencies(competencies, formdata=None)
        if evaluation is not None:
            form.fill_from(evaluation.general_comment, evaluation.version, scores)
    if not editable and form is not None:
        # Refused because the moment moved on (submitted, reviewed): there is no form to show
        # the message in any more.
        error = " ".join([*form.form_errors, *(e for f in form for e in f.errors)]) or error
        form = None
    if conflict and form is not None and evaluation is not None:
        # The other version is stored now; saving again from here replaces it knowingly.
        form.seen_version.data = str(evaluation.version)
    reviewing = role == services.REVIEWER
    return render_template(
        "evaluations/moment.html",
        ctx=context, moment=moment, evaluation=evaluation, scores=scores,
        competencies=competencies, role=role, editable=editable, form=form,
        previous=services.previous_levels(db_session, moment), conflict=conflict,
        error=error, today=today_brussels(),
        review_form=review_form or (ReviewForm(formdata=None) if reviewing else None),
        send_back_form=send_back_form or (SendBackForm(formdata=None) if reviewing else None),
        link_form=ReflectionLinkForm(formdata=None) if reviewing else None,
        reflection_link=(services.latest_reflection_link(db_session, moment)
                         if reviewing and evaluation else None),
        **_template_helpers(),
    ), status


@bp.route("/evaluations/<int:moment_id>", methods=["GET", "POST"])
@login_required
def moment(moment_id: int):
    """An evaluation moment: the mentor fills it in (POST saves a draft), the school reviews."""
    context = _context_or_404(moment_id)
    if request.method == "GET":
        return _page(context)
    return _save(context, submit=False)


@bp.post("/evaluations/<int:moment_id>/submit")
@login_required
def submit(moment_id: int):
    """Save the mentor's form and submit it to the school in one step."""
    return _save(_context_or_404(moment_id), submit=True)


def _save(context: services.MomentContext, *, submit: bool):
    db_session, moment = db.session, context.moment
    form = EvaluationForm.for_competencies(services.workplace_competencies(db_session, moment))
    if not form.validate_on_submit():
        return _page(context, form=form, status=422)
    try:
        # Save and submit stand or fall together; a refused submission leaves the page showing
        # what is stored, not the draft that was about to be written.
        with db_session.begin_nested():
            evaluation = services.save_draft(
                db_session, actor=current_user, moment=moment, scores=form.scores(),
                comments=form.comments(), general_comment=form.general_comment.data or "",
                seen_version=form.version_seen(),
            )
            if submit:
                services.submit(db_session, actor=current_user, moment=moment,
                                seen_version=evaluation.version)
    except NotAllowed:
        abort(403)
    except ConcurrentEdit:
        return _page(context, form=form, status=409, conflict=True)
    except DomainError as error:
        add_error(form, error)
        return _page(context, form=form, status=422)
    if submit:
        flash(_("De evaluatie is ingediend. Bedankt!"), "success")
    else:
        flash(_("Het ontwerp is bewaard. Je kunt later verder invullen."), "success")
    return redirect(_moment_url(context))


@bp.post("/evaluations/<int:moment_id>/review")
@login_required
@policy.require("evaluations.review")
def review(moment_id: int):
    """The school marks a submitted evaluation reviewed, with its comment."""
    return _school_decision(
        moment_id, ReviewForm(), "review_form",
        lambda context, form: services.review(
            db.session, actor=current_user, moment=context.moment,
            school_comment=form.school_comment.data or ""),
        _("De evaluatie is nagekeken en afgesloten."),
    )


@bp.post("/evaluations/<int:moment_id>/send-back")
@login_required
@policy.require("evaluations.review")
def send_back(moment_id: int):
    """The school sends a submitted evaluation back to the mentor, with the reason."""
    return _school_decision(
        moment_id, SendBackForm(), "send_back_form",
        lambda context, form: services.send_back(
            db.session, actor=current_user, moment=context.moment,
            reason=form.reason.data or ""),
        _("De evaluatie is teruggestuurd naar de mentor, met je reden."),
    )


def _school_decision(moment_id: int, form, form_name: str, decide, done_message: str):
    """Validate the school's form, apply `decide`, and redirect, or show the page with errors."""
    context = _context_or_404(moment_id)
    if form.validate_on_submit():
        try:
            decide(context, form)
        except NotAllowed:
            abort(403)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(done_message, "success")
            return redirect(_moment_url(context))
    return _page(context, status=422, **{form_name: form})


@bp.post("/evaluations/<int:moment_id>/reflection-link")
@login_required
@policy.require("evaluations.review")
def reflection_link(moment_id: int):
    """E-mail the learner a single-use link to add a self-reflection."""
    context = _context_or_404(moment_id)
    if not ReflectionLinkForm().validate_on_submit():
        abort(400)
    try:
        raw, learner = services.issue_reflection_link(db.session, actor=current_user,
                                                      moment=context.moment)
    except NotAllowed:
        abort(403)
    except DomainError as error:
        return _page(context, status=422, error=error.message)
    _send_reflection_mail(context, raw)
    flash(_("De link voor de zelfreflectie is verstuurd naar %(email)s.", email=learner.email),
          "success")
    return redirect(_moment_url(context, "reflection"))


def _send_reflection_mail(context: services.MomentContext, raw: str) -> None:
    learner = context.learner
    link = absolute_url("evaluations.reflect", token=raw)
    values = {
        "learner": learner, "moment": context.moment, "school": context.school,
        "company": context.company, "programme": context.programme,
        "sender": current_user.full_name, "link": link,
        "days": services.REFLECTION_LINK_DAYS,
    }
    with force_locale(learner.language or "nl"):
        mail.queue(
            db.session,
            kind="self_reflection",
            to=learner.email,
            subject=render_template("mail/self_reflection.subject.txt", **values).strip(),
            text=render_template("mail/self_reflection.txt", **values),
            html=render_template("mail/self_reflection.html", **values),
        )


# --- the learner's self-reflection, through an e-mailed link (no account) ----------------------

def _link_language(learner_language: str | None) -> str:
    """The language chosen on the site, else the learner's own."""
    chosen = session.get("language")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return learner_language or current_app.config["BABEL_DEFAULT_LOCALE"]


def _refused(error: services.ReflectionLinkRefused):
    status = 404 if error.reason == "unknown" else 410
    with force_locale(_link_language(error.language)):
        # The message was translated when raised; render it again in the page's language.
        message = services.refusal_message(error.reason)
        return render_template("evaluations/reflect_refused.html", reason=error.reason,
                               message=message), status


@bp.route("/reflect/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"], scope="reflect")
def reflect(token: str):
    """The learner's self-reflection page; only the POST uses the link.

    Mail scanners that open links in advance therefore cannot use it up.
    """
    g.no_store = True
    try:
        link = services.open_reflection_link(db.session, raw=token)
    except services.ReflectionLinkRefused as error:
        return _refused(error)
    with force_locale(_link_language(link.context.learner.language)):
        form = ReflectionForm()
        if form.validate_on_submit():
            try:
                services.reflect_with_link(db.session, raw=token, text=form.text.data or "")
            except services.ReflectionLinkRefused as error:
                return _refused(error)
            except DomainError as error:
                add_error(form, error)
            else:
                return render_template("evaluations/reflect_done.html", link=link,
                                       **_template_helpers())
        status = form_status()
        return render_template("evaluations/reflect.html", link=link, form=form,
                               due_on=format_date(link.context.moment.due_on),
                               **_template_helpers()), status
