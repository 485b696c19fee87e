"""Batches of progress reports: request, background build, ZIP, progress, races, failures."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dualflow.audit import AuditEvent
from dualflow.errors import DomainError, NotAllowed
from dualflow.modelbase import utcnow
from dualflow.reports import batches
from dualflow.reports.models import Document, ReportBatch
from dualflow.reports.progress import ReportRenderer
from tests.reports.conftest import pdf_text


def _request(session, s, **selection) -> ReportBatch:
    selection.setdefault("school_year", 2026)
    selection.setdefault("programme_id", s.programme_a.id)
    selection.setdefault("class_group", "")
    batch = batches.request_batch(session, actor=s.coordinator_a, **selection)
    session.commit()
    return batch


def _fresh(session, batch: ReportBatch) -> ReportBatch:
    session.expire_all()
    return session.get(ReportBatch, batch.id)


def _zip_of(session, batch: ReportBatch) -> zipfile.ZipFile:
    document = session.get(Document, _fresh(session, batch).document_id)
    assert document.kind == "progress_reports_zip"
    assert document.media_type == "application/zip"
    return zipfile.ZipFile(io.BytesIO(document.content))


def _documents(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(Document)
                           .where(Document.kind == "progress_reports_zip")).scalar_one()


def test_a_batch_becomes_a_zip_of_exactly_the_selected_reports(session, group):
    s = group
    batch = _request(session, s)
    assert (batch.status, batch.total_count, batch.done_count) == ("queued", 3, 0)

    assert batches.process_report_batches() == 1

    batch = _fresh(session, batch)
    assert (batch.status, batch.done_count, batch.total_count) == ("done", 3, 3)
    assert batch.finished_at is not None and batch.error == ""
    archive = _zip_of(session, batch)
    # Not the other programme, not the other school year, not the other school.
    assert sorted(archive.namelist()) == ["Peeters_Anna_Metselaar.pdf",
                                          "Peeters_Anna_Metselaar_2.pdf",
                                          "Wouters_Lien_Metselaar.pdf"]
    texts = {name: pdf_text(archive.read(name)) for name in archive.namelist()}
    for name in texts:
        assert archive.read(name).startswith(b"%PDF-")
        assert len(PdfReader(io.BytesIO(archive.read(name))).pages) >= 1  # whole and readable
    assert "Voortgangsrapport van Lien Wouters" in texts["Wouters_Lien_Metselaar.pdf"]
    # Anna's report (with her evaluation) is one of the two Peeters files.
    assert sum("C1 Metselwerk uitvoeren 3" in text for text in texts.values()) == 1
    actions = set(session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_type == "report_batches",
                                        AuditEvent.entity_id == batch.id)).scalars())
    assert actions == {"report_batch.requested", "report_batch.done"}


def test_a_class_narrows_the_selection(session, group):
    batch = _request(session, group, programme_id=None, class_group="5BOa")
    assert batch.total_count == 1
    batches.process_report_batches()
    assert _zip_of(session, batch).namelist() == ["Peeters_Anna_Metselaar.pdf"]


def test_an_empty_selection_is_refused_and_nothing_is_queued(session, group):
    with pytest.raises(DomainError, match="geen trajecten van je school voor schooljaar 2024-25"):
        _request(session, group, school_year=2024)
    # school_b's trajectory does not count for school_a.
    with pytest.raises(DomainError, match="geen trajecten"):
        _request(session, group, programme_id=group.programme_b.id, class_group="5BOa")
    assert session.execute(select(func.count()).select_from(ReportBatch)).scalar_one() == 0


def test_only_coordinators_of_a_school_ask_for_batches(session, group):
    for who in ("admin", "mentor_user_a", "company_user_a"):
        with pytest.raises(NotAllowed):
            batches.request_batch(session, actor=getattr(group, who), school_year=2026,
                                  programme_id=None, class_group="")


def test_the_same_open_selection_is_not_queued_twice(session, group):
    _request(session, group)
    with pytest.raises(DomainError, match="wacht al of wordt al gemaakt"):
        _request(session, group)
    _request(session, group, class_group="5BOb")  # a different selection is fine


def test_progress_is_committed_report_by_report(session, group, monkeypatch):
    batch = _request(session, group)
    seen: list[tuple[str, int, int]] = []
    render = ReportRenderer.render

    def watching(self, data, *, language):
        # What the page would read right now, from another session.
        from dualflow.extensions import db

        with db.sessionmaker() as other:
            row = other.get(ReportBatch, batch.id)
            seen.append((row.status, row.done_count, row.total_count))
        return render(self, data, language=language)

    monkeypatch.setattr(ReportRenderer, "render", watching)
    batches.process_report_batches()
    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    progress = batches.progress_of(_fresh(session, batch))
    assert (progress["done"], progress["total"], progress["percent"]) == (3, 3, 100)


def test_two_workers_never_build_the_same_batch(session, group):
    batch = _request(session, group)
    first = batches.claim_next_batch()
    assert first is not None and first[0] == batch.id
    # A second worker finds nothing to claim while the first one is alive, and builds nothing.
    assert batches.claim_next_batch() is None
    assert batches.process_report_batches() == 0
    assert _documents(session) == 0
    batches.build_batch(*first)
    assert _fresh(session, batch).status == "done"
    # And once done, nobody builds it again.
    assert batches.process_report_batches() == 0
    assert _documents(session) == 1


def test_a_stale_running_batch_is_taken_over(session, group):
    batch = _request(session, group)
    long_ago = utcnow() - batches.STALE_AFTER - timedelta(minutes=1)
    dead_worker = batches.claim_next_batch(now=long_ago)
    assert _fresh(session, batch).status == "running"

    # A running batch with a recent heartbeat is left alone ...
    assert batches.claim_next_batch(now=long_ago + timedelta(minutes=1)) is None
    # ... one whose worker stopped reporting is built by the next worker.
    assert batches.process_report_batches() == 1
    batch = _fresh(session, batch)
    assert (batch.status, batch.done_count) == ("done", 3)
    assert batch.started_at > long_ago

    # The old worker, should it wake up, loses its claim and writes nothing.
    with pytest.raises(batches.LostClaim):
        batches.build_batch(*dead_worker)
    assert _documents(session) == 1
    assert _fresh(session, batch).document_id is not None


def test_an_error_marks_the_batch_failed_with_a_plain_message(session, group, monkeypatch):
    batch = _request(session, group)
    render = ReportRenderer.render

    def breaks_on_lien(self, data, *, language):
        if data["learner"]["first_name"] == "Lien":
            raise OSError("disk full")
        return render(self, data, language=language)

    monkeypatch.setattr(ReportRenderer, "render", breaks_on_lien)
    assert batches.process_report_batches() == 1
    batch = _fresh(session, batch)
    assert batch.status == "failed"
    assert batch.error == "Het voortgangsrapport van Lien Wouters kon niet gemaakt worden."
    assert "disk full" not in batch.error  # details go to the log, not to the page
    assert batch.document_id is None and batch.finished_at is not None
    assert _documents(session) == 0
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "report_batch.failed", AuditEvent.entity_id == batch.id)
    ).scalar_one() == 1
    # The failure does not block a new request for the same selection.
    assert _request(session, group).status == "queued"


def test_a_batch_waiting_over_a_minute_is_flagged(session, group):
    batch = _request(session, group)
    assert not batches.progress_of(batch)["waiting_too_long"]
    later = batch.created_at + timedelta(seconds=61)
    assert batches.progress_of(batch, later)["waiting_too_long"]


def test_a_claim_lost_between_looking_and_updating_goes_to_the_other_worker(app, session, group):
    from sqlalchemy import event

    from dualflow.extensions import db

    batch = _request(session, group)
    rival: list = []

    def rival_claims_first(_conn, _cursor, statement, *_args):
        # The rival worker claims the batch after this worker saw it as queued, right before
        # this worker's UPDATE runs.
        if statement.lstrip().upper().startswith("UPDATE REPORT_BATCHES") and not rival:
            rival.append("busy")
            rival[0] = batches.claim_next_batch()

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", rival_claims_first)
    try:
        mine = batches.claim_next_batch()
    finally:
        event.remove(engine, "before_cursor_execute", rival_claims_first)
    assert rival[0] is not None and rival[0][0] == batch.id
    assert mine is None
