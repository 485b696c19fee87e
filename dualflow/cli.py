"""Command-line tools: `flask --app wsgi <command>`."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from sqlalchemy import text

from dualflow.accounts import services as accounts
from dualflow.demo import DEMO_PASSWORD, DEMO_USERS, load_demo, load_scale
from dualflow.extensions import db
from dualflow.migrate import check, upgrade
from dualflow.scheduler import run_scheduler


def analyse_tables() -> None:
    """Refresh the query planner's statistics after a bulk load.

    Without them SQLite picks, e.g., the status index of 100 000 agreements instead of the
    trajectory's own placements, and a page that takes milliseconds takes seconds.
    """
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def register_cli(app: Flask) -> None:
    """Attach dualflow's commands to the Flask CLI."""

    @app.cli.group("db")
    def db_group() -> None:
        """Database schema (Alembic migrations)."""

    @db_group.command("upgrade")
    def db_upgrade() -> None:
        """Apply every pending migration."""
        upgrade(current_app.config["DATABASE_URL"])
        click.echo("Database schema is up to date.")

    @db_group.command("check")
    def db_check() -> None:
        """Fail when the models and the migrations disagree."""
        check(current_app.config["DATABASE_URL"])
        click.echo("No schema drift.")

    @app.cli.command("demo")
    @click.option("--scale", type=int, default=0,
                  help="Also generate this many extra learners, with everything in proportion.")
    def demo(scale: int) -> None:
        """Load the demo data set (idempotent) and print the demo log-ins."""
        started = time.perf_counter()
        load_demo()
        if scale:
            load_scale(scale, progress=click.echo)
            analyse_tables()
        click.echo(f"Demo data ready in {time.perf_counter() - started:.1f} s.")
        click.echo(f"Demo log-ins (password: {DEMO_PASSWORD}):")
        for email, role in DEMO_USERS:
            click.echo(f"  {role:<12} {email}")

    @app.cli.command("scheduler")
    def scheduler() -> None:
        """Run the scheduler process (exactly one per installation; SIGTERM stops it cleanly)."""
        click.echo("dualflow scheduler running; Ctrl-C or SIGTERM stops it.")
        run_scheduler(current_app._get_current_object())
        click.echo("Scheduler stopped.")

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create a platform administrator (the first account of a new installation)."""
        with db.sessionmaker() as session:
            accounts.create_admin(session, email=email, full_name=name, password=password)
            session.commit()
        click.echo(f"Administrator {email} created.")
