"""dualflow: the administration of duaal leren for schools, companies and sectors."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

from flask import Flask, g, has_request_context, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from werkzeug.middleware.proxy_fix import ProxyFix

from dualflow import audit, i18n, mail, policy
from dualflow.accounts.services import load_user_for_session
from dualflow.accounts.views import bp as accounts_bp
from dualflow.admin.views import bp as admin_bp
from dualflow.agreements.views import bp as agreements_bp
from dualflow.agreements.views import signing_bp
from dualflow.cli import register_cli
from dualflow.companies.services import company_display_name
from dualflow.companies.views import bp as companies_bp
from dualflow.config import PROJECT_ROOT, load_config
from dualflow.dashboard.views import bp as dashboard_bp
from dualflow.evaluations.overview_views import bp as evaluation_overview_bp
from dualflow.evaluations.views import bp as evaluations_bp
from dualflow.extensions import babel, bootstrap, csrf, db, limiter, login_manager
from dualflow.i18n import select_locale
from dualflow.indicators.views import bp as indicators_bp
from dualflow.integers import BoundedIntegerConverter
from dualflow.learners.views import bp as learners_bp
from dualflow.logs import install_token_redaction
from dualflow.navigation import ROLE_LABELS, menu_for, organisation_name
from dualflow.notifications.views import bp as notifications_bp
from dualflow.recognitions.views import bp as recognitions_bp
from dualflow.reports.views import bp as reports_bp
from dualflow.trajectories.council_views import bp as council_bp
from dualflow.trajectories.views import bp as trajectories_bp

logger = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the web application; `config` overrides settings (tests use it)."""
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    _init_extensions(app)
    _register_url_converters(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_error_pages(app)
    _register_template_helpers(app)
    install_token_redaction(app)
    register_cli(app)
    if not app.debug and not app.testing:
        # Our own messages at INFO; libraries (WeasyPrint's per-page progress, Alembic, the
        # scheduler's per-run lines) only when something is wrong.
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("dualflow").setLevel(logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    # dualflow uses no async sessions; the extension's async teardown would otherwise start an
    # event loop (through asgiref) at the end of every request.
    app.teardown_appcontext_funcs[:] = [
        function
        for function in app.teardown_appcontext_funcs
        if not inspect.iscoroutinefunction(function)
    ]
    csrf.init_app(app)
    def locale_selector() -> str:
        # Services also run from the CLI and the scheduler, where no request (and no user) is.
        if not has_request_context():
            return app.config["BABEL_DEFAULT_LOCALE"]
        return select_locale()

    babel.init_app(
        app,
        locale_selector=locale_selector,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    bootstrap.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Meld je aan om deze pagina te bekijken.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_for_session)


def _register_url_converters(app: Flask) -> None:
    # Before any route exists: every `<int:...>` then refuses ids the database cannot hold.
    app.url_map.converters["int"] = BoundedIntegerConverter


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(accounts_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(companies_bp)
    app.register_blueprint(recognitions_bp)
    app.register_blueprint(agreements_bp, url_prefix="/agreements")
    app.register_blueprint(signing_bp)
    app.register_blueprint(trajectories_bp)
    app.register_blueprint(council_bp)
    app.register_blueprint(learners_bp)
    app.register_blueprint(evaluations_bp)
    app.register_blueprint(evaluation_overview_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(indicators_bp)

    @app.get("/healthz")
    def healthz():
        """Liveness and database reachability, for load balancers and monitoring."""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as error:
            db.session.rollback()
            # The reason names hosts and ports: it is for the operator's log, not the caller.
            logger.warning("health check: database unreachable: %s",
                           str(error).splitlines()[0][:300])
            return jsonify(status="error", database="error"), 503
        return jsonify(status="ok", database="ok")

    csrf.exempt(healthz)
    limiter.exempt(healthz)


def _register_request_hooks(app: Flask) -> None:
    @app.after_request
    def commit_or_roll_back(response):
        """One commit per request: kept when the response succeeded, undone otherwise.

        A refused request keeps only the audit events that record the refused attempt itself
        (`audit.record_kept`), written after the rollback.
        """
        if "sqlalchemy" not in app.extensions:
            return response
        session = db.session
        if response.status_code < 400:
            session.commit()
            # The request's mails leave after its commit, once the response has gone out.
            mail.send_after_response(response)
        else:
            session.rollback()
            if audit.add_kept_events(session):
                session.commit()
        return response

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if app.config["ENV_NAME"] == "production":
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if "no-store" not in response.headers.get("Cache-Control", "") and (
            getattr(g, "no_store", False)
            or request.endpoint in _NO_STORE_ENDPOINTS
            or _signed_in()
        ):
            response.headers["Cache-Control"] = "no-store"
        return response


# Anonymous pages that still carry a secret or a personal form.
_NO_STORE_ENDPOINTS = ("accounts.login", "accounts.reset_password", "accounts.accept_invitation")
# Files that are the same for everyone; asking for the user there would cost a query.
_SHARED_ENDPOINTS = ("static", "bootstrap.static")


def _signed_in() -> bool:
    """Whether this response goes to a signed-in user (whose pages no cache may keep)."""
    if request.endpoint in _SHARED_ENDPOINTS:
        return False
    return bool(current_user.is_authenticated)


def _register_error_pages(app: Flask) -> None:
    def page(status: int):
        def handler(error):
            code = status
            if code >= 500:
                # A failed flush leaves the session unusable, and the page itself queries (the
                # menu, the organisation name); nothing of this request is kept anyway.
                db.session.rollback()
                if isinstance(getattr(error, "original_exception", None), IntegrityError):
                    # Services check uniqueness first; this is the race of two simultaneous
                    # saves, which deserves "try again", not "something broke".
                    code = 409
            if request.path.startswith("/healthz") or request.accept_mimetypes.best == (
                "application/json"
            ):
                return jsonify(status=code), code
            return render_template("errors/error.html", status=code, error=error), code

        return handler

    for status in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(status, page(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", status=400, error=error, csrf=True), 400


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["date"] = i18n.format_date
    app.jinja_env.filters["datetime"] = i18n.format_datetime
    app.jinja_env.filters["school_year"] = i18n.school_year_label
    app.jinja_env.globals["can"] = policy.can
    app.jinja_env.globals["may"] = policy.may
    app.jinja_env.globals["company_display_name"] = company_display_name
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def layout_context():
        context = {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
        # Mails are rendered by the scheduler too, where no request (and no user) is.
        if has_request_context() and current_user.is_authenticated:
            context.update(
                navigation=menu_for(current_user.role),
                role_label=ROLE_LABELS.get(current_user.role, current_user.role),
                organisation_name=organisation_name(db.session, current_user),
            )
        return context
