"""Alembic environment: the schema of dualflow comes only from these migrations."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from dualflow.config import load_config
from dualflow.models import metadata

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    """The URL given by the caller, else the application's (DUALFLOW_DATABASE_URL or SQLite)."""
    return config.get_main_option("sqlalchemy.url") or load_config()["DATABASE_URL"]


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    # Batch migrations on SQLite rebuild a table (copy, drop, rename); with foreign keys
    # enforced, dropping a table other rows refer to fails. They are switched off for the
    # migration (only possible outside a transaction) and every reference is checked before
    # the migration commits.
    sqlite = connection.dialect.name == "sqlite"
    relax = sqlite and not connection.in_transaction()
    if relax:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if relax:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"migration left broken references: {broken[:5]}")
    finally:
        if relax:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
