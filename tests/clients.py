"""An HTTP test client whose every request runs in its own application context.

The shared `_isolated` fixture keeps one application context open for the whole test, so with
the plain test client `g` (flask-login's cached user, the request's database session, the
chosen locale) would carry over from one request to the next, even between two different
clients: an anonymous client would see the user another client just signed in. Production
gives every request a fresh context; this client does the same.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    """A test client that pushes a new application context around each request."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
            if "Content-Length" in response.headers:
                # A server closes a response once it has sent it, which runs the work the app
                # left for after the response (its mails); the test client leaves that to the
                # caller. Streamed bodies stay open, for tests that read them in parts.
                response.make_sequence()
                response.close()
            return response


def isolated_client(app: Flask, **kwargs) -> IsolatedClient:
    """A new cookie-keeping client for `app`."""
    return IsolatedClient(app, app.response_class, use_cookies=True, **kwargs)


def joined_app(make_app, app: Flask, session, monkeypatch, **overrides) -> Flask:
    """A second application (from the `make_app` fixture) with the test app's settings plus
    `overrides`, whose requests join this test's rolled-back transaction like the main app's."""
    from dualflow.extensions import db

    keys = ("DATABASE_URL", "SECRET_KEY", "INSTANCE_PATH", "OUTBOX_DIR", "BASE_URL",
            "WTF_CSRF_ENABLED")
    application = make_app({"TESTING": True, **{key: app.config[key] for key in keys},
                            **overrides})
    with app.app_context():
        connection = db.engine.connect()  # the test's connection (see tests/conftest.py)
    with application.app_context():
        monkeypatch.setitem(db.sessionmaker.kw, "bind", connection)
        monkeypatch.setitem(db.sessionmaker.kw, "join_transaction_mode", "create_savepoint")
    return application
