"""The home page: a dashboard per role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from dualflow.dashboard.services import overview_for
from dualflow.extensions import db
from dualflow.i18n import today_brussels

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def home():
    """The signed-in user's dashboard."""
    template, context = overview_for(db.session, current_user, today=today_brussels())
    return render_template(template, **context)
