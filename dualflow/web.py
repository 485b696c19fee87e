"""Plumbing every feature's screens share: refused actions on forms, the status of a form page,
where a browser may be sent next, and the full URLs that mails and feeds carry.

Views import these from here; no feature's views module provides them for another.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, request

from dualflow.errors import DomainError

__all__ = ["absolute_url", "add_error", "app_path", "form_status", "safe_next"]


# --- forms ---------------------------------------------------------------------------------

def add_error(form, error: DomainError, *, prefix: str = "",
              shown: tuple[str, ...] | None = None) -> None:
    """Show a refused action on the form field it concerns, else at the top of the form.

    `prefix` names the field of a sub-form first ("site_" + field), then the plain field;
    `shown` lists the fields the page actually shows (a message for a hidden field goes on top).
    """
    name = error.field
    field = _field(form, prefix + name) if name else None
    if field is None and name and prefix:
        field = _field(form, name)
    if field is not None and (shown is None or name in shown):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _field(form, name: str):
    return form._fields.get(name)  # a field only, never another attribute of the form


def form_status() -> int:
    """200 for a first display of a form page, 422 when a submitted form is shown again."""
    return 422 if request.method == "POST" else 200


# --- where a browser may go next -----------------------------------------------------------

def _unsafe(target: str) -> bool:
    # Browsers read a backslash as a slash and drop tabs and newlines, so "/\\evil",
    # "/\t/evil" and "//evil" all lead to the host "evil".
    if "\\" in target or any(ord(char) < 32 or 127 <= ord(char) < 160 for char in target):
        return True
    parts = urlsplit(target)
    return bool(parts.scheme or parts.netloc) or not target.startswith("/") or (
        target.startswith("//")
    )


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path of this site, else None: the one check for every redirect
    whose destination comes from the request (a `next` field, a link stored with a message).

    The decoded form is checked too: "/%2F%2Fevil" is refused, since a proxy or a second hop
    that decodes the path would turn it into "//evil".
    """
    if not target or not isinstance(target, str):
        return None
    if _unsafe(target) or _unsafe(unquote(target)):
        return None
    return target


# --- URLs outside the browser's current page -----------------------------------------------

def _build(endpoint: str, values: dict[str, Any], root: str) -> str:
    # Bound to no request: a page, a job of the scheduler and the CLI build the same path.
    return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def app_path(endpoint: str, **values: Any) -> str:
    """The path of `endpoint` under the application's root (APPLICATION_ROOT), the same with
    or without a request: what a stored notification link holds."""
    return _build(endpoint, values, current_app.config.get("APPLICATION_ROOT") or "/")


def absolute_url(endpoint: str, **values: Any) -> str:
    """The full URL of `endpoint` for a mail, a calendar or a link to paste elsewhere.

    Built from DUALFLOW_BASE_URL (config BASE_URL, which carries any path prefix such as
    https://school.example/dualflow), never from the request, so a page, a job of the scheduler
    and the CLI give the same link.
    """
    return current_app.config["BASE_URL"] + _build(endpoint, values, "/")
