"""The deadline scenario shared by the rule tests: data, a day-by-day driver and its log.

Import explicitly: `from tests.notifications.conftest_deadlines import ...`.

The scene (factories.placed_world plus), all trajectories starting Tuesday 1 September 2026:

- traj_a (Anna, school_a, Mia at site_a1): agreement sent 2 September 2026 for signature
  (learner, guardian [French], company [company_user_a], school [coordinator_a]); moments m1
  (13/10/2026) and m2 (15/12/2026).
- traj_b (school_b, Mia): signed agreement; moment m5 (26/01/2027). school_b overrides the
  evaluation offsets: reminders 10 and 2 days before, coordinator after 5, escalation after 21;
  it has no escalation address, so its general address is used.
- traj_c (school_a, mentor_b at site_b1, recognition rec_b valid until 31/12/2026): signed
  agreement; moment m4 (20/11/2026).
- traj_d (school_b, not placed, no agreement): moment m6 (20/10/2026).
- mentor_a2 (company_a, of sector_a: training within 6 months), named in rec_a decided 1/5/2026,
  untrained; mentor_d (company_d, no sector: 12 months), named in a recognition of site_d1
  decided 15/1/2026, trains on 5/1/2027.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from dualflow.agreements.models import Signature
from dualflow.i18n import BRUSSELS
from dualflow.notifications.deadlines import run_daily_deadlines
from dualflow.notifications.models import Notification
from dualflow.reports.models import Document
from dualflow.tokens import hash_token
from tests import factories

FIRST_DAY = date(2026, 9, 1)
LAST_DAY = date(2027, 2, 28)
SENT_AT = datetime(2026, 9, 2, 7, 0, tzinfo=UTC)

SCHOOL_A_CONTACT = "escalatie@campus-a.test"
SCHOOL_B_ADDRESS = "info@campus-b.test"
GUARDIAN = "ouder@leerling.test"
COMPANY_B_CONTACT = "hr@zorg-b.test"
COMPANY_D_CONTACT = "zaakvoerder@los-d.test"
MENTOR_A2 = "jonas@bouw-a.test"
MENTOR_D = "dirk@los-d.test"


def at_six_thirty(day: date) -> datetime:
    """The moment the daily run starts on `day` (06:30 in Brussels)."""
    return datetime.combine(day, time(6, 30), BRUSSELS)


def build_scene(session, world) -> SimpleNamespace:
    """The scenario's data set (see the module docstring), committed."""
    s = factories.placed_world(session, world)
    s.school_a.escalation_email = SCHOOL_A_CONTACT
    s.school_b.email = SCHOOL_B_ADDRESS
    s.school_b.reminder_offsets = {"evaluation_reminder_days": [10, 2],
                                   "evaluation_overdue_days": 5,
                                   "evaluation_escalation_days": 21}
    s.company_a.contact_name, s.company_a.contact_email = "Carla", s.company_user_a.email
    s.company_a.sector_id = s.sector_a.id
    s.company_b.contact_name, s.company_b.contact_email = "HR Zorg B", COMPANY_B_CONTACT
    s.company_d.contact_name, s.company_d.contact_email = "Zaakvoerder", COMPANY_D_CONTACT
    s.rec_b.valid_until = date(2026, 12, 31)
    s.mentor_a2.email, s.mentor_a2.appointed_on = MENTOR_A2, date(2026, 5, 1)
    s.mentor_d.email, s.mentor_d.appointed_on = MENTOR_D, date(2026, 1, 15)
    # The training clock runs from the first recognition decision naming the mentor.
    name_in_recognition(session, s.rec_a, s.mentor_a2, date(2026, 5, 1))
    name_in_recognition(session, factories.recognition(session, s.site_d1, s.programme_b),
                        s.mentor_d, date(2026, 1, 15))
    factories.placement_agreement(session, s.place_b)
    factories.placement_agreement(session, s.place_c)
    s.m1 = factories.evaluation_moment(session, s.traj_a, title="Eerste", due_on=date(2026, 10, 13))
    s.m2 = factories.evaluation_moment(session, s.traj_a, title="Tweede", due_on=date(2026, 12, 15))
    s.m4 = factories.evaluation_moment(session, s.traj_c, title="Eerste", due_on=date(2026, 11, 20))
    s.m5 = factories.evaluation_moment(session, s.traj_b, title="Eerste", due_on=date(2027, 1, 26))
    s.m6 = factories.evaluation_moment(session, s.traj_d, title="Eerste", due_on=date(2026, 10, 20))
    document = Document(kind="agreement", filename="overeenkomst.pdf", content=b"%PDF-1.7 test",
                        sha256="a" * 64, size_bytes=13)
    session.add(document)
    session.flush()
    s.agreement_a = factories.agreement(session, s.place_a, status="awaiting_signatures",
                                        document_id=document.id, sent_at=SENT_AT)
    parties = [("learner", "anna@leerling.test", "Anna Peeters", "nl"),
               ("guardian", GUARDIAN, "Guy Peeters", "fr"),
               ("company", s.company_user_a.email, "Carla", "nl"),
               ("school", s.coordinator_a.email, s.coordinator_a.full_name, "nl")]
    s.signatures = {}
    for party, email, name, language in parties:
        signature = Signature(agreement_id=s.agreement_a.id, document_id=document.id,
                              party=party, signer_email=email, expected_name=name,
                              language=language, token_hash=hash_token(f"{party}-token"),
                              token_expires_at=SENT_AT + timedelta(days=14),
                              last_reminded_at=SENT_AT)
        session.add(signature)
        s.signatures[party] = signature
    session.commit()
    s.labels = {user.id: label for label, user in (
        ("coordinator_a", s.coordinator_a), ("coordinator_b", s.coordinator_b),
        ("mentor_user_a", s.mentor_user_a), ("mentor_user_b", s.mentor_user_b),
        ("company_user_a", s.company_user_a), ("sector_user_a", s.sector_user_a),
        ("sector_user_b", s.sector_user_b))}
    return s


def name_in_recognition(session, recognition, mentor, decided_on: date) -> None:
    """`mentor` is named in the approved `recognition`, decided on `decided_on` at 10:00."""
    from dualflow.recognitions.models import RecognitionMentor

    recognition.decided_at = datetime.combine(decided_on, time(10), BRUSSELS)
    session.add(RecognitionMentor(recognition_id=recognition.id, mentor_id=mentor.id))
    session.flush()


def sign(session, s, party: str, day: date) -> None:
    """`party` signs traj_a's agreement at noon; the last signature completes it."""
    signed_at = datetime.combine(day, time(12), BRUSSELS)
    s.signatures[party].signed_at = signed_at
    s.signatures[party].document_sha256 = "a" * 64
    if all(signature.signed_at for signature in s.signatures.values()):
        s.agreement_a.status, s.agreement_a.signed_at = "signed", signed_at
    session.commit()


def submit(session, moment, day: date) -> None:
    """The mentor submits the evaluation of `moment` (after that day's run)."""
    moment.status = "submitted"
    session.commit()


def resend(session, s, party: str, day: date) -> None:
    """The coordinator sends `party` a new signing link at 10:00."""
    from dualflow.agreements.services import resend_link

    resend_link(session, actor=s.coordinator_a, agreement=s.agreement_a,
                signature=s.signatures[party], now=datetime.combine(day, time(10), BRUSSELS))
    session.commit()


def complete_training(session, mentor, day: date) -> None:
    """The mentor's training is registered as completed on `day`."""
    mentor.training_completed_on = day
    session.commit()


def events(session, s) -> dict[date, list[Callable[[], None]]]:
    """What people do during the six months, by day (after that day's run)."""
    return {
        date(2026, 9, 3): [lambda: sign(session, s, "learner", date(2026, 9, 3))],
        date(2026, 9, 4): [lambda: sign(session, s, "company", date(2026, 9, 4))],
        date(2026, 9, 5): [lambda: sign(session, s, "school", date(2026, 9, 5))],
        date(2026, 9, 21): [lambda: resend(session, s, "guardian", date(2026, 9, 21))],
        date(2026, 10, 4): [lambda: sign(session, s, "guardian", date(2026, 10, 4))],
        date(2026, 10, 12): [lambda: submit(session, s.m1, date(2026, 10, 12))],
        date(2026, 11, 25): [lambda: submit(session, s.m4, date(2026, 11, 25))],
        date(2027, 1, 5): [lambda: complete_training(session, s.mentor_d, date(2027, 1, 5))],
    }


def log_entry(notification: Notification, labels: dict[int, str]) -> tuple[str, str]:
    """(rule and occasion, recipient) of a notification, e.g. ('evaluation.reminder.7', ...)."""
    rule = notification.dedupe_key.split(":", 1)[0]
    recipient = (labels.get(notification.user_id, f"user {notification.user_id}")
                 if notification.user_id is not None else notification.email)
    return rule, recipient


def simulate(session, s, days: Iterable[date], *, down: Iterable[date] = (),
             run: Callable[[datetime], object] = run_daily_deadlines) -> set[tuple]:
    """Run the daily job on every day but the `down` ones, then that day's events.

    Returns the exact set of (day, rule, recipient) of the notifications each run created.
    """
    down = set(down)
    happenings = events(session, s)
    seen = 0
    log: set[tuple] = set()
    for day in days:
        if day not in down:
            run(at_six_thirty(day))
            session.expire_all()
            for notification in session.execute(
                select(Notification).where(Notification.id > seen).order_by(Notification.id)
            ).scalars():
                seen = notification.id
                entry = (day, *log_entry(notification, s.labels))
                assert entry not in log, f"sent twice: {entry}"
                log.add(entry)
        for happening in happenings.get(day, []):
            happening()
    return log


def every_day(first: date = FIRST_DAY, last: date = LAST_DAY) -> list[date]:
    """Each calendar day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- separate processes (killed run, two schedulers) ---------------------------------------

def config_for(url: str, instance: str) -> dict:
    """Settings of an application bound to `url`, as a scheduler process would have them."""
    return {"DATABASE_URL": url, "SECRET_KEY": "deadline-tests", "INSTANCE_PATH": instance,
            "OUTBOX_DIR": f"{instance}/outbox", "BASE_URL": "http://dualflow.test"}


def app_for(url: str, instance: str):
    """An application bound to `url` (in a child process; tests use the make_app fixture)."""
    from dualflow import create_app

    return create_app(config_for(url, instance))


def worker(url: str, instance: str, now_iso: str, mode: str, start_at: float = 0.0,
           hang_after: int = 0) -> None:
    """Entry point of a child process: run the daily job ("daily") or the bare rules ("rules").

    Waits until `start_at` (epoch seconds) so that several children start together. With
    `hang_after`, the process stops making progress after that many new notifications (each
    committed), so that the parent can kill it half-way. Prints a JSON line with the outcome.
    """
    import json
    import time as clock

    from dualflow.extensions import db
    from dualflow.notifications import rules

    app = app_for(url, instance)
    now = datetime.fromisoformat(now_iso)
    with app.app_context():
        if hang_after:
            created = []
            real_notify = rules.notify

            def slow_notify(*args, **kwargs):
                inserted = real_notify(*args, **kwargs)
                created.append(inserted)
                if sum(created) >= hang_after:
                    print(json.dumps({"hanging": sum(created)}), flush=True)
                    clock.sleep(600)
                return inserted

            rules.notify = slow_notify
            rules.CHECKPOINT_EVERY = 1
        clock.sleep(max(0.0, start_at - clock.time()))
        if mode == "daily":
            run = run_daily_deadlines(now)
            outcome = {"run": None if run is None else run.status,
                       "counts": None if run is None else run.counts}
        else:
            with db.sessionmaker() as session:
                counts = rules.run_rules(session, now.astimezone(BRUSSELS).date(), now=now,
                                         checkpoint=session.commit)
                session.commit()
            outcome = {"counts": counts}
        db.get_engine().dispose()
    print(json.dumps(outcome), flush=True)


def spawn(url: str, instance: str, now: datetime, mode: str, **options):
    """Start `worker` in a new Python process; its stdout is a pipe."""
    import subprocess
    import sys
    from pathlib import Path

    arguments = ", ".join([repr(url), repr(instance), repr(now.isoformat()), repr(mode)]
                          + [f"{key}={value!r}" for key, value in options.items()])
    code = f"from tests.notifications.conftest_deadlines import worker; worker({arguments})"
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen([sys.executable, "-c", code], cwd=root,  # noqa: S603  (our code)
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def expected_keys(session, now: datetime) -> set[str]:
    """The dedupe keys a clean run at `now` would create, found without keeping anything."""
    from dualflow.notifications.rules import run_rules

    before = set(session.execute(select(Notification.dedupe_key)).scalars())
    run_rules(session, now.astimezone(BRUSSELS).date(), now=now)
    after = set(session.execute(select(Notification.dedupe_key)).scalars())
    session.rollback()
    return after - before
