"""The scheduler's job view: last runs, counts, failures, history, and "run now" for admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dualflow.audit import AuditEvent
from dualflow.jobs import run_heartbeat
from dualflow.modelbase import utcnow
from dualflow.notifications.models import JobRun, Notification
from dualflow.scheduler import JOBS
from tests.admin.helpers import mails, main_html, queries_for
from tests.conftest import login


def _run(session, job: str, period: str, *, status: str = "succeeded", minutes_ago: int = 10,
         counts: dict | None = None, error: str = "") -> JobRun:
    started = utcnow() - timedelta(minutes=minutes_ago)
    run = JobRun(job=job, period=period, status=status, started_at=started,
                 finished_at=None if status == "running" else started + timedelta(seconds=2),
                 counts=counts or {}, error=error)
    session.add(run)
    session.commit()
    return run


def _runs(session, job: str) -> list[JobRun]:
    session.expire_all()
    return session.execute(select(JobRun).where(JobRun.job == job)).scalars().all()


@pytest.fixture
def history(session):
    """A day of deadline runs, one failure, and a run that died half-way."""
    _run(session, "deadlines", "2026-11-22", minutes_ago=3000,
         counts={"evaluation.reminder": 12, "evaluation.overdue": 3})
    _run(session, "deadlines", "2026-11-23", status="failed", minutes_ago=1500,
         error="OperationalError: could not connect to server")
    _run(session, "send_digests", "2026-11-23", status="running", minutes_ago=120)
    _run(session, "heartbeat", "2026-11-24T10:15", minutes_ago=1, counts={"alive": 1})


def test_the_admin_sees_every_job_with_its_last_run_and_failures(client, world, history):
    login(client, world.admin)
    page = main_html(client.get("/admin/jobs"))
    for job in JOBS:
        assert f"<code class=\"small\">{job}</code>" in page
    assert "Termijnen en herinneringen" in page
    assert "OperationalError: could not connect to server" in page
    assert "dagelijks om 06:30" in page and "elke minuut" in page
    # A run still "running" two hours later died half-way: it says so.
    assert "onderbroken" in page
    # The history opens on the job that failed, with its error text.
    assert "Geschiedenis: Termijnen en herinneringen" in page
    assert "2026-11-22" in page and "evaluation.reminder: 12" in page


def test_the_history_is_per_job_paginated_and_filters_failures(client, session, world):
    for minute in range(30):
        _run(session, "heartbeat", f"2026-11-24T09:{minute:02d}", minutes_ago=100 - minute)
    _run(session, "heartbeat", "2026-11-24T08:59", status="failed", minutes_ago=101,
         error="boom")
    login(client, world.admin)
    page = main_html(client.get("/admin/jobs?job=heartbeat"))
    assert "2026-11-24T09:29" in page and "2026-11-24T09:05" in page
    assert "2026-11-24T09:04" not in page  # page 2 (25 a page)
    assert "Pagina 1 van 2" in page
    assert "2026-11-24T09:04" in main_html(client.get("/admin/jobs?job=heartbeat&page=2"))
    failures = main_html(client.get("/admin/jobs?job=heartbeat&failed=1"))
    assert "2026-11-24T08:59" in failures and "2026-11-24T09:29" not in failures


def test_the_job_view_costs_the_same_queries_for_few_or_many_runs(app, client, session, world):
    login(client, world.admin)
    _run(session, "deadlines", "2026-11-01")
    few = queries_for(app, client, "/admin/jobs?job=deadlines")
    for day in range(2, 29):
        _run(session, "deadlines", f"2026-11-{day:02d}", minutes_ago=day)
        _run(session, "heartbeat", f"2026-11-24T10:{day:02d}", minutes_ago=day)
    assert queries_for(app, client, "/admin/jobs?job=deadlines") == few


def test_run_now_runs_the_job_and_is_audited(client, session, world):
    login(client, world.admin)
    before = len(_runs(session, "heartbeat"))
    response = client.post("/admin/jobs/heartbeat/run", follow_redirects=True)
    assert response.status_code == 200
    assert "is uitgevoerd" in response.get_data(as_text=True)
    assert len(_runs(session, "heartbeat")) == before + 1
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "job.run_now")
                            ).scalar_one()
    assert event.actor_id == world.admin.id
    assert event.changes["job"] == "heartbeat" and event.changes["outcome"] == "ran"


def test_run_now_sends_pending_mail(client, session, world, outbox):
    session.add(Notification(dedupe_key="run-now:1", user_id=world.coordinator_a.id,
                             kind="test", subject="Nu versturen"))
    session.commit()
    login(client, world.admin)
    response = client.post("/admin/jobs/deliver_pending/run", follow_redirects=True)
    assert "sent: 1" in response.get_data(as_text=True)
    assert [message["Subject"] for message in mails(outbox)] == ["Nu versturen"]


def test_run_now_never_repeats_a_period_that_is_done(client, session, world, monkeypatch):
    at = utcnow()
    monkeypatch.setitem(JOBS, "heartbeat",
                        (lambda: run_heartbeat(at), *JOBS["heartbeat"][1:]))
    login(client, world.admin)
    first = client.post("/admin/jobs/heartbeat/run", follow_redirects=True)
    assert "is uitgevoerd" in first.get_data(as_text=True)
    second = client.post("/admin/jobs/heartbeat/run", follow_redirects=True)
    assert "had niets te doen" in second.get_data(as_text=True)
    assert len(_runs(session, "heartbeat")) == 1
    outcomes = [event.changes["outcome"] for event in session.execute(
        select(AuditEvent).where(AuditEvent.action == "job.run_now").order_by(AuditEvent.id)
    ).scalars()]
    assert outcomes == ["ran", "nothing"]


def test_a_failing_job_shows_its_error(client, session, world, monkeypatch):
    def broken():
        raise RuntimeError("the SMTP server said no")

    monkeypatch.setitem(JOBS, "heartbeat", (broken, *JOBS["heartbeat"][1:]))
    login(client, world.admin)
    response = client.post("/admin/jobs/heartbeat/run", follow_redirects=True)
    assert response.status_code == 200
    assert "RuntimeError: the SMTP server said no" in response.get_data(as_text=True)
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "job.run_now")
                            ).scalar_one()
    assert event.changes["outcome"] == "failed"


def test_jobs_that_run_every_few_seconds_have_no_run_now(client, session, world):
    fast = [name for name, (_function, trigger, _start) in JOBS.items()
            if getattr(trigger, "interval", timedelta(days=1)) < timedelta(seconds=60)]
    login(client, world.admin)
    page = main_html(client.get("/admin/jobs"))
    for name in fast:
        assert f'action="/admin/jobs/{name}/run"' not in page
        assert client.post(f"/admin/jobs/{name}/run").status_code == 404
    assert 'action="/admin/jobs/deadlines/run"' in page
    assert client.post("/admin/jobs/no-such-job/run").status_code == 404


@pytest.mark.parametrize("role", ["coordinator_a", "company_user_a", "mentor_user_a",
                                  "sector_user_a"])
def test_only_admins_see_and_run_jobs(client, session, world, role):
    login(client, getattr(world, role))
    assert client.get("/admin/jobs").status_code == 403
    before = len(_runs(session, "heartbeat"))
    assert client.post("/admin/jobs/heartbeat/run").status_code == 403
    assert len(_runs(session, "heartbeat")) == before
