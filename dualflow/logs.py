"""Access logs without secrets: token segments of e-mailed links and feeds are blanked."""

from __future__ import annotations

import logging
import re

from flask import Flask

REDACTED = "[token]"
# The loggers that write request paths: the development server's and gunicorn's access and
# error logs, and the application's own (Flask logs "Exception on <path>" there).
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "dualflow")


class TokenRedactingFilter(logging.Filter):
    """Replaces the secret segment of every token path in a log record by `[token]`."""

    def __init__(self, prefixes: list[str]) -> None:
        super().__init__()
        # A token ends where the path segment ends; ".ics" and the like go with it.
        alternatives = "|".join(re.escape(prefix) for prefix in sorted(set(prefixes)))
        self.pattern = re.compile(rf"({alternatives})[^/?#\s\"'\\\x1b]+") if prefixes else None

    def redact(self, value: object) -> object:
        """`value` with token segments blanked, when it is text; otherwise as it is."""
        if self.pattern is None or not isinstance(value, str):
            return value
        return self.pattern.sub(rf"\1{REDACTED}", value)

    def filter(self, record: logging.LogRecord) -> bool:
        """Blank the message and its arguments; the record itself is always kept."""
        record.msg = self.redact(record.msg)
        if isinstance(record.args, dict):
            # gunicorn passes its atoms as one dict of its own class: change it in place.
            for key, value in list(record.args.items()):
                if isinstance(value, str):
                    dict.__setitem__(record.args, key, self.redact(value))
        elif isinstance(record.args, tuple):
            record.args = tuple(self.redact(value) for value in record.args)
        return True


def token_path_prefixes(app: Flask) -> list[str]:
    """The fixed part before `<token>` of every route that carries a secret in its path."""
    prefixes = []
    for rule in app.url_map.iter_rules():
        if "token" in rule.arguments:
            prefix = rule.rule.split("<token>", 1)[0]
            if "<" not in prefix:
                prefixes.append(prefix)
    return prefixes


def install_token_redaction(app: Flask) -> None:
    """Keep link and feed tokens out of the request logs of every server the app runs under."""
    redacting = TokenRedactingFilter(token_path_prefixes(app))
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        # Building the app again (tests, the CLI) replaces the filter instead of stacking it.
        for old in [f for f in logger.filters if isinstance(f, TokenRedactingFilter)]:
            logger.removeFilter(old)
        logger.addFilter(redacting)
