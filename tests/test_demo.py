"""The demo data set and the scale generator: idempotent, valid identifiers, usable log-ins."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select
from stdnum.be import nn, vat

from dualflow.accounts.models import User
from dualflow.accounts.services import authenticate
from dualflow.audit import AuditEvent
from dualflow.catalog.models import Programme, School, SchoolHoliday, Sector
from dualflow.companies.eligibility import MentorFacts, MentorRules, check_mentor
from dualflow.companies.models import Company, Mentor, Site
from dualflow.companies.services import recognised_on
from dualflow.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    PROGRAMMES,
    easter,
    flemish_holidays,
    kbo_number,
    load_demo,
    load_scale,
    national_number,
    school_year_of,
    site_number,
)
from dualflow.evaluations.models import EvaluationMoment
from dualflow.i18n import BRUSSELS
from dualflow.learners.models import Learner
from dualflow.models import metadata
from dualflow.recognitions.models import Recognition
from dualflow.trajectories.models import Placement, Trajectory
from tests.conftest import fix_demo_day

# The demo builds its data around the day it is loaded; these tests load it on this day.
DEMO_DAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _demo_day(monkeypatch):
    fix_demo_day(monkeypatch, DEMO_DAY)


def _counts(session) -> dict[str, int]:
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in metadata.sorted_tables
    }


@pytest.fixture
def demo(session):
    """The demo data set, loaded once for the test (stand-in PDFs: rendering takes seconds)."""
    load_demo(render_contracts=False)
    session.expire_all()
    return session


@pytest.fixture
def demo_with_contracts(session):
    """The demo data set exactly as `flask demo` loads it, with rendered contracts."""
    load_demo()
    session.expire_all()
    return session


# --- identifiers ---------------------------------------------------------------------------

def test_generated_enterprise_and_site_numbers_pass_the_mod97_check():
    for serial in (0, 1, 4418273, 9999999):
        number = kbo_number(serial)
        assert vat.is_valid(number), number
        assert vat.is_valid(kbo_number(serial, prefix="1"))
        site = site_number(serial)
        assert len(site) == 10 and site[0] == "2"
        assert (int(site[:8]) + int(site[8:])) % 97 == 0


@pytest.mark.parametrize("birth", [date(1985, 7, 30), date(2000, 1, 1), date(2008, 2, 29),
                                   date(2010, 12, 31)])
@pytest.mark.parametrize("sequence", [1, 2, 500, 997])
def test_national_numbers_agree_with_birth_date_and_gender(birth, sequence):
    number = national_number(birth, sequence)
    assert nn.is_valid(number)
    assert nn.get_birth_date(number) == birth
    assert nn.get_gender(number) == ("M" if sequence % 2 else "F")


def test_known_national_number_example():
    # The example of python-stdnum's documentation: 85.07.30-033.28.
    assert national_number(date(1985, 7, 30), 33) == "85073003328"


def test_flemish_school_holidays_2026_27():
    assert easter(2027) == date(2027, 3, 28)
    assert flemish_holidays(2026) == [
        ("Herfstvakantie", date(2026, 10, 26), date(2026, 11, 8)),
        ("Kerstvakantie", date(2026, 12, 21), date(2027, 1, 3)),
        ("Krokusvakantie", date(2027, 2, 8), date(2027, 2, 21)),
        ("Paasvakantie", date(2027, 3, 29), date(2027, 4, 11)),
    ]
    # 2022-23, the first year of the reformed calendar, as published.
    assert flemish_holidays(2022)[2:] == [
        ("Krokusvakantie", date(2023, 2, 20), date(2023, 3, 5)),
        ("Paasvakantie", date(2023, 4, 3), date(2023, 4, 16)),
    ]


# --- the demo data set ----------------------------------------------------------------------

@pytest.mark.slow
def test_load_demo_twice_changes_nothing(session):
    before = _counts(session)
    load_demo()
    first = _counts(session)
    load_demo()
    assert _counts(session) == first
    assert first["learners"] - before["learners"] >= 100
    assert first["audit_events"] - before["audit_events"] == 1
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "demo.loaded")
    ).scalar_one()
    assert event.actor_id is None and event.changes["learners"] >= 100


@pytest.mark.slow
def test_every_identifier_is_valid(demo):
    kbos = demo.execute(select(Company.kbo_number)).scalars().all()
    assert len(kbos) >= 15 and all(vat.is_valid(kbo) for kbo in kbos)
    for number, postcode in demo.execute(select(Site.number, Site.postcode)):
        assert number[0] == "2" and (int(number[:8]) + int(number[8:])) % 97 == 0
        code = int(postcode)
        assert 1000 <= code <= 1299 or 1500 <= code <= 3999 or 8000 <= code <= 9999
    learners = demo.execute(select(Learner)).scalars().all()
    genders = {learner.gender for learner in learners}
    assert genders == {"F", "M"}
    for learner in learners:
        assert nn.is_valid(learner.national_number), learner.national_number
        assert nn.get_birth_date(learner.national_number) == learner.birth_date
        assert nn.get_gender(learner.national_number) == learner.gender
        born, today = learner.birth_date, DEMO_DAY
        if today.year - born.year - ((today.month, today.day) < (born.month, born.day)) < 18:
            assert learner.guardian_name and learner.guardian_email


@pytest.mark.slow
def test_catalogue_follows_the_seed_and_the_sector_rules(demo):
    construction = demo.execute(select(Sector).where(Sector.code == "BOUW")).scalar_one()
    assert construction.mentor_training_months == 6
    assert construction.max_learners_per_mentor == 1
    others = demo.execute(select(Sector).where(Sector.code != "BOUW")).scalars().all()
    assert all(s.mentor_training_months == 12 and s.max_learners_per_mentor is None
               for s in others)
    assert any(s.allows_part_time_employment for s in others)
    programmes = demo.execute(select(Programme)).scalars().all()
    by_code = {p.code: p for p in programmes}
    assert {p[0] for p in PROGRAMMES} <= set(by_code)
    assert by_code["BW-RUW"].stem_label == "stem" and by_code["BW-RUW"].track == "arbeidsmarkt"
    assert {p.track for p in programmes} >= {"arbeidsmarkt", "dubbele_finaliteit", "doorstroom"}
    holidays = demo.execute(
        select(SchoolHoliday.name).join(School).where(School.institution_number == "031542")
    ).scalars().all()
    assert set(holidays) == {"Herfstvakantie", "Kerstvakantie", "Krokusvakantie", "Paasvakantie"}


@pytest.mark.slow
def test_the_five_demo_log_ins_work(demo):
    roles = set()
    for email, role in DEMO_USERS:
        user = authenticate(demo, email=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert user.role == role
        roles.add(user.role)
    assert roles == {"admin", "coordinator", "company", "mentor", "sector"}


@pytest.mark.slow
def test_demo_log_in_through_the_form(demo, client):
    response = client.post("/login", data={"email": "coordinator@dualflow.demo",
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 302


@pytest.mark.slow
def test_demo_mentor_guides_learners_of_two_schools(demo):
    user = demo.execute(select(User).where(User.email == "mentor@dualflow.demo")).scalar_one()
    mentor = demo.execute(select(Mentor).where(Mentor.user_id == user.id)).scalar_one()
    assert mentor.company_id == user.company_id
    company_user = demo.execute(
        select(User).where(User.email == "company@dualflow.demo")).scalar_one()
    assert company_user.company_id == mentor.company_id
    schools = demo.execute(
        select(Trajectory.school_id).join(Placement, Placement.trajectory_id == Trajectory.id)
        .where(Placement.mentor_id == mentor.id, Trajectory.status == "active")
    ).scalars().all()
    assert len(schools) >= 2 and len(set(schools)) >= 2
    rules = MentorRules.from_sector(demo.execute(
        select(Sector).join(Company, Company.sector_id == Sector.id)
        .where(Company.id == mentor.company_id)).scalar_one())
    verdict = check_mentor(MentorFacts.from_mentor(mentor), rules, on=DEMO_DAY)
    assert verdict.eligible


@pytest.mark.slow
def test_placements_respect_recognitions_and_mentor_rules(demo):
    rows = demo.execute(
        select(Placement, Recognition, Trajectory, Mentor)
        .join(Recognition, Recognition.id == Placement.recognition_id)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(Mentor, Mentor.id == Placement.mentor_id)
    ).all()
    assert len(rows) >= 100
    sectors = {s.id: s for s in demo.execute(select(Sector)).scalars()}
    companies = {c.id: c for c in demo.execute(select(Company)).scalars()}
    for placement, recognition, trajectory, mentor in rows:
        assert recognition.status == "approved"
        assert recognition.programme_id == trajectory.programme_id
        assert recognition.site_id == placement.site_id
        assert recognition.valid_from <= placement.starts_on
        assert recognition.valid_until >= placement.ends_on
        rules = MentorRules.from_sector(sectors[companies[mentor.company_id].sector_id])
        verdict = check_mentor(MentorFacts.from_mentor(mentor), rules, on=placement.starts_on)
        assert verdict.eligible, (mentor.first_name, verdict.failures)
        if trajectory.school_year < school_year_of(DEMO_DAY):
            assert mentor.appointed_on <= placement.starts_on


@pytest.mark.slow
def test_something_to_show_on_every_screen(demo):
    today = DEMO_DAY
    statuses = demo.execute(select(Recognition.status, Recognition.submitted_at)).all()
    assert {"approved", "refused", "submitted", "in_review", "withdrawn", "expired"} <= {
        s for s, _ in statuses}
    assert any(s in ("submitted", "in_review") and (today - at.date()).days > 14
               for s, at in statuses)
    failing = 0
    for mentor, sector_id in demo.execute(select(Mentor, Company.sector_id).join(Company)):
        rules = MentorRules.from_sector(demo.get(Sector, sector_id))
        facts = MentorFacts.from_mentor(mentor, recognised_on=recognised_on(demo, mentor.id))
        failing += not check_mentor(facts, rules, on=today).eligible
    assert failing >= 3
    years = set(demo.execute(select(Trajectory.school_year)).scalars())
    assert {school_year_of(today), school_year_of(today) - 1} <= years
    overdue = demo.execute(select(func.count()).select_from(EvaluationMoment).where(
        EvaluationMoment.due_on < today, EvaluationMoment.status == "planned")).scalar_one()
    done = demo.execute(select(func.count()).select_from(EvaluationMoment).where(
        EvaluationMoment.status.in_(("submitted", "reviewed")))).scalar_one()
    assert done > 0
    if today >= date(school_year_of(today), 10, 21):
        assert overdue > 0


@pytest.mark.slow
def test_the_first_daily_run_on_the_demo_brings_reminders_to_the_demo_log_ins(demo):
    from dualflow.notifications.deadlines import run_daily_deadlines
    from dualflow.notifications.models import Notification

    assert run_daily_deadlines(now=datetime.combine(DEMO_DAY, time(9), BRUSSELS)).status == (
        "succeeded")
    demo.expire_all()
    kinds = demo.execute(
        select(User.email, Notification.kind).join(User, User.id == Notification.user_id)
    ).all()
    assert kinds.count(("mentor@dualflow.demo", "evaluation.reminder")) == 2
    assert ("coordinator@dualflow.demo", "evaluation.overdue") in kinds


# --- scale ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_load_scale_adds_learners_with_trajectories_and_is_idempotent(demo):
    before = _counts(demo)
    messages: list[str] = []
    counts = load_scale(200, progress=messages.append)
    after = _counts(demo)
    assert after["learners"] - before["learners"] == 200 == counts["learners"]
    assert after["trajectories"] - before["trajectories"] >= 200
    assert after["placements"] > before["placements"]
    assert after["evaluation_moments"] - before["evaluation_moments"] >= 400
    assert after["companies"] - before["companies"] == 25
    assert messages
    assert load_scale(200) == {}
    assert _counts(demo) == after
    new_learners = demo.execute(
        select(Learner).join(School).where(School.institution_number.like("9%"))
    ).scalars().all()
    assert len(new_learners) == 200
    for learner in new_learners:
        assert nn.get_birth_date(learner.national_number) == learner.birth_date
        assert nn.get_gender(learner.national_number) == learner.gender
    assert all(vat.is_valid(k) for k in demo.execute(select(Company.kbo_number)).scalars())
    # Topping up to a larger population adds only the difference.
    assert load_scale(300)["learners"] == 100
    _assert_generated_placements_are_valid(demo)


def _assert_generated_placements_are_valid(session) -> None:
    rows = session.execute(
        select(Placement, Recognition, Trajectory, Sector.max_learners_per_mentor)
        .join(Recognition, Recognition.id == Placement.recognition_id)
        .join(Trajectory, Trajectory.id == Placement.trajectory_id)
        .join(School, School.id == Trajectory.school_id)
        .join(Site, Site.id == Placement.site_id)
        .join(Company, Company.id == Site.company_id)
        .join(Sector, Sector.id == Company.sector_id)
        .where(School.institution_number.like("9%"))
    ).all()
    assert len(rows) >= 200  # most of the 300; small populations leave rare programmes open
    per_mentor_year: dict[tuple[int, int], int] = {}
    for placement, recognition, trajectory, cap in rows:
        assert recognition.status == "approved"
        assert recognition.programme_id == trajectory.programme_id
        assert recognition.valid_from <= placement.starts_on <= placement.ends_on
        assert placement.ends_on <= recognition.valid_until
        assert trajectory.ends_on is None or placement.ends_on <= trajectory.ends_on
        key = (placement.mentor_id, trajectory.school_year)
        per_mentor_year[key] = per_mentor_year.get(key, 0) + 1
        assert cap is None or per_mentor_year[key] <= cap


@pytest.mark.slow
def test_demo_agreements_carry_the_rendered_contract(demo_with_contracts):
    demo = demo_with_contracts
    import hashlib
    import io

    from pypdf import PdfReader

    from dualflow.agreements.models import Agreement, Signature
    from dualflow.reports.models import Document

    agreements = [agreement for agreement in demo.execute(select(Agreement)).scalars()
                  if agreement.contract_data]
    statuses = {agreement.status for agreement in agreements}
    assert {"signed", "awaiting_signatures"} <= statuses
    for agreement in agreements:
        sent = demo.get(Document, agreement.document_id)
        assert hashlib.sha256(sent.content).hexdigest() == sent.sha256
        text = " ".join(" ".join(p.extract_text() or "" for p in
                                 PdfReader(io.BytesIO(sent.content)).pages).split())
        assert agreement.contract_data["learner"]["name"] in text
        signatures = demo.execute(
            select(Signature).where(Signature.agreement_id == agreement.id)).scalars().all()
        assert all(s.document_id == sent.id for s in signatures)
        assert all(s.document_sha256 == sent.sha256 for s in signatures if s.signed_at)
        if agreement.status == "awaiting_signatures":
            assert agreement.signed_document_id is None
            continue
        final = demo.get(Document, agreement.signed_document_id)
        assert hashlib.sha256(final.content).hexdigest() == final.sha256
        last = " ".join((PdfReader(io.BytesIO(final.content)).pages[-1].extract_text()
                         or "").split())
        assert "Handtekeningenpagina" in last or "Page des signatures" in last
        assert sent.sha256 in last.replace(" ", "") or sent.sha256[:32] in last
