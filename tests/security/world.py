"""The world the access matrix and the form fuzz run in: both sides of every scope.

School A's side (coordinator, company A with its user and mentor, sector A) and school B's side
(company B with its user and mentor, sector B), companies C and D without an account
(registered by school B and school A), and one trajectory of school A placed first at company A
and then at company B, each placement with its agreement and evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from dualflow.agreements import contract
from dualflow.agreements.models import Signature
from dualflow.catalog.models import Competency
from dualflow.evaluations.models import Evaluation
from dualflow.notifications.models import Notification
from dualflow.recognitions.models import RecognitionMentor
from dualflow.reports.models import Document, ReportBatch
from tests import factories

HUGE_ID = 2**63


def document(session, name: str) -> Document:
    """A stored (dummy) PDF."""
    row = Document(kind="agreement", filename=f"{name}.pdf", content=b"%PDF-1.7 " + name.encode(),
                   sha256="0" * 64, size_bytes=9 + len(name))
    session.add(row)
    session.flush()
    return row


def _signed_agreement(session, placement, name: str):
    pdf = document(session, name)
    agreement = factories.agreement(session, placement, status="signed",
                                    document_id=pdf.id, signed_document_id=pdf.id)
    # What the sent contract was drawn up from, as sending stores it (the translation reads it).
    agreement.contract_data = contract.contract_data(session, agreement, today=agreement.starts_on)
    signature = Signature(agreement_id=agreement.id, party="company", document_id=pdf.id,
                          signer_email=f"{name}@company.example")
    session.add(signature)
    session.flush()
    return agreement, signature


def _evaluated_moment(session, trajectory, mentor, due: date):
    moment = factories.evaluation_moment(session, trajectory, due_on=due, status="draft")
    session.add(Evaluation(moment_id=moment.id, mentor_id=mentor.id,
                           general_comment=f"Ontwerp van mentor {mentor.id}"))
    session.flush()
    return moment


def _competency(session, programme) -> int:
    return session.execute(
        select(func.min(Competency.id)).where(Competency.programme_id == programme.id)
    ).scalar_one()


def _batch(session, school, user) -> ReportBatch:
    pdf = document(session, f"rapporten-{school.id}")
    row = ReportBatch(school_id=school.id, requested_by_id=user.id, school_year=2026,
                      status="done", total_count=1, done_count=1, document_id=pdf.id)
    session.add(row)
    session.flush()
    return row


@dataclass
class MatrixWorld:
    """The users by role and the path arguments of every object, by bundle."""

    users: dict[str, object]
    bundles: dict[str, dict[str, int]]


def build(session, world) -> MatrixWorld:
    """Build the world; path arguments per bundle (see the access matrix for the bundles)."""
    s = factories.placed_world(session, world)
    s.company_a.registered_by_school_id = s.school_a.id
    s.company_b.registered_by_school_id = s.school_b.id
    s.company_c.registered_by_school_id = s.school_b.id
    s.company_d.registered_by_school_id = s.school_a.id
    session.add_all([s.company_a, s.company_b, s.company_c, s.company_d])
    company_user_b = factories.user(session, "company", company_id=s.company_b.id)
    mentor_c = factories.mentor(session, s.company_c)
    holiday_b = factories.school_holiday(session, s.school_b)

    # B's side: a learner of school B placed at company B.
    learner_e = factories.learner(session, s.school_b)
    traj_e = factories.trajectory(session, learner_e, s.programme_b)
    place_e = factories.placement(session, traj_e, s.mentor_b, s.rec_b)
    agreement_a, signature_a = _signed_agreement(session, s.place_a, "a")
    agreement_e, signature_e = _signed_agreement(session, place_e, "e")
    moment_a = _evaluated_moment(session, s.traj_a, s.mentor_a, date(2026, 10, 13))
    moment_e = _evaluated_moment(session, traj_e, s.mentor_b, date(2026, 10, 13))
    request_b = factories.recognition_request(
        session, factories.site(session, s.company_b), s.programme_b,
        submitted_by_id=s.coordinator_b.id)

    # One trajectory of school A: first at company A, then at company B.
    learner_f = factories.learner(session, s.school_a)
    traj_f = factories.trajectory(session, learner_f, s.programme_a)
    place_f1 = factories.placement(session, traj_f, s.mentor_a, s.rec_a,
                                   starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 31))
    place_f2 = factories.placement(session, traj_f, s.mentor_b, s.rec_b, site_id=s.site_b1.id,
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 6, 30))
    agreement_f1, signature_f1 = _signed_agreement(session, place_f1, "f1")
    agreement_f2, signature_f2 = _signed_agreement(session, place_f2, "f2")
    moment_f1 = _evaluated_moment(session, traj_f, s.mentor_a, date(2026, 12, 1))
    moment_f2 = _evaluated_moment(session, traj_f, s.mentor_b, date(2027, 4, 1))

    # The mentors' criminal record extracts; A's mentor is named in sector A's recognition.
    for mentor in (s.mentor_a, s.mentor_b):
        extract = Document(kind="record_extract", filename="uittreksel.pdf",
                           content=b"%PDF-1.4 uittreksel", sha256="b" * 64, size_bytes=19,
                           subject_type="mentor", subject_id=mentor.id)
        session.add(extract)
        session.flush()
        mentor.record_extract_document_id = extract.id
    session.add(RecognitionMentor(recognition_id=s.rec_a.id, mentor_id=s.mentor_a.id))

    notification_b = Notification(dedupe_key="matrix:b", user_id=s.coordinator_b.id,
                                  kind="test", subject="Voor B", link="/")
    session.add(notification_b)
    batch_a = _batch(session, s.school_a, s.coordinator_a)
    batch_b = _batch(session, s.school_b, s.coordinator_b)
    session.flush()

    def trajectory_side(trajectory, placement, moment, agreement, signature, learner):
        return {"trajectory_id": trajectory.id, "placement_id": placement.id,
                "moment_id": moment.id, "agreement_id": agreement.id,
                "signature_id": signature.id, "learner_id": learner.id}

    bundles = {
        "A": {
            "school_id": s.school_a.id, "holiday_id": s.holiday_a.id,
            "programme_id": s.programme_a.id, "competency_id": _competency(session, s.programme_a),
            "sector_id": s.sector_a.id, "user_id": s.inactive_coordinator_a.id,
            "company_id": s.company_a.id, "site_id": s.site_a1.id, "mentor_id": s.mentor_a.id,
            "recognition_id": s.rec_a.id, "batch_id": batch_a.id,
            **trajectory_side(s.traj_a, s.place_a, moment_a, agreement_a, signature_a,
                              s.learner_a),
        },
        "B": {
            "school_id": s.school_b.id, "holiday_id": holiday_b.id,
            "programme_id": s.programme_b.id, "competency_id": _competency(session, s.programme_b),
            "sector_id": s.sector_b.id, "user_id": s.coordinator_b.id,
            "company_id": s.company_b.id, "site_id": s.site_b1.id, "mentor_id": s.mentor_b.id,
            "recognition_id": request_b.id, "batch_id": batch_b.id,
            "notification_id": notification_b.id,
            **trajectory_side(traj_e, place_e, moment_e, agreement_e, signature_e, learner_e),
        },
        "T2A": trajectory_side(traj_f, place_f1, moment_f1, agreement_f1, signature_f1,
                               learner_f),
        "T2B": trajectory_side(traj_f, place_f2, moment_f2, agreement_f2, signature_f2,
                               learner_f),
        "C": {"company_id": s.company_c.id, "site_id": s.site_c1.id, "mentor_id": mentor_c.id},
        "D": {"company_id": s.company_d.id, "site_id": s.site_d1.id, "mentor_id": s.mentor_d.id},
        # A parent of A's side with a child of B's side.
        "X": {
            "school_id": s.school_a.id, "holiday_id": holiday_b.id,
            "programme_id": s.programme_a.id, "competency_id": _competency(session, s.programme_b),
            "company_id": s.company_a.id, "site_id": s.site_b1.id, "mentor_id": s.mentor_b.id,
            "trajectory_id": s.traj_a.id, "moment_id": moment_e.id, "placement_id": place_e.id,
            "agreement_id": agreement_a.id, "signature_id": signature_e.id,
        },
    }
    bundles["H"] = {arg: HUGE_ID for bundle in bundles.values() for arg in bundle}
    session.commit()
    users = {
        "anonymous": None, "admin": s.admin, "coordinator": s.coordinator_a,
        "company": s.company_user_a, "mentor": s.mentor_user_a, "sector": s.sector_user_a,
        "company_b": company_user_b, "mentor_b": s.mentor_user_b,
    }
    return MatrixWorld(users=users, bundles=bundles)
