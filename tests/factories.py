"""Builders of valid test data; each takes the session and returns flushed objects."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from dualflow.accounts.models import User
from dualflow.accounts.services import hash_password
from dualflow.catalog.models import Competency, Programme, School, Sector
from dualflow.companies.models import Company, Mentor, Site
from dualflow.learners.models import Learner
from dualflow.trajectories.models import Trajectory

PASSWORD = "correct-horse-battery"
# Hashing is deliberately slow; hash the shared test password once.
PASSWORD_HASH = hash_password(PASSWORD)

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def school(session: Session, **fields) -> School:
    n = _next()
    row = School(
        name=fields.pop("name", f"Testschool {n}"),
        institution_number=fields.pop("institution_number", f"{100000 + n}"),
        postcode=fields.pop("postcode", "9000"),
        municipality=fields.pop("municipality", "Gent"),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def sector(session: Session, **fields) -> Sector:
    n = _next()
    row = Sector(code=fields.pop("code", f"S{n}"), name=fields.pop("name", f"Sector {n}"),
                 **fields)
    session.add(row)
    session.flush()
    return row


def programme(session: Session, sector: Sector, *, competencies: int = 3, **fields) -> Programme:
    n = _next()
    row = Programme(
        code=fields.pop("code", f"P{n}"),
        name=fields.pop("name", f"Opleiding {n}"),
        sector_id=sector.id,
        track=fields.pop("track", "arbeidsmarkt"),
        stem_label=fields.pop("stem_label", "stem"),
        **fields,
    )
    session.add(row)
    session.flush()
    for position in range(1, competencies + 1):
        session.add(
            Competency(
                programme_id=row.id,
                position=position,
                code=f"C{position}",
                title=f"Competentie {position} van {row.name}",
                location="workplace" if position % 2 else "school",
            )
        )
    session.flush()
    return row


def company(session: Session, **fields) -> Company:
    n = _next()
    # Valid KBO numbers: 0 + 7 digits + mod-97 check digits.
    base = 2000000 + n
    check = 97 - (base % 97)
    row = Company(
        kbo_number=fields.pop("kbo_number", f"0{base:07d}{check:02d}"),
        name=fields.pop("name", f"Bedrijf {n} BV"),
        postcode=fields.pop("postcode", "9000"),
        municipality=fields.pop("municipality", "Gent"),
        weekly_working_hours=fields.pop("weekly_working_hours", 38),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def site(session: Session, company: Company, **fields) -> Site:
    n = _next()
    base = 20000000 + n
    check = 97 - (base % 97)
    row = Site(
        company_id=company.id,
        number=fields.pop("number", f"{base:08d}{check:02d}"),
        name=fields.pop("name", f"{company.name} vestiging {n}"),
        postcode=fields.pop("postcode", "9000"),
        municipality=fields.pop("municipality", "Gent"),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def user(session: Session, role: str, **fields) -> User:
    n = _next()
    row = User(
        email=fields.pop("email", f"{role}{n}@test.example"),
        full_name=fields.pop("full_name", f"{role.title()} {n}"),
        password_hash=fields.pop("password_hash", PASSWORD_HASH),
        role=role,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def mentor(session: Session, company: Company, user: User | None = None, **fields) -> Mentor:
    n = _next()
    row = Mentor(
        company_id=company.id,
        user_id=user.id if user else None,
        first_name=fields.pop("first_name", "Mentor"),
        last_name=fields.pop("last_name", f"Nummer {n}"),
        birth_date=fields.pop("birth_date", date(1980, 1, 1)),
        experience_years=fields.pop("experience_years", 10),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def learner(session: Session, school: School, **fields) -> Learner:
    n = _next()
    row = Learner(
        school_id=school.id,
        first_name=fields.pop("first_name", "Lerende"),
        last_name=fields.pop("last_name", f"Nummer {n}"),
        birth_date=fields.pop("birth_date", date(2009, 5, 1)),
        gender=fields.pop("gender", "F" if n % 2 else "M"),
        street=fields.pop("street", f"Veldstraat {n}"),
        postcode=fields.pop("postcode", "9000"),
        municipality=fields.pop("municipality", "Gent"),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def trajectory(session: Session, learner: Learner, programme: Programme, **fields) -> Trajectory:
    row = Trajectory(
        learner_id=learner.id,
        programme_id=programme.id,
        school_id=learner.school_id,
        school_year=fields.pop("school_year", 2026),
        starts_on=fields.pop("starts_on", date(2026, 9, 1)),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class World:
    """Two of everything that scope separates, and a user of every role."""

    school_a: School
    school_b: School
    sector_a: Sector
    sector_b: Sector
    programme_a: Programme
    programme_b: Programme
    company_a: Company
    company_b: Company
    admin: User
    coordinator_a: User
    coordinator_b: User
    company_user_a: User
    mentor_user_a: User
    sector_user_a: User
    sector_user_b: User
    learner_a: Learner
    learner_b: Learner

    @classmethod
    def build(cls, session: Session) -> World:
        """Create the data set and return handles to it."""
        school_a, school_b = school(session, name="Campus A"), school(session, name="Campus B")
        sector_a = sector(session, name="Bouw", mentor_training_months=6,
                          max_learners_per_mentor=1)
        sector_b = sector(session, name="Zorg")
        programme_a = programme(session, sector_a, name="Metselaar")
        programme_b = programme(session, sector_b, name="Zorgkundige", stem_label="stem_zorg")
        company_a, company_b = company(session, name="Bouw A"), company(session, name="Zorg B")
        mentor_user_a = user(session, "mentor", company_id=company_a.id, full_name="Mia Mentor")
        mentor(session, company_a, mentor_user_a)
        world = cls(
            school_a=school_a,
            school_b=school_b,
            sector_a=sector_a,
            sector_b=sector_b,
            programme_a=programme_a,
            programme_b=programme_b,
            company_a=company_a,
            company_b=company_b,
            admin=user(session, "admin", full_name="Ada Admin"),
            coordinator_a=user(session, "coordinator", school_id=school_a.id),
            coordinator_b=user(session, "coordinator", school_id=school_b.id),
            company_user_a=user(session, "company", company_id=company_a.id),
            mentor_user_a=mentor_user_a,
            sector_user_a=user(session, "sector", sector_id=sector_a.id),
            sector_user_b=user(session, "sector", sector_id=sector_b.id),
            learner_a=learner(session, school_a, first_name="Anna", last_name="Peeters"),
            learner_b=learner(session, school_b, first_name="Bram", last_name="Janssens"),
        )
        trajectory(session, world.learner_a, programme_a)
        trajectory(session, world.learner_b, programme_b)
        session.commit()
        return world


def recognition(session: Session, site: Site, programme: Programme, **fields):
    """A recognition of `site` for `programme` (approved and valid for years unless told)."""
    from dualflow.recognitions.models import Recognition

    row = Recognition(
        site_id=site.id,
        programme_id=programme.id,
        status=fields.pop("status", "approved"),
        sworn_declaration=fields.pop("sworn_declaration", True),
        valid_from=fields.pop("valid_from", date(2026, 1, 1)),
        valid_until=fields.pop("valid_until", date(2031, 12, 31)),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def placement(session: Session, trajectory: Trajectory, mentor: Mentor, recognition, **fields):
    """A placement of `trajectory` at the recognised site, guided by `mentor`."""
    from dualflow.trajectories.models import Placement

    row = Placement(
        trajectory_id=trajectory.id,
        site_id=fields.pop("site_id", recognition.site_id),
        mentor_id=mentor.id,
        recognition_id=recognition.id,
        starts_on=fields.pop("starts_on", date(2026, 9, 1)),
        ends_on=fields.pop("ends_on", date(2027, 6, 30)),
        hours_per_week=fields.pop("hours_per_week", 24),
        # Three days at the workplace; the contract states the schedule.
        weekly_schedule=fields.pop("weekly_schedule", ["mon_am", "mon_pm", "tue_am", "tue_pm",
                                                       "thu_am", "thu_pm"]),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def school_holiday(session: Session, school: School, **fields):
    """A holiday period of `school` (the autumn break unless told)."""
    from dualflow.catalog.models import SchoolHoliday

    row = SchoolHoliday(
        school_id=school.id,
        name=fields.pop("name", "Herfstvakantie"),
        starts_on=fields.pop("starts_on", date(2026, 11, 2)),
        ends_on=fields.pop("ends_on", date(2026, 11, 6)),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def placed_world(session: Session, world: World):
    """The world plus sites, mentors, recognitions and placements across both schools.

    Returns a namespace with every attribute of `world` and:

    company_a (Bouw A): sites site_a1 and site_a2; mentors mentor_a (Mia, world.mentor_user_a)
        and mentor_a2 (no account); recognised at site_a1 for programme_a (rec_a, sector_a) and
        for programme_b (rec_ab, sector_b).
    company_b (Zorg B): site_b1, mentor_b (account mentor_user_b), rec_b for programme_b.
    company_c: belongs to sector_b, site_c1, nothing else.  company_d: site_d1, mentor_d.
    inactive_coordinator_a: a deactivated coordinator of school_a.  holiday_a: of school_a.

    traj_a learner_a (school_a) at site_a1 with Mia (place_a)
    traj_b learner_b (school_b) at site_a1 with Mia (place_b)
    traj_c learner_c (school_a) at site_b1 with mentor_b (place_c)
    traj_d learner_d (school_b), not placed
    """
    from types import SimpleNamespace

    from sqlalchemy import select

    s = SimpleNamespace(**vars(world))
    s.mentor_a = session.execute(
        select(Mentor).where(Mentor.user_id == world.mentor_user_a.id)
    ).scalar_one()
    s.company_c = company(session, name="Zorg C", sector_id=world.sector_b.id)
    s.company_d = company(session, name="Los D")
    s.site_a1 = site(session, world.company_a)
    s.site_a2 = site(session, world.company_a)
    s.site_b1 = site(session, world.company_b)
    s.site_c1 = site(session, s.company_c)
    s.site_d1 = site(session, s.company_d)
    s.mentor_a2 = mentor(session, world.company_a)
    s.mentor_user_b = user(session, "mentor", company_id=world.company_b.id)
    s.mentor_b = mentor(session, world.company_b, s.mentor_user_b)
    s.mentor_d = mentor(session, s.company_d)
    s.inactive_coordinator_a = user(
        session, "coordinator", school_id=world.school_a.id, is_active=False
    )
    s.holiday_a = school_holiday(session, world.school_a)
    s.rec_a = recognition(session, s.site_a1, world.programme_a)
    s.rec_ab = recognition(session, s.site_a1, world.programme_b)
    s.rec_b = recognition(session, s.site_b1, world.programme_b)
    s.learner_c = learner(session, world.school_a)
    s.learner_d = learner(session, world.school_b)
    s.traj_a, s.traj_b = (
        session.execute(select(Trajectory).where(Trajectory.learner_id == pupil.id)).scalar_one()
        for pupil in (world.learner_a, world.learner_b)
    )
    s.traj_c = trajectory(session, s.learner_c, world.programme_b)
    s.traj_d = trajectory(session, s.learner_d, world.programme_a)
    s.place_a = placement(session, s.traj_a, s.mentor_a, s.rec_a)
    s.place_b = placement(session, s.traj_b, s.mentor_a, s.rec_ab)
    s.place_c = placement(session, s.traj_c, s.mentor_b, s.rec_b)
    session.commit()
    return s


# --- companies and recognitions (issue 3) -------------------------------------------------

def kbo_number(seed: int, *, first: str = "0") -> str:
    """A valid ten-digit KBO enterprise number ('0'/'1') or site number ('2') from a seed."""
    base = int(f"{first}{seed % 10_000_000:07d}")
    return f"{base:08d}{97 - base % 97:02d}"


def recognition_request(session: Session, site: Site, programme: Programme, *,
                        mentors=(), **fields):
    """A recognition request (`submitted` unless told, no validity), naming `mentors`."""
    from dualflow.recognitions.models import RecognitionMentor

    fields.setdefault("status", "submitted")
    fields.setdefault("valid_from", None)
    fields.setdefault("valid_until", None)
    row = recognition(session, site, programme, **fields)
    for named in mentors:
        session.add(RecognitionMentor(recognition_id=row.id, mentor_id=named.id))
    session.flush()
    return row


# --- learners and the learner import (issue 4) ----------------------------------------------

def insz(birth: date, sequence: int) -> str:
    """A valid national number (INSZ) for a birth date and day sequence (odd: M, even: F)."""
    base = f"{birth:%y%m%d}{sequence:03d}"
    check = 97 - int(("2" if birth.year >= 2000 else "") + base) % 97
    return f"{base}{check:02d}"


def years_ago(years: int, month: int = 3, day: int = 14) -> date:
    """A birth date `years` calendar years before this year (a fixed day in it)."""
    return date(date.today().year - years, month, day)


# --- trajectories, placements and the agreement clock (issue 4) -----------------------------

def eligible_mentor(session: Session, company: Company, user: User | None = None, **fields):
    """A mentor who meets every default rule (age, experience, record check, training)."""
    fields.setdefault("birth_date", date(1980, 1, 1))
    fields.setdefault("experience_years", 10)
    fields.setdefault("appointed_on", date(2024, 1, 1))
    fields.setdefault("training_completed_on", date(2024, 3, 1))
    fields.setdefault("record_check_on", RECENT_RECORD_CHECK)
    return mentor(session, company, user, **fields)


# A criminal record extract recent enough for a request filed today (at most 12 months old).
RECENT_RECORD_CHECK = date.today() - timedelta(days=30)


# evaluation_moment(session, trajectory, **fields): see the agreements section below.


def placement_agreement(session: Session, placement, **fields):
    """An agreement row for `placement`, over the placement's period (signed unless told)."""
    from dualflow.agreements.models import Agreement

    row = Agreement(
        placement_id=placement.id,
        version=fields.pop("version", 1),
        kind=fields.pop("kind", "alternating_training"),
        status=fields.pop("status", "signed"),
        starts_on=fields.pop("starts_on", placement.starts_on),
        ends_on=fields.pop("ends_on", placement.ends_on),
        hours_per_week=fields.pop("hours_per_week", placement.hours_per_week),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


# --- agreements (issue 4) -----------------------------------------------------------------

def agreement(session: Session, placement, **fields):
    """A draft agreement of `placement` (alternating training over the whole placement)."""
    from decimal import Decimal

    from dualflow.agreements.models import Agreement

    row = Agreement(
        placement_id=placement.id,
        version=fields.pop("version", 1),
        kind=fields.pop("kind", "alternating_training"),
        starts_on=fields.pop("starts_on", placement.starts_on),
        ends_on=fields.pop("ends_on", placement.ends_on),
        hours_per_week=fields.pop("hours_per_week", placement.hours_per_week),
        monthly_allowance=fields.pop("monthly_allowance", Decimal("480.00")),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def evaluation_moment(session: Session, trajectory: Trajectory, **fields):
    """A planned evaluation moment of `trajectory`."""
    from dualflow.evaluations.models import EvaluationMoment

    row = EvaluationMoment(
        trajectory_id=trajectory.id,
        title=fields.pop("title", "Evaluatie"),
        due_on=fields.pop("due_on", date(2026, 10, 13)),
        **fields,
    )
    session.add(row)
    session.flush()
    return row
