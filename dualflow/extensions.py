"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask import has_request_context, request
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

db = SQLAlchemy(session_options={"class_": Session, "expire_on_commit": False})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address, headers_enabled=False)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Enforce foreign keys and use WAL on SQLite, which are off by default."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        # Let SQLAlchemy issue BEGIN itself, so that transactions and savepoints behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


# Requests that change something; their transactions on SQLite take the write lock up front.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _changing_request() -> bool:
    return has_request_context() and request.method not in _SAFE_METHODS


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """On SQLite a transaction that read first cannot write once another connection has
    committed meanwhile: it fails at once with "database is locked" instead of waiting. A
    state-changing request therefore starts with the write lock (BEGIN IMMEDIATE): other
    writers wait for it (busy timeout) and it waits for them. Page views read without it, so
    they never block each other or a writer."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _changing_request() else "BEGIN")


def client_ip() -> str | None:
    """The caller's address as the WSGI server saw it (ProxyFix adjusts it behind a proxy)."""
    try:
        return request.remote_addr
    except RuntimeError:
        return None
