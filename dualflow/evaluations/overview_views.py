"""The coordinator's overview of evaluations: filtered, paginated, scoped."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluation_overview", __name__)
