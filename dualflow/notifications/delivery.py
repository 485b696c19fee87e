"""Delivering notifications: the in-app centre, one e-mail at once, or a daily digest.

Notifications are created elsewhere (`services.notify`, by the deadline rules); this module
only reads them, marks them read and mails them. The same run every minute also sends the
mails written to the outbox (`dualflow.mail`) that were not sent right after their request.

Exactly once, as far as SMTP allows. SMTP is not transactional: a mail cannot be sent in the
same transaction as the row that records it. The order chosen here never sends twice:

1. claim: `UPDATE ... SET emailed_at = now WHERE id IN (...) AND emailed_at IS NULL
   RETURNING id`, committed on its own. Of two runs (two schedulers, or "run now" beside the
   scheduler) exactly one claims a row; the other gets nothing back and skips it.
2. send what was claimed: one mail per notification for users who want mail at once, one
   mail per address without an account (everything the run has for it), one digest per user
   a day.
3. on an SMTP failure, clear the claim (`emailed_at = NULL`) in its own commit and stop the
   run: the next run (every minute; the digest: "run now" or the next start-up) sends it.
   A recipient the server refuses for good (5xx on RCPT) is not retried; that is counted
   and logged. A message that cannot be composed from what is stored is counted as failed,
   logged and left claimed; it never stops the others.

The one case left: a process killed between its claim and the server's answer. That mail is
not sent again (at most once); the notification stays in the recipient's notification centre.
Sending it again instead would risk a double mail after every crash, which is what the
scheduler must never do.

Mails older than `MAIL_WINDOW` are not sent any more (after a long downtime only what is
still relevant goes out), nor are notifications the user has read in the app meanwhile; both
stay in the notification centre. The window also keeps every query an index range over
recent rows.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from functools import partial
from urllib.parse import quote

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from sqlalchemy import and_, func, or_, select, update
from sqlmodel import Session

from dualflow import audit, mail
from dualflow.accounts.models import User
from dualflow.accounts.services import SIGN_IN_LINK_MINUTES, issue_sign_in_link
from dualflow.agreements.models import Signature
from dualflow.extensions import db
from dualflow.i18n import BRUSSELS, format_date
from dualflow.jobs import run_once
from dualflow.mail import Mailer, build_message, refused_for_good
from dualflow.modelbase import MailFrequency, Role, utcnow
from dualflow.notifications.models import JobRun, Notification
from dualflow.web import app_path, safe_next

log = logging.getLogger(__name__)

IMMEDIATE, DAILY, NO_MAIL = (MailFrequency.IMMEDIATE.value, MailFrequency.DAILY.value,
                             MailFrequency.NONE.value)
LANGUAGES = ("nl", "fr", "en")

# Unsent mails older than this are left in the notification centre only.
MAIL_WINDOW = timedelta(days=7)
# Pending rows (or users, or addresses) read per query; the run goes on chunk after chunk.
CHUNK = 200
# Ids per UPDATE when claiming many rows at once (well under every bound-parameter limit).
CLAIM_CHUNK = 500
# A digest lists at most this many items; the rest are counted, with a link to the centre.
DIGEST_MAX_ITEMS = 50
# An address without an account has no centre to read the rest in: its mail lists more.
ADDRESS_MAX_ITEMS = 300
# The bell counts unread notifications up to this number and shows "99+" beyond.
BELL_CAP = 100


class DeliveryFailed(RuntimeError):
    """Some mails could not be sent; they stay pending and the next run tries again."""


# --- the notification centre -------------------------------------------------------------


def unread_count(session: Session, user: User, *, cap: int = BELL_CAP) -> int:
    """The user's unread notifications, counted up to `cap` (one indexed query)."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(cap)
        .subquery()
    )
    return session.execute(select(func.count()).select_from(unread)).scalar_one()


def notification_list(user: User, *, unread_only: bool = False):
    """The user's own notifications, unread first, newest first within each group."""
    statement = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(
        Notification.read_at.is_(None).desc(),
        Notification.created_at.desc(),
        Notification.id.desc(),
    )


def own_notification(session: Session, user: User, notification_id: int) -> Notification | None:
    """The notification if it is addressed to `user` (nobody, admins included, sees others')."""
    return session.execute(
        select(Notification).where(Notification.id == notification_id,
                                   Notification.user_id == user.id)
    ).scalar_one_or_none()


def safe_link(link: str | None) -> str | None:
    """The notification's link when it is a path of this site, else None (never another host)."""
    return safe_next(link)


def mark_read(session: Session, *, user: User, notification: Notification,
              now: datetime | None = None) -> bool:
    """Mark one notification read (audited); False when it was read already."""
    if notification.read_at is not None:
        return False
    notification.read_at = now or utcnow()
    session.add(notification)
    audit.record(session, actor=user, action="notification.read", entity=notification)
    return True


def mark_all_read(session: Session, *, user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the user read, in one statement; how many changed."""
    changed = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        audit.record(session, actor=user, action="notification.read_all", entity=user,
                     changes={"notifications": changed})
    return changed


def set_mail_frequency(session: Session, *, user: User, frequency: str) -> bool:
    """Choose immediate mails, a daily digest or no mails (audited); False when unchanged."""
    if frequency not in {f.value for f in MailFrequency}:
        raise ValueError(f"unknown mail frequency {frequency!r}")
    if user.digest == frequency:
        return False
    audit.record(session, actor=user, action="user.mail_frequency", entity=user,
                 changes={"digest": [user.digest, frequency]})
    user.digest = frequency
    session.add(user)
    return True


# --- rendering the mails -----------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Absolute URLs every mail of a run needs, built once."""

    base: str
    centre_path: str
    settings_path: str

    @classmethod
    def build(cls) -> Links:
        """From DUALFLOW_BASE_URL, also outside a request (the scheduler has none)."""
        return cls(base=current_app.config["BASE_URL"],
                   centre_path=app_path("notifications.index"),
                   settings_path=app_path("notifications.settings"))

    @property
    def centre(self) -> str:
        """The notification centre's full URL."""
        return self.base + self.centre_path

    @property
    def settings(self) -> str:
        """The full URL of the page where the user chooses how often mails come."""
        return self.base + self.settings_path

    def absolute(self, link: str | None) -> str | None:
        """The full URL of an app-relative link; None for anything else."""
        path = safe_link(link)
        return self.base + path if path else None


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]


class SignInLinks:
    """One single-use sign-in link per mentor per run.

    Issuing a link invalidates the user's earlier unused ones, so a mentor with three mails in
    one run gets the same link in all three (the first tap uses it; the mails also carry the
    plain link, which works after a normal log-in).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._issued: dict[int, str] = {}

    def for_user(self, user: User | None, target: str | None) -> str | None:
        """A link that signs a mentor in and opens `target`; None for everybody else."""
        if user is None or user.role != Role.MENTOR or not target:
            return None
        if user.id not in self._issued:
            self._issued[user.id] = issue_sign_in_link(self.session, user=user)
        return f"{self._issued[user.id]}?next={quote(target, safe='/')}"


def _render(template: str, language: str, **context) -> tuple[str, str]:
    # Also from the scheduler, without a request: the mails use no page helpers.
    with force_locale(language):
        return (render_template(f"mail/{template}.txt", **context),
                render_template(f"mail/{template}.html", **context))


def notification_mail(notification: Notification, *, to: str, user: User | None,
                      language: str, links: Links, sign_in: str | None):
    """The e-mail for one notification, in `language` (subject and body are already in it)."""
    context = {
        "notification": notification,
        "user": user,
        "link": links.absolute(notification.link),
        "sign_in_link": sign_in,
        "sign_in_minutes": SIGN_IN_LINK_MINUTES,
        "links": links,
    }
    text, html = _render("notification", language, **context)
    return build_message(to=to, subject=notification.subject, text=text, html=html)


def digest_mail(user: User | None, notifications: list[Notification], *, day: str,
                links: Links, sign_in: str | None = None, to: str = "",
                language: str | None = None):
    """Several notifications in one mail: a user's daily digest, or what one run has for an
    address without an account (a school's escalation contact), in the recipient's language.
    """
    language = _language(user.language if user is not None else language)
    shown = notifications[:DIGEST_MAX_ITEMS if user is not None else ADDRESS_MAX_ITEMS]
    items = [(item, links.absolute(item.link)) for item in shown]
    context = {
        "user": user,
        "items": items,
        "more": len(notifications) - len(shown),
        "day": format_date(date.fromisoformat(day)),
        "sign_in_link": sign_in,
        "sign_in_minutes": SIGN_IN_LINK_MINUTES,
        "links": links,
    }
    text, html = _render("digest", language, **context)
    with force_locale(language):
        subject = ngettext("dualflow: %(num)d nieuwe melding",
                           "dualflow: %(num)d nieuwe meldingen", len(notifications))
    return build_message(to=user.email if user is not None else to, subject=subject,
                         text=text, html=html)


# --- claiming and sending ------------------------------------------------------------------


def _end_reading(session: Session) -> None:
    """End the read transaction before writing (the objects read stay usable).

    On SQLite a transaction that read first and writes later fails at once ("database is
    locked") when another process wrote in between; one that starts with its write waits
    for the lock instead. Claims therefore always open a transaction of their own.
    """
    session.commit()


def _claim(session: Session, notification_ids: Iterable[int], now: datetime) -> list[int]:
    """Mark these rows mailed if nobody did; the ids this call marked. Not yet committed."""
    ids = list(notification_ids)
    claimed: list[int] = []
    for start in range(0, len(ids), CLAIM_CHUNK):
        claimed.extend(session.execute(
            update(Notification)
            .where(Notification.id.in_(ids[start:start + CLAIM_CHUNK]),
                   Notification.emailed_at.is_(None))
            .values(emailed_at=now)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        ).scalars())
    return claimed


def _release(session: Session, notification_ids: list[int]) -> None:
    """Undo a claim whose mail was not sent, so that the next run sends it."""
    for start in range(0, len(notification_ids), CLAIM_CHUNK):
        session.execute(
            update(Notification)
            .where(Notification.id.in_(notification_ids[start:start + CLAIM_CHUNK]))
            .values(emailed_at=None).execution_options(synchronize_session=False)
        )
    session.commit()


@dataclass
class Outcome:
    """What one run did, for the JobRun counts and the admin view."""

    counts: Counter
    errors: list[str]

    def finish(self) -> dict[str, int]:
        """The counts, or DeliveryFailed when some mails must wait for the next run."""
        if self.errors:
            raise DeliveryFailed(f"{len(self.errors)} not sent, retried next run "
                                 f"({dict(self.counts)}): {self.errors[0]}")
        return dict(self.counts)


def _send_claimed(session: Session, mailer: Mailer, claimed: list[int],
                  compose: Callable[[], EmailMessage], outcome: Outcome, *,
                  sent_key: str) -> bool:
    """Compose and send one message for rows claimed (and committed).

    False when the run must stop: the server is in trouble, try again next run. A message
    that cannot be composed stays claimed (it would fail the same way every minute), is
    counted as failed and logged; the run goes on with the others.
    """
    try:
        message = compose()
    except Exception:
        outcome.counts["failed"] += 1
        log.exception("mail for notifications %s could not be composed, not sent", claimed)
        return True
    try:
        mailer.send(message)
    except (smtplib.SMTPException, OSError) as error:
        if refused_for_good(error):
            outcome.counts["refused"] += 1
            log.warning("mail for notifications %s refused for good, not retried: %s",
                        claimed, error)
            return True
        _release(session, claimed)
        outcome.errors.append(f"{type(error).__name__}: {error}")
        log.warning("mail for notifications %s not sent, stays pending: %s", claimed, error)
        return False
    outcome.counts[sent_key] += 1
    outcome.counts["notifications"] += len(claimed)
    return True


def _waiting_for_mail(now: datetime):
    """Not mailed, not read in the app meanwhile (no point mailing it), and recent enough."""
    return and_(Notification.emailed_at.is_(None), Notification.read_at.is_(None),
                Notification.created_at >= now - MAIL_WINDOW, Notification.created_at <= now)


def _has_pending(session: Session, now: datetime, condition) -> bool:
    return session.execute(
        select(Notification.id)
        .outerjoin(User, User.id == Notification.user_id)
        .where(_waiting_for_mail(now), condition)
        .limit(1)
    ).first() is not None


# Users who want their mail at once (the rest: daily digest, no mail, or deactivated).
_USERS_AT_ONCE = and_(User.is_active.is_(True), User.digest == IMMEDIATE)
# Everything deliver_pending sends: those users, and addresses without an account.
_AT_ONCE = or_(Notification.user_id.is_(None), _USERS_AT_ONCE)


def _signature_languages(session: Session, rows: list[Notification]) -> dict[tuple, str]:
    """The language of signers without an account, from their signature request."""
    agreement_ids = {row.entity_id for row in rows
                     if row.user_id is None and row.entity_type == "agreements" and row.entity_id}
    if not agreement_ids:
        return {}
    found = session.execute(
        select(Signature.agreement_id, Signature.signer_email, Signature.language)
        .where(Signature.agreement_id.in_(agreement_ids)).order_by(Signature.id)
    ).all()
    return {(agreement_id, email.lower()): language for agreement_id, email, language in found}


def _mail_users_at_once(session: Session, mailer: Mailer, now: datetime, links: Links,
                        outcome: Outcome) -> None:
    """One mail per notification for users who want mail at once."""
    sign_in = SignInLinks(session)
    last_id = 0
    while not outcome.errors:
        rows = session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(_waiting_for_mail(now), Notification.id > last_id, _USERS_AT_ONCE)
            .order_by(Notification.id).limit(CHUNK)
        ).all()
        if not rows:
            return
        last_id = rows[-1][0].id
        _end_reading(session)
        for notification, user in rows:
            claimed = _claim(session, [notification.id], now)
            if not claimed:
                # Commit, not roll back: a rollback would expire the rows read, and
                # reloading them would start with a read again (see _end_reading).
                session.commit()
                outcome.counts["taken_by_other_run"] += 1
                continue
            # The claim and the sign-in link the mail carries are committed before the
            # mail leaves: a mail never points at a link that does not exist.
            link = sign_in.for_user(user, safe_link(notification.link))
            session.commit()
            compose = partial(notification_mail, notification, to=user.email, user=user,
                              language=_language(user.language), links=links, sign_in=link)
            if not _send_claimed(session, mailer, claimed, compose, outcome, sent_key="sent"):
                return


def _mail_addresses(session: Session, mailer: Mailer, now: datetime, links: Links,
                    outcome: Outcome) -> None:
    """One mail per address without an account, with everything this run has for it.

    A school's escalation contact can have dozens of overdue evaluations on one morning;
    one mail listing them all, not dozens of mails.
    """
    bare = and_(_waiting_for_mail(now), Notification.user_id.is_(None))
    address = func.lower(Notification.email)
    addresses = list(session.execute(
        select(address).where(bare).group_by(address).order_by(address)).scalars())
    day = now.astimezone(BRUSSELS).date().isoformat()
    for start in range(0, len(addresses), CHUNK):
        if outcome.errors:
            return
        batch = addresses[start:start + CHUNK]
        rows = session.execute(
            select(Notification).where(bare, address.in_(batch))
            .order_by(Notification.created_at, Notification.id)
        ).scalars().all()
        languages = _signature_languages(session, rows)
        _end_reading(session)
        by_address: dict[str, list[Notification]] = defaultdict(list)
        for row in rows:
            by_address[row.email.lower()].append(row)
        for items in by_address.values():
            claimed = set(_claim(session, [row.id for row in items], now))
            session.commit()
            if len(claimed) < len(items):
                outcome.counts["taken_by_other_run"] += len(items) - len(claimed)
            items = [row for row in items if row.id in claimed]
            if not items:
                continue
            language = next((languages[key] for row in items
                             if (key := (row.entity_id, row.email.lower())) in languages), None)
            if len(items) == 1:
                compose = partial(notification_mail, items[0], to=items[0].email, user=None,
                                  language=_language(language), links=links, sign_in=None)
            else:
                compose = partial(digest_mail, None, items, day=day, links=links,
                                  to=items[0].email, language=language)
            if not _send_claimed(session, mailer, sorted(claimed), compose, outcome,
                                 sent_key="sent"):
                return


def _deliver_body(session: Session, now: datetime) -> dict[str, int]:
    outcome = Outcome(Counter(), [])
    links = Links.build()
    with Mailer() as mailer:
        # Written mails first: invitations and links that someone is waiting for.
        error = mail.deliver_outbox(session, mailer, outcome.counts, now=now)
        if error:
            outcome.errors.append(error)
        if not outcome.errors:
            _mail_users_at_once(session, mailer, now, links, outcome)
        if not outcome.errors:
            _mail_addresses(session, mailer, now, links, outcome)
    _end_reading(session)
    return outcome.finish()


def deliver_pending(now: datetime | None = None) -> JobRun | None:
    """Send every pending written mail and every pending notification that goes out at once
    (the retry of mails not sent right after their request); None when there is none.

    Runs every minute. A run that has something to send is recorded as a JobRun for that
    minute (the admin view shows counts and failures); an empty minute leaves no trace.
    """
    now = now or utcnow()
    with db.sessionmaker() as session:
        if not mail.has_pending(session) and not _has_pending(session, now, _AT_ONCE):
            return None
    return run_once("deliver_pending", now.strftime("%Y-%m-%dT%H:%M"), _deliver_body, now=now)


# --- the daily digest ----------------------------------------------------------------------


def _brussels_day_start(now: datetime) -> datetime:
    day = now.astimezone(BRUSSELS).date()
    return datetime.combine(day, time.min, tzinfo=BRUSSELS).astimezone(UTC)


_DAILY = and_(User.is_active.is_(True), User.digest == DAILY)


def _digest_body(session: Session, now: datetime) -> dict[str, int]:
    outcome = Outcome(Counter(), [])
    links = Links.build()
    sign_in = SignInLinks(session)
    day = now.astimezone(BRUSSELS).date().isoformat()
    waiting = _waiting_for_mail(now)
    user_ids = list(session.execute(
        select(Notification.user_id).join(User, User.id == Notification.user_id)
        .where(waiting, _DAILY)
        .group_by(Notification.user_id).order_by(Notification.user_id)
    ).scalars())
    with Mailer() as mailer:
        for start in range(0, len(user_ids), CHUNK):
            if outcome.errors:
                break
            chunk = user_ids[start:start + CHUNK]
            users = {user.id: user for user in session.execute(
                select(User).where(User.id.in_(chunk))).scalars()}
            # One digest per user per day: whoever got mail today (an earlier attempt of
            # this run that failed half-way) waits until tomorrow.
            mailed_today = set(session.execute(
                select(Notification.user_id).distinct()
                .where(Notification.emailed_at >= _brussels_day_start(now),
                       Notification.user_id.in_(chunk))
            ).scalars())
            pending: dict[int, list[Notification]] = defaultdict(list)
            for row in session.execute(
                select(Notification)
                .where(Notification.user_id.in_(set(chunk) - mailed_today), waiting)
                .order_by(Notification.created_at, Notification.id)
            ).scalars():
                pending[row.user_id].append(row)
            outcome.counts["skipped_already_mailed"] += len(mailed_today & set(chunk))
            _end_reading(session)
            for user_id in chunk:
                rows = pending.get(user_id)
                if not rows:
                    continue
                user = users[user_id]
                claimed = set(_claim(session, [row.id for row in rows], now))
                if not claimed:
                    session.commit()
                    continue
                link = sign_in.for_user(user, links.centre_path)
                session.commit()
                rows = [row for row in rows if row.id in claimed]
                compose = partial(digest_mail, user, rows, day=day, links=links, sign_in=link)
                if not _send_claimed(session, mailer, sorted(claimed), compose, outcome,
                                     sent_key="digests"):
                    break
    _end_reading(session)
    return outcome.finish()


def send_digests(now: datetime | None = None) -> JobRun | None:
    """Today's digests, once per Brussels day (None when that day is done or running)."""
    now = now or utcnow()
    period = now.astimezone(BRUSSELS).date().isoformat()
    return run_once("send_digests", period, _digest_body, now=now)
