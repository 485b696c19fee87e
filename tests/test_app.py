"""The application starts, reports its health and refuses unsafe production settings."""

from __future__ import annotations

import logging

import pytest

from dualflow.config import ConfigurationError
from tests.conftest import login


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_database_is_unreachable(tmp_path, make_app, caplog):
    app = make_app(
        {
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    with caplog.at_level(logging.WARNING, logger="dualflow"):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    # Anonymous callers learn that the database is down, not where it lives.
    assert response.json == {"status": "error", "database": "error"}
    body = response.get_data(as_text=True)
    assert "127.0.0.1" not in body and ":1" not in body and "nobody" not in body
    # The reason goes to the server's log.
    assert any("127.0.0.1" in record.getMessage() for record in caplog.records)


def test_production_refuses_to_start_without_secret_key_and_database(
    monkeypatch, tmp_path, make_app
):
    monkeypatch.setenv("DUALFLOW_ENV", "production")
    monkeypatch.delenv("DUALFLOW_SECRET_KEY", raising=False)
    monkeypatch.delenv("DUALFLOW_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError) as refused:
        make_app({"INSTANCE_PATH": str(tmp_path)})
    assert "DUALFLOW_SECRET_KEY" in str(refused.value)
    assert "DUALFLOW_DATABASE_URL" in str(refused.value)


def test_development_secret_key_is_generated_once(monkeypatch, tmp_path, make_app):
    monkeypatch.delenv("DUALFLOW_SECRET_KEY", raising=False)
    first = make_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = make_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").exists()


def test_production_cookies_are_secure(monkeypatch, tmp_path, make_app):
    monkeypatch.setenv("DUALFLOW_ENV", "production")
    app = make_app(
        {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.location


def test_each_role_sees_its_dashboard(client, world):
    expectations = [
        (world.admin, "Platformbeheer"),
        (world.coordinator_a, "Campus A"),
        (world.company_user_a, "Bouw A"),
        (world.mentor_user_a, "Mijn lerenden"),
        (world.sector_user_a, "Bouw"),
    ]
    for user, heading in expectations:
        login(client, user)
        page = client.get("/")
        assert page.status_code == 200
        assert heading in page.get_data(as_text=True)
        client.post("/logout")


def test_simultaneous_duplicate_save_gives_conflict_page_not_500(app, client, world, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from dualflow.accounts import services

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def racing_login(*_args, **_kwargs):
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    monkeypatch.setattr(services, "authenticate", racing_login)
    response = client.post("/login", data={"email": world.admin.email, "password": "x"})
    assert response.status_code == 409
    assert "Tegelijk gewijzigd" in response.get_data(as_text=True)
