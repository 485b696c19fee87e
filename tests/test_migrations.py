"""Migrations keep the data of a running installation, also where SQLite rebuilds a table."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from dualflow.migrate import check, upgrade


def test_rebuilding_the_users_table_keeps_users_and_what_refers_to_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'upgrade.sqlite'}"
    upgrade(url, "0006_deadline_indexes")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, email, full_name, role, language, digest, is_active, "
            "session_epoch, created_at) VALUES (1, 'a@example.org', 'A', 'admin', 'nl', "
            "'immediate', 1, 0, '2026-11-24 10:00:00')"))
        connection.execute(text(
            "INSERT INTO notifications (dedupe_key, user_id, email, kind, subject, body, link, "
            "entity_type, created_at) VALUES ('k', 1, '', 'test', 'Onderwerp', '', '', '', "
            "'2026-11-24 10:00:00')"))
    engine.dispose()

    upgrade(url)  # 0007 rebuilds `users` on SQLite
    check(url)

    engine = create_engine(url)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
        assert connection.execute(text("SELECT user_id FROM notifications")).scalar_one() == 1
        connection.execute(text("UPDATE users SET digest = 'none' WHERE id = 1"))
    engine.dispose()


def test_revision_ids_follow_one_style_and_no_autogenerate_markers_remain():
    """`NNNN_short_name`, at most 32 characters, numbered along the chain (migrations/README);
    the first three predate the style and keep their ids."""
    import re
    from pathlib import Path

    from alembic.script import ScriptDirectory

    from dualflow.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    chain = list(reversed(list(scripts.walk_revisions())))
    for number, script in enumerate(chain, start=1):
        revision = script.revision
        assert len(revision) <= 32, revision
        assert revision[:4] == f"{number:04d}", revision
        if number > 3:
            assert re.fullmatch(r"\d{4}_[a-z0-9]+(_[a-z0-9]+)*", revision), revision
        text = Path(script.path).read_text(encoding="utf-8")
        assert "please adjust" not in text and "end Alembic commands" not in text, script.path
