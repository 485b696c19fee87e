"""The notification centre, the user's notification settings and the private calendar feed."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from dualflow.extensions import db, limiter
from dualflow.i18n import today_brussels
from dualflow.notifications import delivery, feeds
from dualflow.notifications.forms import MailFrequencyForm
from dualflow.pagination import paginate
from dualflow.web import form_status

bp = Blueprint("notifications", __name__)


def _unread_for_current_user() -> int:
    """The bell's number: one indexed COUNT per request, only when a page shows the bell."""
    if not has_request_context() or not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = delivery.unread_count(db.session, current_user)
    return g.unread_notifications


@bp.app_context_processor
def notification_bell() -> dict:
    """Templates call `unread_notifications()`; mails and pages without the bell never query."""
    return {"unread_notifications": _unread_for_current_user, "bell_cap": delivery.BELL_CAP}


def _me():
    """The signed-in user itself (the audit trail records the row, not the proxy)."""
    return current_user._get_current_object()


def _own_or_404(notification_id: int):
    notification = delivery.own_notification(db.session, current_user, notification_id)
    if notification is None:
        abort(404)
    return notification


def _back_to_list() -> str:
    """The list page the action was started from (a path of this site), else the list."""
    target = delivery.safe_link(request.form.get("next"))
    if target and target.startswith(url_for("notifications.index")):
        return target
    return url_for("notifications.index")


@bp.get("/notifications")
@login_required
def index():
    """The user's notifications, unread first, each linking to what it is about."""
    unread_only = request.args.get("show") == "unread"
    page = paginate(db.session, delivery.notification_list(current_user, unread_only=unread_only))
    return render_template("notifications/index.html", page=page, unread_only=unread_only,
                           safe_link=delivery.safe_link)


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark the notification read and go to what it is about (only paths of this site)."""
    notification = _own_or_404(notification_id)
    delivery.mark_read(db.session, user=_me(), notification=notification)
    return redirect(delivery.safe_link(notification.link) or url_for("notifications.index"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    """Mark one notification read and stay on the list."""
    notification = _own_or_404(notification_id)
    delivery.mark_read(db.session, user=_me(), notification=notification)
    return redirect(_back_to_list())


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    """Mark every unread notification read."""
    changed = delivery.mark_all_read(db.session, user=_me())
    if changed:
        flash(ngettext("%(num)d melding gemarkeerd als gelezen.",
                       "%(num)d meldingen gemarkeerd als gelezen.", changed), "success")
    return redirect(url_for("notifications.index"))


def _settings_page(form: MailFrequencyForm, *, new_feed_url: str | None = None,
                   status: int = 200):
    return render_template(
        "notifications/settings.html", form=form, new_feed_url=new_feed_url,
        feed_active=current_user.calendar_token_hash is not None,
    ), status


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    """How often mails come, and the private calendar feed."""
    form = MailFrequencyForm(frequency=current_user.digest)
    if form.validate_on_submit():
        if delivery.set_mail_frequency(db.session, user=_me(),
                                       frequency=form.frequency.data):
            flash(_("Je keuze voor e-mails is bewaard."), "success")
        return redirect(url_for("notifications.settings"))
    return _settings_page(form, status=form_status())


@bp.post("/notifications/settings/calendar")
@login_required
def create_feed():
    """Make a new private feed URL and show it this once (only its hash is kept)."""
    raw = feeds.create_feed_token(db.session, user=_me())
    # The page holds a secret: no browser or proxy may keep a copy.
    g.no_store = True
    return _settings_page(MailFrequencyForm(formdata=None, frequency=current_user.digest),
                          new_feed_url=feeds.feed_url(raw))


@bp.post("/notifications/settings/calendar/revoke")
@login_required
def revoke_feed():
    """Stop the private feed URL from working."""
    if feeds.revoke_feed_token(db.session, user=_me()):
        flash(_("De agendalink werkt niet meer. Maak een nieuwe als je er weer een nodig hebt."),
              "success")
    return redirect(url_for("notifications.settings"))


def _feed_key() -> str:
    return (request.view_args or {}).get("token", "")


@bp.get("/calendar/<token>.ics")
@limiter.limit("30 per hour", key_func=_feed_key, scope="calendar-feed")
@limiter.limit("600 per hour", scope="calendar-feed-address")
def calendar_feed(token: str):
    """A user's deadlines as iCalendar, for calendar apps (no log-in: the token is the key)."""
    user = feeds.feed_owner(db.session, token)
    if user is None:
        abort(404)
    body = feeds.build_feed(db.session, user, today=today_brussels())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="dualflow.ics"'
    # Private to the one who holds the URL; calendar apps refresh it now and then anyway.
    response.headers["Cache-Control"] = "private, max-age=900"
    return response
