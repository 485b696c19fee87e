"""Administration screens (placeholder routes, replaced by the admin package)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
for _name in ("users", "user_invite", "schools", "sectors", "programmes", "audit"):
    bp.add_url_rule(f"/{_name}", _name, lambda: ("", 204))
