"""One way out for mail: written in the request's transaction, sent only after its commit."""

from __future__ import annotations

import re
import smtplib
from pathlib import Path

import pytest
from flask import abort, has_request_context
from sqlalchemy import select

import dualflow
from dualflow import mail
from dualflow.mail import Mailer
from dualflow.notifications import delivery
from dualflow.notifications.models import OutboxMessage
from tests.admin.helpers import mails, main_html
from tests.clients import isolated_client
from tests.conftest import login

UNKNOWN = "niemand@nergens.example"


def _outbox_rows(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


@pytest.fixture
def smtp_down(monkeypatch) -> list[bool]:
    """Every send fails as if the server hung up; records whether it ran inside a request."""
    calls: list[bool] = []

    def broken(self, message) -> None:
        calls.append(has_request_context())
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(Mailer, "send", broken)
    return calls


def _ask(app, path: str, address: str):
    client = isolated_client(app)
    response = client.post(path, data={"email": address})
    page = client.get(response.location) if response.status_code == 302 else None
    return response, page


@pytest.mark.parametrize(("path", "who"), [("/password/forgot", "coordinator_a"),
                                           ("/login/link", "mentor_user_a")])
def test_a_broken_smtp_server_neither_fails_nor_tells_known_from_unknown_addresses(
        app, session, world, outbox, smtp_down, monkeypatch, path, who):
    known, known_page = _ask(app, path, getattr(world, who).email)
    unknown, unknown_page = _ask(app, path, UNKNOWN)
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location
    assert known.get_data() == unknown.get_data()
    assert known_page.status_code == unknown_page.status_code == 200
    assert main_html(known_page) == main_html(unknown_page)
    # The attempt was made, after the response, outside the request.
    assert smtp_down == [False]
    [row] = _outbox_rows(session)
    assert row.recipient == getattr(world, who).email
    assert row.sent_at is None and row.failed_at is None and row.claimed_at is None
    assert row.attempts == 1 and "SMTPServerDisconnected" in row.last_error
    assert mails(outbox) == []

    # The server is back: the scheduler's next delivery run sends the mail, once.
    monkeypatch.undo()
    run = delivery.deliver_pending()
    assert run.status == "succeeded" and run.counts == {"outbox_sent": 1}
    [message] = mails(outbox)
    assert message["To"] == getattr(world, who).email
    [row] = _outbox_rows(session)
    assert row.sent_at is not None and row.attempts == 2
    # The links in it were single-use: they are not kept once the mail is out.
    assert row.text_body == "" and row.html_body == ""
    assert delivery.deliver_pending() is None


def test_a_mail_leaves_right_after_the_commit_and_is_kept_without_its_link(
        app, session, world, outbox):
    response = isolated_client(app).post("/password/forgot",
                                         data={"email": world.coordinator_a.email})
    assert response.status_code == 302
    [message] = mails(outbox)
    assert message["To"] == world.coordinator_a.email
    assert "/password/reset/" in message.get_body(("plain",)).get_content()
    [row] = _outbox_rows(session)
    assert row.kind == "password_reset" and row.sent_at is not None and row.attempts == 1
    assert row.text_body == "" and row.html_body == ""


def test_an_invitation_whose_request_fails_is_never_sent(app, session, world, outbox,
                                                         monkeypatch):
    client = isolated_client(app)
    login(client, world.admin)

    def fail_after_the_mail(*_args, **_kwargs):
        abort(500)

    # Something goes wrong after the invitation mail was written: the request rolls back.
    monkeypatch.setattr("dualflow.admin.views.flash", fail_after_the_mail)
    response = client.post("/admin/users/invite", data={
        "email": "nieuw@school-a.example", "full_name": "Nina Nieuw", "role": "coordinator",
        "school_id": world.school_a.id, "language": "nl",
    })
    assert response.status_code == 500
    assert _outbox_rows(session) == []
    assert mails(outbox) == []
    assert delivery.deliver_pending() is None
    assert mails(outbox) == []


def test_only_the_delivery_talks_to_smtp():
    package = Path(dualflow.__file__).parent
    allowed = {package / "mail.py", package / "notifications" / "delivery.py"}
    talking = [str(path.relative_to(package)) for path in package.rglob("*.py")
               if path not in allowed
               and re.search(r"\bsmtplib\b|\bMailer\b|\bsend_mail\b|mail\.send\(",
                             path.read_text(encoding="utf-8"))]
    assert talking == []


def test_the_planner_shows_the_written_mails_the_delivery_job_sent_and_gave_up(
        app, session, world, outbox, monkeypatch):
    for subject in ("Goed", "Onmogelijk"):
        mail.queue(session, kind="test", to="iemand@school.example", subject=subject,
                   text="Tekst")
    session.commit()
    real = mail.build_message

    def build(**kwargs):
        if kwargs["subject"] == "Onmogelijk":
            raise ValueError("cannot compose this one")
        return real(**kwargs)

    monkeypatch.setattr(mail, "build_message", build)
    client = isolated_client(app)
    login(client, world.admin)
    response = client.post("/admin/jobs/deliver_pending/run", follow_redirects=True)
    assert "outbox_failed: 1, outbox_sent: 1" in response.get_data(as_text=True)
    history = client.get("/admin/jobs?job=deliver_pending")
    assert "outbox_failed: 1, outbox_sent: 1" in main_html(history)
