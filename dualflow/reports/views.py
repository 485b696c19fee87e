"""Progress reports: one PDF on demand, and ZIP batches built in the background."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dualflow import policy
from dualflow.errors import DomainError
from dualflow.extensions import db
from dualflow.forms import options
from dualflow.i18n import school_year_label, today_brussels
from dualflow.modelbase import utcnow
from dualflow.pagination import paginate
from dualflow.reports import batches
from dualflow.reports.forms import BatchForm
from dualflow.reports.progress import (
    ReportRenderer,
    progress_report_data,
    report_filename,
    report_language,
)
from dualflow.trajectories.models import Trajectory
from dualflow.trajectories.services import school_year_of
from dualflow.web import add_error

bp = Blueprint("reports", __name__)


def _private(response):
    # Personal data of (mostly minor) learners: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/trajectories/<int:trajectory_id>/progress-report.pdf")
@login_required
@policy.require("trajectories.view")
def progress_report(trajectory_id: int):
    """The trajectory's progress report as PDF, in the language of the interface."""
    trajectory = policy.get_or_404(db.session, current_user, Trajectory, trajectory_id)
    data = progress_report_data(db.session, trajectory.id, viewer=current_user)
    content = ReportRenderer().render(data, language=report_language(str(get_locale())))
    return _private(send_file(BytesIO(content), mimetype="application/pdf",
                              download_name=report_filename(data), as_attachment=False,
                              max_age=0))


# --- batches -------------------------------------------------------------------------------

def _require_coordinator() -> None:
    policy.guard("reports.request")


def _batch_or_404(batch_id: int):
    _require_coordinator()
    batch = batches.batch_or_none(db.session, current_user, batch_id)
    if batch is None:
        abort(404)
    return batch


def _batch_form() -> BatchForm:
    choices = batches.choices_for(db.session, current_user)
    form = BatchForm()
    form.school_year.choices = options((year, school_year_label(year))
                                       for year in choices.school_years)
    form.programme_id.choices = options([(0, _("Alle opleidingen")), *choices.programmes])
    form.class_group.choices = options([("", _("Alle klassen")),
                                        *((name, name) for name in choices.class_groups)])
    if form.school_year.data is None and choices.school_years:
        current = school_year_of(today_brussels())
        form.school_year.data = (current if current in choices.school_years
                                 else choices.school_years[0])
    return form


@bp.route("/reports/batches", methods=["GET", "POST"])
@login_required
def batch_index():
    """Ask for a ZIP of progress reports, and follow this school's batches."""
    _require_coordinator()
    form = _batch_form()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                batch = batches.request_batch(
                    db.session, actor=current_user, school_year=form.school_year.data,
                    programme_id=form.programme_id.data or None,
                    class_group=form.class_group.data or "",
                    language=str(get_locale()))
            except DomainError as error:
                add_error(form, error)
            else:
                flash(_("De ZIP met %(count)d voortgangsrapporten wordt gemaakt. Je kunt deze "
                        "pagina verlaten; de ZIP blijft hier klaar staan.",
                        count=batch.total_count), "success")
                return redirect(url_for("reports.batch_index"))
        status = 422
    page = paginate(db.session, batches.batches_statement(current_user), scalars=False)
    now = utcnow()
    rows = [{"batch": batch, "programme_name": programme_name, "requested_by": requested_by,
             "progress": batches.progress_of(batch, now)}
            for batch, programme_name, requested_by in page.items]
    return render_template("reports/batches.html", form=form, page=page, rows=rows,
                           variants=batches.STATUS_VARIANTS), status


@bp.get("/reports/batches/<int:batch_id>.json")
@login_required
def batch_progress(batch_id: int):
    """The batch's progress, for the page's polling script."""
    batch = _batch_or_404(batch_id)
    progress = batches.progress_of(batch)
    if progress["status"] == batches.DONE:
        progress["download_url"] = url_for("reports.batch_download", batch_id=batch.id)
    response = jsonify(progress)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/batches/<int:batch_id>/download")
@login_required
def batch_download(batch_id: int):
    """The finished ZIP of a batch of this school."""
    batch = _batch_or_404(batch_id)
    document = batches.zip_document(db.session, batch)
    if document is None:
        abort(404)
    return _private(send_file(BytesIO(document.content), mimetype=document.media_type,
                              download_name=document.filename, as_attachment=True, max_age=0))
