"""Evaluation screens: the mentor's form, the school's review, the learner's self-reflection."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("evaluations", __name__)


@bp.get("/evaluations/<int:moment_id>")
@login_required
def moment(moment_id: int):
    """Placeholder until the evaluation form lands."""
    from flask import abort

    abort(404)
