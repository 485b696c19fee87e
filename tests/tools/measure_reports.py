"""Time the progress report: one report warm (median of 10), and a batch of 500 into a ZIP.

Usage (against a scratch instance that has the demo loaded):
    DUALFLOW_INSTANCE_PATH=/tmp/reports-inst .venv/bin/python -m tests.tools.measure_reports [N]

The demo has too few trajectories in one school and year for a batch of 500, so the first run
adds a measurement school ("Meetschool voortgangsrapporten") with N (500) trajectories in one
school year, in a programme with 15 workplace competencies (the most a programme has), each
with three moments: two submitted or reviewed evaluations with every level filled in (some
n.v.t., some comments) and one still planned. Later runs reuse it. It writes to the instance's
database, so it refuses to run without DUALFLOW_INSTANCE_PATH.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import func, insert, select

from dualflow import create_app, pdf
from dualflow.accounts.models import User
from dualflow.catalog.models import Competency, Programme, School, Sector
from dualflow.evaluations.models import Evaluation, EvaluationMoment, EvaluationScore
from dualflow.extensions import db
from dualflow.learners.models import Learner
from dualflow.modelbase import utcnow
from dualflow.reports import batches
from dualflow.reports.models import Document, ReportBatch
from dualflow.reports.progress import (
    TEMPLATE,
    ReportRenderer,
    progress_report_data,
    template_labels,
)
from dualflow.trajectories.models import Placement, Trajectory

SCHOOL_NUMBER = "M00500"
SCHOOL_NAME = "Meetschool voortgangsrapporten"
PROGRAMME_CODE = "MEET-15"
COMPETENCIES = 15
SCHOOL_YEAR = 2026
FIRST = ["Anna", "Lucas", "Noor", "Arthur", "Fien", "Finn", "Marie", "Jules", "Lina", "Mats"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
        "Wouters", "De Smet", "Dubois", "Van den Broeck", "Lambert", "Hermans", "Aerts"]


def ensure_data(session, n: int) -> tuple[School, User]:
    """The measurement school with n trajectories (created once), and its coordinator."""
    school = session.execute(select(School).where(School.institution_number == SCHOOL_NUMBER)
                             ).scalar_one_or_none()
    if school is not None:
        coordinator = session.execute(select(User).where(User.school_id == school.id)
                                      ).scalars().first()
        return school, coordinator
    started = time.perf_counter()
    now = utcnow()
    school = School(name=SCHOOL_NAME, institution_number=SCHOOL_NUMBER, postcode="9000",
                    municipality="Gent", street="Meetstraat 1")
    session.add(school)
    sector = session.execute(select(Sector).order_by(Sector.id)).scalars().first()
    programme = Programme(code=PROGRAMME_CODE, name="Meetopleiding met vijftien competenties",
                          sector_id=sector.id, track="arbeidsmarkt")
    session.add(programme)
    session.flush()
    coordinator = User(email="meting.rapporten@dualflow.demo", full_name="Meta Meting",
                       password_hash="!", role="coordinator", school_id=school.id)
    session.add(coordinator)
    competencies = [Competency(programme_id=programme.id, position=k, code=f"M{k:02d}",
                               title=f"Werkplekcompetentie {k}: taak {k} zelfstandig uitvoeren",
                               location="workplace" if k % 4 else "both")
                    for k in range(1, COMPETENCIES + 1)]
    session.add_all(competencies)
    # A real placement of the demo lends its site, mentor and recognition.
    template = session.execute(select(Placement).order_by(Placement.id)).scalars().first()
    if template is None:
        sys.exit("Load the demo first: flask --app wsgi demo")
    session.flush()

    learners = [{"school_id": school.id, "first_name": FIRST[i % len(FIRST)],
                 "last_name": LAST[(i // len(FIRST)) % len(LAST)], "birth_date": date(2009, 3, 1),
                 "gender": "F" if i % 2 else "M", "class_group": f"5M{i % 8}",
                 "created_at": now} for i in range(n)]
    session.execute(insert(Learner), learners)
    learner_ids = session.execute(select(Learner.id).where(Learner.school_id == school.id)
                                  .order_by(Learner.id)).scalars().all()
    session.execute(insert(Trajectory), [
        {"learner_id": lid, "programme_id": programme.id, "school_id": school.id,
         "coordinator_id": coordinator.id, "school_year": SCHOOL_YEAR,
         "starts_on": date(SCHOOL_YEAR, 9, 1), "class_group": f"5M{i % 8}", "created_at": now}
        for i, lid in enumerate(learner_ids)])
    trajectory_ids = session.execute(select(Trajectory.id).where(Trajectory.school_id == school.id)
                                     .order_by(Trajectory.id)).scalars().all()
    session.execute(insert(Placement), [
        {"trajectory_id": tid, "site_id": template.site_id, "mentor_id": template.mentor_id,
         "recognition_id": template.recognition_id, "starts_on": date(SCHOOL_YEAR, 9, 1),
         "ends_on": date(SCHOOL_YEAR + 1, 6, 30), "hours_per_week": 24, "created_at": now}
        for tid in trajectory_ids])
    dues = [("Tussentijdse evaluatie 1", date(SCHOOL_YEAR, 10, 20), "reviewed"),
            ("Tussentijdse evaluatie 2", date(SCHOOL_YEAR + 1, 1, 26), "submitted"),
            ("Eindevaluatie", date(SCHOOL_YEAR + 1, 5, 25), "planned")]
    session.execute(insert(EvaluationMoment), [
        {"trajectory_id": tid, "title": title, "due_on": due, "status": status,
         "created_at": now} for tid in trajectory_ids for title, due, status in dues])
    moments = session.execute(
        select(EvaluationMoment.id, EvaluationMoment.status)
        .where(EvaluationMoment.trajectory_id.in_(trajectory_ids),
               EvaluationMoment.status != "planned")).all()
    submitted = datetime(SCHOOL_YEAR, 10, 21, 9, tzinfo=now.tzinfo)
    session.execute(insert(Evaluation), [
        {"moment_id": mid, "mentor_id": template.mentor_id, "version": 1,
         "general_comment": "Werkt nauwkeurig; let op de planning van de dag.",
         "school_comment": "Besproken met de lerende." if status == "reviewed" else "",
         "submitted_at": submitted, "reviewed_at": submitted + timedelta(days=4)
         if status == "reviewed" else None,
         "reviewed_by_id": coordinator.id if status == "reviewed" else None,
         "updated_at": submitted} for mid, status in moments])
    evaluation_ids = session.execute(
        select(Evaluation.id).where(Evaluation.moment_id.in_([mid for mid, _s in moments]))
        .order_by(Evaluation.id)).scalars().all()
    session.execute(insert(EvaluationScore), [
        {"evaluation_id": eid, "competency_id": competency.id,
         "level": None if (eid + k) % 13 == 0 else 1 + (eid + k) % 4,
         "comment": "Vraagt tijdig hulp." if k == 2 else ""}
        for eid in evaluation_ids for k, competency in enumerate(competencies)])
    session.commit()
    print(f"measurement data: {n} trajectories created in {time.perf_counter() - started:.1f} s")
    return school, coordinator


def _timed(function) -> tuple[float, float]:
    """(wall, CPU) seconds of one call; CPU time is what other processes on the box cannot blur."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def time_single(session, trajectory_id: int, runs: int = 10) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds: the data, a report as the view renders it, as the batch does."""
    shared = ReportRenderer()
    data = progress_report_data(session, trajectory_id)
    shared.render(data, language="nl")  # warm up: templates, fonts, catalogues
    samples: dict[str, list[tuple[float, float]]] = {
        "data": [], "report (view)": [], "report (batch)": [], "pdf.render_pdf": []}
    for _ in range(runs):
        samples["data"].append(_timed(lambda: progress_report_data(session, trajectory_id)))
        # The view builds a renderer per request; the batch shares one across its reports.
        samples["report (view)"].append(_timed(
            lambda: ReportRenderer().render(data, language="nl")))
        samples["report (batch)"].append(_timed(lambda: shared.render(data, language="nl")))
        with force_locale("nl"):
            # For comparison: the shared contract helper, same template and data.
            samples["pdf.render_pdf"].append(_timed(lambda: pdf.render_pdf(
                TEMPLATE, {**data, "lang": "nl", "labels": template_labels()})))
    return {label: (statistics.median(wall for wall, _cpu in values),
                    statistics.median(cpu for _wall, cpu in values))
            for label, values in samples.items()}


def time_batch(session, school: School, coordinator: User) -> dict[str, float]:
    """Queue the whole school year as one batch and build it as the worker would."""
    for stale in session.execute(select(ReportBatch).where(ReportBatch.school_id == school.id,
                                                           ReportBatch.status.in_(
                                                               batches.OPEN_STATUSES))).scalars():
        stale.status = "failed"
    session.commit()
    batch = batches.request_batch(session, actor=coordinator, school_year=SCHOOL_YEAR,
                                  programme_id=None, class_group="", language="nl")
    session.commit()
    built = 0

    def build() -> None:
        nonlocal built
        built = batches.process_report_batches()

    wall, cpu = _timed(build)
    session.expire_all()
    batch = session.get(ReportBatch, batch.id)
    document = session.get(Document, batch.document_id)
    names = zipfile.ZipFile(io.BytesIO(document.content)).namelist()
    print(f"batch {batch.id}: {built} built, status {batch.status}, {batch.done_count} of "
          f"{batch.total_count} reports, {len(names)} files, "
          f"ZIP {document.size_bytes / 1e6:.1f} MB")
    return {"wall": wall, "cpu": cpu, "reports": batch.done_count}


def main() -> None:
    """Create the data when needed, then time one report and one batch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=500)
    parser.add_argument("--single-only", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DUALFLOW_INSTANCE_PATH"):
        sys.exit("Set DUALFLOW_INSTANCE_PATH to a scratch instance: this adds measurement data.")
    app = create_app()
    with app.app_context(), db.sessionmaker() as session:
        school, coordinator = ensure_data(session, args.n)
        count = session.execute(select(func.count()).select_from(Trajectory)
                                .where(Trajectory.school_id == school.id)).scalar_one()
        first = session.execute(select(Trajectory.id).where(Trajectory.school_id == school.id)
                                .order_by(Trajectory.id)).scalars().first()
        pages = len(PdfReader(io.BytesIO(ReportRenderer().render(
            progress_report_data(session, first), language="nl"))).pages)
        print(f"one report: {COMPETENCIES} competencies, 3 moments, {pages} pages")
        for label, (wall, cpu) in time_single(session, first).items():
            print(f"{label:>16}: {wall * 1000:6.1f} ms wall, {cpu * 1000:6.1f} ms CPU "
                  "(median of 10, warm)")
        if args.single_only:
            return
        result = time_batch(session, school, coordinator)
        per_report = result["wall"] / max(result["reports"], 1) * 1000
        print(f"batch of {count} reports: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU "
              f"({per_report:.0f} ms per report)")


if __name__ == "__main__":
    main()
