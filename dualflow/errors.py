"""Domain errors: a rule refused an action; the message is translatable and meant for the user."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the action; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this."""


class ConcurrentEdit(DomainError):
    """Somebody else saved the same record since it was loaded."""
