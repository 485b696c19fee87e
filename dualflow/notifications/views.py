"""The notification centre, the user's notification settings and the private calendar feed."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__)
