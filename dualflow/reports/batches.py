"""Batches of progress reports: a coordinator asks, the background worker builds a ZIP.

A request stores the selection (school year, optionally programme and class) as a queued
`ReportBatch`; it never renders anything inside the web request. The scheduler process calls
`process_report_batches` every few seconds. A worker claims a batch with one conditional UPDATE
(`status = 'queued'`, or `running` with a heartbeat older than STALE_AFTER: its worker died), so
two workers never build the same batch; the claim's `started_at` is the worker's token, and every
later write checks it, so a worker that lost its batch to a takeover stops without writing.
Progress (done_count, heartbeat_at) is committed after every report, for the page to show.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select, update
from sqlmodel import Session

from dualflow import audit, pdf, policy
from dualflow.accounts.models import User
from dualflow.catalog.models import Programme
from dualflow.errors import DomainError, NotAllowed
from dualflow.extensions import db
from dualflow.i18n import school_year_label, today_brussels
from dualflow.learners.models import Learner
from dualflow.modelbase import utcnow
from dualflow.reports.models import Document, ReportBatch
from dualflow.reports.progress import (
    ReportRenderer,
    file_part,
    progress_report_data,
    report_filename,
    report_language,
)
from dualflow.trajectories.models import Trajectory

log = logging.getLogger(__name__)

DOCUMENT_KIND = "progress_reports_zip"
# A running batch whose worker has not reported for this long is taken over.
STALE_AFTER = timedelta(minutes=3)
# A batch still queued after this long means no worker is picking batches up.
WAITING_TOO_LONG = timedelta(minutes=1)
# Batches one scheduler call builds at most, so that a call always ends.
BATCHES_PER_CALL = 5
# PDFs are compressed already; a light deflate saves a little without costing time.
ZIP_LEVEL = 1

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
OPEN_STATUSES = (QUEUED, RUNNING)
STATUS_LABELS = {
    QUEUED: _l("in de wachtrij"),
    RUNNING: _l("wordt gemaakt"),
    DONE: _l("klaar"),
    FAILED: _l("mislukt"),
}
STATUS_VARIANTS = {QUEUED: "secondary", RUNNING: "primary", DONE: "success", FAILED: "danger"}


# --- who sees what -------------------------------------------------------------------------

def may_request(user: Any) -> bool:
    """Whether `user` is a coordinator of a school (who asks for and downloads batches)."""
    return policy.may(user, "reports.request")


def visible_batches(user: Any):
    """The SQL condition for the batches `user` may see: those of the own school."""
    return policy.visible(user, ReportBatch) if may_request(user) else false()


def batch_or_none(session: Session, user: Any, batch_id: int) -> ReportBatch | None:
    """The batch when `user` may see it, else None (the caller answers 404)."""
    return session.execute(
        select(ReportBatch).where(ReportBatch.id == batch_id, visible_batches(user))
    ).scalar_one_or_none()


# --- the selection -------------------------------------------------------------------------

@dataclass(frozen=True)
class Choices:
    """What a school can choose from: its own school years, programmes and classes."""

    school_years: list[int]
    programmes: list[tuple[int, str]]
    class_groups: list[str]


def choices_for(session: Session, user: User) -> Choices:
    """The school's own school years, programmes and classes (three queries)."""
    school = Trajectory.school_id == user.school_id
    years = session.execute(
        select(Trajectory.school_year).where(school).distinct()
        .order_by(Trajectory.school_year.desc())
    ).scalars()
    programmes = session.execute(
        select(Programme.id, Programme.name)
        .where(Programme.id.in_(select(Trajectory.programme_id).where(school)))
        .order_by(Programme.name)
    ).all()
    classes = session.execute(
        select(Trajectory.class_group).where(school, Trajectory.class_group != "").distinct()
        .order_by(Trajectory.class_group).limit(300)
    ).scalars()
    return Choices(list(years), [(row.id, row.name) for row in programmes], list(classes))


def _selection(school_id: int, school_year: int, programme_id: int | None, class_group: str):
    """The trajectories a batch covers, as a SQL condition."""
    conditions = [Trajectory.school_id == school_id, Trajectory.school_year == school_year]
    if programme_id:
        conditions.append(Trajectory.programme_id == programme_id)
    if class_group:
        conditions.append(Trajectory.class_group == class_group)
    return and_(*conditions)


def count_selection(session: Session, *, school_id: int, school_year: int,
                    programme_id: int | None, class_group: str) -> int:
    """How many trajectories the selection covers."""
    return session.execute(
        select(func.count()).select_from(Trajectory)
        .where(_selection(school_id, school_year, programme_id, class_group))
    ).scalar_one()


def request_batch(session: Session, *, actor: User, school_year: int,
                  programme_id: int | None, class_group: str,
                  language: str = "nl") -> ReportBatch:
    """Queue a ZIP of the progress reports of the actor's school for the chosen selection.

    Refused when the actor is not a coordinator of a school, when nothing matches, or when the
    same selection is already waiting or being built.
    """
    if not may_request(actor):
        raise NotAllowed(_("Alleen een trajectbegeleider van een school kan rapporten per "
                           "groep aanvragen."))
    class_group = (class_group or "").strip()
    if len(class_group) > 30:
        raise DomainError(_("Kies een klas uit de lijst."), field="class_group")
    programme_id = programme_id or None
    total = count_selection(session, school_id=actor.school_id, school_year=school_year,
                            programme_id=programme_id, class_group=class_group)
    if total == 0:
        raise DomainError(_("Er zijn geen trajecten van je school voor schooljaar %(year)s met "
                            "deze opleiding en klas. Kies een andere combinatie.",
                            year=school_year_label(school_year)))
    duplicate = session.execute(
        select(ReportBatch.id).where(
            ReportBatch.school_id == actor.school_id, ReportBatch.school_year == school_year,
            ReportBatch.programme_id.is_(None) if programme_id is None
            else ReportBatch.programme_id == programme_id,
            ReportBatch.class_group == class_group, ReportBatch.status.in_(OPEN_STATUSES))
        .limit(1)
    ).scalar_one_or_none()
    if duplicate is not None:
        raise DomainError(_("Dezelfde selectie wacht al of wordt al gemaakt; volg de voortgang "
                            "hieronder."))
    batch = ReportBatch(school_id=actor.school_id, requested_by_id=actor.id,
                        school_year=school_year, programme_id=programme_id,
                        class_group=class_group, language=report_language(language),
                        total_count=total)
    session.add(batch)
    session.flush()
    audit.record(session, actor=actor, action="report_batch.requested", entity=batch,
                 changes={"school_year": school_year, "programme_id": programme_id,
                          "class_group": class_group, "total_count": total,
                          "language": batch.language})
    return batch


def batches_statement(user: User):
    """The user's school's batches, newest first, with programme name and requester."""
    return (
        select(ReportBatch, Programme.name.label("programme_name"),
               User.full_name.label("requested_by"))
        .outerjoin(Programme, Programme.id == ReportBatch.programme_id)
        .outerjoin(User, User.id == ReportBatch.requested_by_id)
        .where(visible_batches(user))
        .order_by(ReportBatch.created_at.desc(), ReportBatch.id.desc())
    )


def is_waiting_too_long(batch: ReportBatch, now: datetime | None = None) -> bool:
    """Whether a batch has been queued (or silent while running) for over a minute."""
    now = now or utcnow()
    if batch.status == QUEUED:
        return batch.created_at < now - WAITING_TOO_LONG
    if batch.status == RUNNING:
        return (batch.heartbeat_at or batch.created_at) < now - WAITING_TOO_LONG
    return False


def progress_of(batch: ReportBatch, now: datetime | None = None) -> dict[str, Any]:
    """The batch's state as JSON-safe data, for the page and its polling script."""
    total = max(batch.total_count, 0)
    done = min(batch.done_count, total) if total else batch.done_count
    return {
        "id": batch.id,
        "status": batch.status,
        "status_label": str(STATUS_LABELS.get(batch.status, batch.status)),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else (100 if batch.status == DONE else 0),
        "finished": batch.status in (DONE, FAILED),
        "waiting_too_long": is_waiting_too_long(batch, now),
        "error": batch.error if batch.status == FAILED else "",
    }


def zip_document(session: Session, batch: ReportBatch) -> Document | None:
    """The finished batch's ZIP, or None."""
    if batch.status != DONE or batch.document_id is None:
        return None
    return session.get(Document, batch.document_id)


# --- the worker ----------------------------------------------------------------------------

class LostClaim(Exception):
    """Another worker took the batch over; this one stops without writing."""


class ReportFailed(Exception):
    """One report of the batch could not be rendered; carries the message for the page."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def process_report_batches(now: datetime | None = None) -> int:
    """Build waiting batches (and take over stale ones); returns how many were finished.

    Called by the scheduler process every few seconds, in an application context.
    """
    finished = 0
    for _attempt in range(BATCHES_PER_CALL):
        claim = claim_next_batch(now)
        if claim is None:
            break
        batch_id, token = claim
        try:
            build_batch(batch_id, token)
        except LostClaim:
            log.info("report batch %s was taken over by another worker", batch_id)
            continue
        finished += 1
    return finished


def claim_next_batch(now: datetime | None = None) -> tuple[int, datetime] | None:
    """Claim the oldest queued (or stale running) batch: (id, claim token), or None.

    The UPDATE repeats the condition, so of two workers that saw the same candidate only one
    changes the row; the other moves on to the next candidate.
    """
    now = now or utcnow()
    claimable = or_(ReportBatch.status == QUEUED,
                    and_(ReportBatch.status == RUNNING,
                         or_(ReportBatch.heartbeat_at.is_(None),
                             ReportBatch.heartbeat_at < now - STALE_AFTER)))
    with db.sessionmaker() as session:
        candidates = session.execute(
            select(ReportBatch.id, ReportBatch.status).where(claimable)
            .order_by(ReportBatch.created_at, ReportBatch.id).limit(10)
        ).all()
        for batch_id, status in candidates:
            claimed = session.execute(
                update(ReportBatch).where(ReportBatch.id == batch_id, claimable)
                .values(status=RUNNING, started_at=now, heartbeat_at=now, done_count=0,
                        error="")
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
            if claimed == 1:
                if status == RUNNING:
                    log.warning("report batch %s: taking over from a worker that stopped",
                                batch_id)
                return batch_id, now
    return None


def _owned(batch_id: int, token: datetime):
    return and_(ReportBatch.id == batch_id, ReportBatch.status == RUNNING,
                ReportBatch.started_at == token)


def _write(session: Session, batch_id: int, token: datetime, **values) -> None:
    """Update the claimed batch and commit; LostClaim when another worker owns it now."""
    changed = session.execute(
        update(ReportBatch).where(_owned(batch_id, token)).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.rollback()
        raise LostClaim(batch_id)
    session.commit()


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or name_2.pdf, name_3.pdf, ... when already taken (case-insensitively)."""
    stem, dot, extension = name.rpartition(".")
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{stem}_{number}{dot}{extension}"
    taken.add(candidate.lower())
    return candidate


def zip_filename(batch: ReportBatch, programme_code: str = "") -> str:
    """voortgangsrapporten_2026-27_METS_5BOa.zip (the optional parts when chosen)."""
    parts = ["voortgangsrapporten", school_year_label(batch.school_year)]
    if programme_code:
        parts.append(file_part(programme_code))
    if batch.class_group:
        parts.append(file_part(batch.class_group))
    return "_".join(part for part in parts if part) + ".zip"


def build_batch(batch_id: int, token: datetime) -> None:
    """Render every report of a claimed batch into a ZIP document and mark it done.

    Any error marks the batch failed with a plain message (and logs the details).
    """
    with db.sessionmaker() as session:
        batch = session.get(ReportBatch, batch_id)
        if batch is None:
            return  # removed with its school meanwhile: nothing left to build for
        try:
            _build(session, batch, token)
        except LostClaim:
            raise
        except Exception as error:  # whatever broke, the coordinator must learn it failed
            session.rollback()
            log.exception("report batch %s failed", batch_id)
            with force_locale(batch.language):
                message = getattr(error, "user_message", None) or _(
                    "De ZIP kon niet gemaakt worden door een fout op de server.")
            audit.record(session, actor=None, action="report_batch.failed",
                         entity_type="report_batches", entity_id=batch_id,
                         changes={"error": str(message)[:2000]})
            _write(session, batch_id, token, status=FAILED, error=str(message)[:2000],
                   finished_at=utcnow())


def _build(session: Session, batch: ReportBatch, token: datetime) -> None:
    rows = session.execute(
        select(Trajectory.id, Learner.last_name, Learner.first_name)
        .join(Learner, Learner.id == Trajectory.learner_id)
        .where(_selection(batch.school_id, batch.school_year, batch.programme_id,
                          batch.class_group))
        .order_by(Learner.last_name, Learner.first_name, Trajectory.id)
    ).all()
    _write(session, batch.id, token, total_count=len(rows), heartbeat_at=utcnow())
    programme_code = (session.execute(select(Programme.code)
                                      .where(Programme.id == batch.programme_id)).scalar()
                      if batch.programme_id else "")
    renderer = ReportRenderer()
    today = today_brussels()
    buffer = io.BytesIO()
    taken: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=ZIP_LEVEL) as archive:
        for done, (trajectory_id, last_name, first_name) in enumerate(rows, start=1):
            try:
                data = progress_report_data(session, trajectory_id, today=today)
                content = renderer.render(data, language=batch.language)
            except Exception as error:
                with force_locale(batch.language):
                    message = _("Het voortgangsrapport van %(name)s kon niet gemaakt worden.",
                                name=f"{first_name} {last_name}")
                raise ReportFailed(message) from error
            archive.writestr(unique_name(report_filename(data), taken), content)
            _write(session, batch.id, token, done_count=done, heartbeat_at=utcnow())
    content = buffer.getvalue()
    document = Document(kind=DOCUMENT_KIND, filename=zip_filename(batch, programme_code),
                        media_type="application/zip", content=content,
                        sha256=pdf.sha256(content), size_bytes=len(content),
                        subject_type="report_batch", subject_id=batch.id,
                        created_by_id=batch.requested_by_id)
    session.add(document)
    session.flush()
    audit.record(session, actor=None, action="report_batch.done", entity_type="report_batches",
                 entity_id=batch.id, changes={"document_id": document.id, "reports": len(rows),
                                              "size_bytes": len(content)})
    # One commit for the document and the final state: either both are there or neither.
    _write(session, batch.id, token, status=DONE, document_id=document.id,
           finished_at=utcnow(), heartbeat_at=utcnow(), done_count=len(rows))
