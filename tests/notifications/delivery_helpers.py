"""Helpers of the delivery tests: notification rows, a real SMTP server on loopback, mails."""

from __future__ import annotations

import email
import itertools
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from dualflow.notifications.models import Notification

# A Tuesday morning in Brussels (08:00 UTC is 09:00 there).
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

_keys = itertools.count(1)


def add_notification(session, *, user=None, email: str = "", subject: str = "Onderwerp",
                     body: str = "", link: str = "", created_at: datetime = NOW,
                     entity_type: str = "", entity_id: int | None = None,
                     **fields) -> Notification:
    """A notification row as the deadline rules would leave it (committed)."""
    row = Notification(
        dedupe_key=fields.pop("dedupe_key", f"test:{next(_keys)}"),
        user_id=user.id if user is not None else None,
        email="" if user is not None else email,
        kind=fields.pop("kind", "test.reminder"),
        subject=subject, body=body, link=link, created_at=created_at,
        entity_type=entity_type, entity_id=entity_id, **fields,
    )
    session.add(row)
    session.commit()
    return row


def reload(session, notification: Notification) -> Notification:
    """The row as the database has it now."""
    session.expire_all()
    return session.execute(
        select(Notification).where(Notification.id == notification.id)).scalar_one()


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """An aiosmtpd handler that keeps what it receives and can refuse on demand."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.connections = 0
        self.refused_recipients: set[str] = set()
        self.data_reply: str | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(app, monkeypatch) -> Iterator[tuple[SmtpSink, Controller]]:
    """A real SMTP server on 127.0.0.1 with the app configured to use it."""
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USERNAME", None)
    try:
        yield sink, controller
    finally:
        controller.stop()


@pytest.fixture
def smtp(app, monkeypatch):
    """The SMTP sink of a server running for this test."""
    with smtp_server(app, monkeypatch) as (sink, _controller):
        yield sink


def text_part(message: EmailMessage) -> str:
    """The plain-text body."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    """The HTML body."""
    return message.get_body(preferencelist=("html",)).get_content()
