"""'Run now' on the embedded SQLite database: the job's writes and the request's audit row
take turns on the one database file instead of failing with "database is locked".

The application here has a file database of its own that commits for real, as in development:
the job works in sessions (connections) of its own, beside the request's.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.extensions import db
from dualflow.migrate import upgrade
from dualflow.notifications.models import JobRun, Notification
from tests import factories
from tests.clients import isolated_client
from tests.conftest import login


@pytest.fixture
def file_app(tmp_path, make_app):
    url = f"sqlite:///{tmp_path / 'dualflow.sqlite'}"
    upgrade(url)
    application = make_app({
        "TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path), "OUTBOX_DIR": str(tmp_path / "outbox"),
        "WTF_CSRF_ENABLED": False, "BASE_URL": "http://dualflow.test",
    })
    with application.app_context(), db.sessionmaker() as session:
        world = factories.World.build(session)
        for n in range(3):
            session.add(Notification(dedupe_key=f"run-now:{n}", user_id=world.coordinator_a.id,
                                     kind="test", subject=f"Nu versturen {n}"))
        session.commit()
        application.admin_email = world.admin.email
    yield application
    with application.app_context():
        db.get_engine().dispose()


@pytest.mark.parametrize("job", ["deliver_pending", "deadlines", "send_digests", "heartbeat"])
def test_run_now_on_a_file_database_runs_the_job_and_records_it(file_app, job):
    client = isolated_client(file_app)
    login(client, type("Admin", (), {"email": file_app.admin_email})())
    # What an admin does: look at the jobs, then press "run now".
    assert client.get(f"/admin/jobs?job={job}").status_code == 200
    response = client.post(f"/admin/jobs/{job}/run")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with file_app.app_context(), db.sessionmaker() as session:
        runs = session.execute(select(JobRun).where(JobRun.job == job)).scalars().all()
        assert [run.status for run in runs] in ([], ["succeeded"])
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "job.run_now")).scalar_one()
        assert event.changes["outcome"] == ("ran" if runs else "nothing")
        if job == "deliver_pending":
            pending = session.execute(
                select(Notification).where(Notification.emailed_at.is_(None))).all()
            assert pending == []


def test_a_posted_change_waits_for_another_writer_instead_of_failing(file_app):
    """A form post that reads first and writes later, while the scheduler commits in between:
    on SQLite the post's transaction holds the write lock from its start, so the other writer
    waits (busy timeout) and both succeed."""
    from sqlalchemy import update

    from dualflow.accounts.models import User

    other_done = threading.Event()
    failures: list[BaseException] = []

    def scheduler_writes() -> None:
        try:
            with file_app.app_context(), db.sessionmaker() as other:
                other.execute(update(Notification).values(subject="door de planner"))
                other.commit()
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            other_done.set()

    with file_app.test_request_context("/admin/users/1/deactivate", method="POST"), \
            db.sessionmaker() as request_session:
        admin = request_session.execute(
            select(User).where(User.email == file_app.admin_email)).scalar_one()
        thread = threading.Thread(target=scheduler_writes)
        thread.start()
        other_done.wait(0.5)
        request_session.add(AuditEvent(actor_id=admin.id, actor_label=admin.email,
                                       action="test.write", entity_type="users",
                                       entity_id=admin.id, changes={}, ip=""))
        request_session.commit()
    thread.join(10)
    assert failures == []
    with file_app.app_context(), db.sessionmaker() as session:
        subjects = set(session.execute(select(Notification.subject)).scalars())
        assert subjects == {"door de planner"}
