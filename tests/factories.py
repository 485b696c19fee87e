"""Builders of valid test data; each takes the session and returns flushed objects."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

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
