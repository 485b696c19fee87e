"""Outgoing e-mail over SMTP, or into an outbox folder when no SMTP server is configured."""

from __future__ import annotations

import re
import smtplib
import ssl
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from types import TracebackType

from flask import current_app

# Many servers refuse more messages than this on one connection; a fresh one is opened first.
MESSAGES_PER_CONNECTION = 100
# A connection idle for longer than this may have been dropped by the server: check it (NOOP)
# before the next message instead of finding out half-way through sending it.
IDLE_CHECK_SECONDS = 30

# Control characters (line breaks included) cannot stand in a header; whatever stored text
# holds, a header gets spaces instead, never a refusal to compose.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def single_line(value: str) -> str:
    """The text fit for a one-line header: control characters become spaces."""
    return _CONTROL.sub(" ", value or "")


def build_message(*, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A MIME message with a text part and, when given, an HTML alternative."""
    message = EmailMessage()
    message["From"] = single_line(current_app.config["MAIL_FROM"])
    message["To"] = single_line(to)
    message["Subject"] = single_line(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="dualflow.local")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    try:
        if config.get("SMTP_STARTTLS"):
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _write_to_outbox(config, message: EmailMessage) -> None:
    outbox = Path(config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    (outbox / name).write_bytes(bytes(message))


class Mailer:
    """Sends several messages over one SMTP connection, opened on first use; use with `with`.

    A failed send raises and is never retried here: whether the server kept a message it
    failed to confirm is unknown, so the caller decides (see notifications/delivery.py).
    """

    def __init__(self) -> None:
        self.config = current_app.config
        self._smtp: smtplib.SMTP | None = None
        self._sent_on_connection = 0
        self._last_used = 0.0

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None and self._sent_on_connection >= MESSAGES_PER_CONNECTION:
            self.close()
        if self._smtp is not None and time.monotonic() - self._last_used > IDLE_CHECK_SECONDS:
            try:
                self._smtp.noop()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
                self._smtp = None
        if self._smtp is None:
            self._smtp = _connect(self.config)
            self._sent_on_connection = 0
        return self._smtp

    def send(self, message: EmailMessage) -> None:
        """Deliver one message over SMTP when DUALFLOW_SMTP_HOST is set, else into the outbox."""
        if not self.config.get("SMTP_HOST"):
            _write_to_outbox(self.config, message)
            return
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            # The connection is unusable; the next message gets a new one.
            self._smtp = None
            smtp.close()
            raise
        except smtplib.SMTPRecipientsRefused:
            # The connection itself is fine: smtplib reset the transaction already.
            raise
        except smtplib.SMTPException:
            # After a refused MAIL or DATA the transaction may be half open: start afresh.
            self.close()
            raise
        self._sent_on_connection += 1
        self._last_used = time.monotonic()

    def close(self) -> None:
        """Say goodbye to the server (when connected)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send(message: EmailMessage) -> None:
    """Deliver over SMTP when DUALFLOW_SMTP_HOST is set, else write an .eml file to the outbox."""
    with Mailer() as mailer:
        mailer.send(message)


def send_mail(*, to: str, subject: str, text: str, html: str | None = None) -> None:
    """Build and send one message."""
    send(build_message(to=to, subject=subject, text=text, html=html))
