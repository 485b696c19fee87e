"""The STEM-agenda indicators page, its exports and its printable PDF."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("indicators", __name__)
