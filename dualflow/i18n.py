"""Language selection and the date, time and number formats the interface uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, request, session
from flask_login import current_user

BRUSSELS = ZoneInfo("Europe/Brussels")


def select_locale() -> str:
    """The chosen language, else the account's, else Dutch or French as the browser prefers."""
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    # Dutch first: a French browser gets French; English only when chosen explicitly.
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return request.accept_languages.best_match([default, "fr"], default=default)


def local_datetime(value: datetime | None) -> datetime | None:
    """A stored UTC timestamp as Brussels time (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BRUSSELS)


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, the Belgian way; empty for no date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_datetime(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Brussels time."""
    local = local_datetime(value)
    return local.strftime("%d/%m/%Y %H:%M") if local else ""


def school_year_label(year: int | None) -> str:
    """2026 -> '2026-27'."""
    return "" if year is None else f"{year}-{(year + 1) % 100:02d}"


def today_brussels() -> date:
    """Today's date in Brussels."""
    return datetime.now(BRUSSELS).date()
