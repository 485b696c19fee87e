"""Settings: safe defaults for development, overridden by DUALFLOW_* environment variables."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# When the scheduler chases deadlines (dualflow.notifications.rules). A school overrides the
# evaluation and agreement entries in `School.reminder_offsets`, a sector the recognition and
# mentor-training entries in `Sector.reminder_offsets`; a key left out keeps this default.
DEFAULT_REMINDER_OFFSETS: dict[str, object] = {
    # Days before an evaluation's due date on which its mentor is reminded.
    "evaluation_reminder_days": [7, 1],
    # Days past the due date after which the coordinator, then the school's escalation
    # contact, is told that the evaluation is still missing.
    "evaluation_overdue_days": 3,
    "evaluation_escalation_days": 14,
    # Parties who have not signed are reminded every this many days.
    "signature_reminder_every_days": 3,
    # Training days without a signed agreement after which the coordinator is warned.
    "agreement_warning_training_days": [15, 20],
    # Days before a recognition's `valid_until` on which company, sector and schools are told.
    "recognition_expiry_days": [90, 30],
    # Days before the mentor-training deadline on which mentor and company are told (0: that day).
    "mentor_training_days": [30, 0],
}
INSTANCE_DIR = Path(os.environ.get("DUALFLOW_INSTANCE_PATH", PROJECT_ROOT / "instance"))


class ConfigurationError(RuntimeError):
    """Raised when the application cannot start with the given settings."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"DUALFLOW_{name}")
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key(instance_dir: Path) -> str:
    """Generate the development secret key once and keep it in instance/."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask configuration from defaults, the environment and explicit overrides."""
    overrides = dict(overrides or {})
    env = overrides.get("ENV_NAME") or _env("ENV", "development")
    instance_dir = Path(overrides.get("INSTANCE_PATH") or INSTANCE_DIR)
    production = env == "production"

    database_url = overrides.get("DATABASE_URL") or _env("DATABASE_URL")
    secret_key = overrides.get("SECRET_KEY") or _env("SECRET_KEY")
    if production:
        missing = []
        if not secret_key:
            missing.append(
                "DUALFLOW_SECRET_KEY (a long random string, e.g. `openssl rand -hex 32`)"
            )
        if not database_url:
            missing.append(
                "DUALFLOW_DATABASE_URL (e.g. postgresql+psycopg://user:password@host:5432/dualflow)"
            )
        if missing:
            raise ConfigurationError(
                "dualflow refuses to start in production without: " + "; ".join(missing)
            )
    if not database_url:
        instance_dir.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance_dir / 'dualflow.sqlite'}"
    if not secret_key:
        secret_key = _development_secret_key(instance_dir)

    config = {
        "ENV_NAME": env,
        "INSTANCE_PATH": str(instance_dir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "BASE_URL": (_env("BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        "BABEL_DEFAULT_LOCALE": _env("LOCALE", "nl"),
        "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
        "LANGUAGES": ["nl", "fr", "en"],
        "MAIL_FROM": _env("MAIL_FROM", "dualflow <no-reply@dualflow.local>"),
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(_env("SMTP_PORT", "587") or 587),
        "SMTP_USERNAME": _env("SMTP_USERNAME"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", True),
        "OUTBOX_DIR": _env("OUTBOX_DIR", str(instance_dir / "outbox")),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URL", "memory://"),
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0") or 0),
        "LOGIN_ATTEMPTS_PER_MINUTE": int(_env("LOGIN_ATTEMPTS_PER_MINUTE", "5") or 5),
        "PASSWORD_RESET_HOURS": 2,
        "INVITATION_DAYS": 14,
        "PAGE_SIZE": 25,
        # A signed agreement is due within this many training days (DOMAIN.md, Agreement).
        "AGREEMENT_DEADLINE_TRAINING_DAYS": int(
            _env("AGREEMENT_DEADLINE_TRAINING_DAYS", "20") or 20
        ),
        "REMINDER_OFFSETS": dict(DEFAULT_REMINDER_OFFSETS),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # "Stay signed in" lasts this many days; a session without it ends after the hours
        # below, however busy it is kept. Both end at log-out, on the server.
        "REMEMBER_DAYS": int(_env("REMEMBER_DAYS", "30") or 30),
        "SESSION_MAX_HOURS": int(_env("SESSION_MAX_HOURS", "12") or 12),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Agreements (DOMAIN.md, Agreement): an internship is under this many hours a week
        # (exclusive), an alternating training or part-time employment at least the minimum. The
        # learning allowance of an alternating training is the table `allowance_rates`.
        "AGREEMENT_INTERNSHIP_MAX_HOURS": float(_env("AGREEMENT_INTERNSHIP_MAX_HOURS", "20") or 20),
        "AGREEMENT_MIN_HOURS_ALTERNATING": float(
            _env("AGREEMENT_MIN_HOURS_ALTERNATING", "20") or 20
        ),
        # How long an e-mailed signature link stays valid.
        "AGREEMENT_SIGNATURE_DAYS": int(_env("AGREEMENT_SIGNATURE_DAYS", "14") or 14),
        "TESTING": False,
    }
    config.update(overrides)
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=config["REMEMBER_DAYS"]))
    # An explicit engine setting (pool size, timeouts) wins; otherwise the URL with defaults.
    config.setdefault("SQLALCHEMY_ENGINES", {"default": config["DATABASE_URL"]})
    return config
