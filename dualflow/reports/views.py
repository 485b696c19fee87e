"""Progress reports: one PDF on demand, and ZIP batches built in the background."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
