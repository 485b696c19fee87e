"""Outgoing e-mail: written to the outbox table in the request's transaction, sent after it.

Every mail of the application leaves the same way. `queue` adds an `OutboxMessage` row to the
caller's transaction; nothing talks to SMTP before that transaction is committed, so a request
that fails sends nothing, and no SMTP trouble can fail a request. Once the request's response
has gone out, its mails are tried at once (`send_after_response`); what fails waits for the
scheduler's delivery run every minute (`deliver_outbox`), with the same exactly-once steps:

1. claim: `UPDATE ... SET claimed_at = now WHERE id = ... AND claimed_at IS NULL RETURNING`,
   committed on its own, so of two senders exactly one gets the row;
2. send it over SMTP (or into the outbox folder when no SMTP server is configured);
3. mark it sent and clear its bodies (they may hold single-use links); on a temporary failure
   release the claim for the next run, and give up once it is `GIVE_UP_AFTER` old (a run
   stops at the first failure, so during an outage only the oldest mail is tried each minute:
   a count of attempts would drop it after minutes, its age does not). A message that cannot
   be composed, or whose recipient the server refuses for good, is marked failed at once and
   never stops the others.

A process killed between its claim and the server's answer leaves the row claimed and unsent:
at most once, as for notifications (sending again could mean sending twice).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from types import TracebackType

from flask import Flask, Response, current_app, g, has_app_context
from sqlalchemy import select, update
from sqlmodel import Session

from dualflow.extensions import db
from dualflow.modelbase import utcnow
from dualflow.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

# Many servers refuse more messages than this on one connection; a fresh one is opened first.
MESSAGES_PER_CONNECTION = 100
# A connection idle for longer than this may have been dropped by the server: check it (NOOP)
# before the next message instead of finding out half-way through sending it.
IDLE_CHECK_SECONDS = 30
# A written mail the server keeps refusing for a passing reason is given up at this age: the
# links it carries have expired by then (as notifications, see notifications.delivery).
GIVE_UP_AFTER = timedelta(days=7)
# Written mails read per query by a delivery run.
OUTBOX_CHUNK = 200

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
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    # Written whole, then renamed: whoever reads the folder never sees half a mail.
    partial = outbox / f"{name}.part"
    partial.write_bytes(bytes(message))
    partial.replace(outbox / f"{name}.eml")


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


def refused_for_good(error: Exception) -> bool:
    """Whether the server rejected the recipient permanently (retrying cannot help)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _message in error.recipients.values())
    return False


# --- the outbox ----------------------------------------------------------------------------


def queue(session: Session, *, kind: str, to: str, subject: str, text: str,
          html: str | None = None) -> OutboxMessage:
    """Write one mail in the caller's transaction; it leaves only after that is committed."""
    row = OutboxMessage(kind=kind, recipient=to, subject=single_line(subject)[:300],
                        text_body=text, html_body=html or "")
    session.add(row)
    session.flush()
    if has_app_context():
        g.setdefault("queued_mail", []).append(row.id)
    return row


def send_after_response(response: Response) -> Response:
    """After the request's commit: try its mails once the response has gone out.

    Never before: the caller must not wait for SMTP round trips (nor tell from the time they
    take whether an address has an account), and no SMTP failure may change the response.
    """
    ids = g.pop("queued_mail", None)
    if ids:
        app = current_app._get_current_object()
        response.call_on_close(lambda: _send_now(app, ids))
    return response


def _send_now(app: Flask, ids: list[int]) -> None:
    # Runs when the server closes the response, outside the request and its context.
    try:
        with app.app_context():
            send_queued(ids)
    except Exception:
        log.exception("mails %s not sent after the request; the delivery run retries", ids)


def send_queued(ids: Iterable[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send these written mails now if nobody did; what happened, counted."""
    counts: Counter = Counter()
    with db.sessionmaker() as session, Mailer() as mailer:
        deliver_outbox(session, mailer, counts, now=now, ids=list(ids))
    return dict(counts)


def _pending():
    return (OutboxMessage.claimed_at.is_(None), OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None))


def has_pending(session: Session) -> bool:
    """Whether some written mail waits to be sent."""
    return session.execute(select(OutboxMessage.id).where(*_pending()).limit(1)).first() is not None


def deliver_outbox(session: Session, mailer: Mailer, counts: Counter, *,
                   now: datetime | None = None, ids: list[int] | None = None) -> str | None:
    """Send the pending written mails (or those of `ids`), each at most once.

    Counts `outbox_sent` and `outbox_failed`; returns the error that stopped the run when the
    server is in trouble (that mail stays pending for the next run), else None.
    """
    now = now or utcnow()
    last_id = 0
    while True:
        statement = (select(OutboxMessage.id).where(*_pending(), OutboxMessage.id > last_id)
                     .order_by(OutboxMessage.id).limit(OUTBOX_CHUNK))
        if ids is not None:
            statement = statement.where(OutboxMessage.id.in_(ids))
        batch = list(session.execute(statement).scalars())
        # End the read before claiming: on SQLite a transaction that read first and writes
        # later fails at once when another process wrote in between.
        session.commit()
        if not batch:
            return None
        last_id = batch[-1]
        for row_id in batch:
            error = _send_one(session, mailer, row_id, counts, now)
            if error:
                return error


def _settle(session: Session, row_id: int, **values) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
                    .execution_options(synchronize_session=False))
    session.commit()


def _send_one(session: Session, mailer: Mailer, row_id: int, counts: Counter,
              now: datetime) -> str | None:
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, *_pending())
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.text_body,
                   OutboxMessage.html_body, OutboxMessage.attempts, OutboxMessage.created_at)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    if claimed is None:
        return None  # sent, failed or being sent by another run meanwhile
    recipient, subject, text, html, attempts, created_at = claimed
    try:
        message = build_message(to=recipient, subject=subject, text=text, html=html or None)
        mailer.send(message)
    except (smtplib.SMTPException, OSError) as error:
        reason = f"{type(error).__name__}: {error}"
        if not refused_for_good(error) and now - created_at < GIVE_UP_AFTER:
            _settle(session, row_id, claimed_at=None, last_error=reason[:1000])
            log.warning("mail %s not sent, stays pending: %s", row_id, reason)
            return reason
        _settle(session, row_id, failed_at=now, last_error=reason[:1000])
        counts["outbox_failed"] += 1
        log.warning("mail %s given up after %s attempts: %s", row_id, attempts, reason)
        return None
    except Exception as error:
        # It cannot be composed (or sent) the way it is stored: trying again cannot help.
        reason = f"{type(error).__name__}: {error}"
        _settle(session, row_id, failed_at=now, last_error=reason[:1000])
        counts["outbox_failed"] += 1
        log.exception("mail %s could not be composed, marked failed", row_id)
        return None
    # The bodies may hold single-use links: not kept once the mail is out.
    _settle(session, row_id, sent_at=now, text_body="", html_body="")
    counts["outbox_sent"] += 1
    return None
