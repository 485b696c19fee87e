"""Schools, sectors, programmes and competencies: the catalogue every trajectory refers to."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dualflow.modelbase import (
    AgreementKind,
    CompetencyLocation,
    Level,
    StemLabel,
    Track,
    one_of,
    utcnow,
)


class School(SQLModel, table=True):
    """A school or training provider (secondary school, CVO, Syntra centre, university college)."""

    __tablename__ = "schools"
    __table_args__ = (
        one_of("kind", ("secondary", "adult_education", "syntra", "higher_education"), "kind"),
        CheckConstraint("evaluation_interval_weeks BETWEEN 1 AND 52", name="evaluation_interval"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    institution_number: str = Field(max_length=20, unique=True)
    kind: str = Field(default="secondary", max_length=30)
    street: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=4)
    municipality: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    escalation_email: str = Field(default="", max_length=254)
    # How learner and company reach the school while the learner works, holidays included;
    # the contract states it.
    reachability: str = Field(default="", max_length=500)
    evaluation_interval_weeks: int = Field(default=6)
    # Deadline offsets that differ from the defaults (dualflow.notifications), e.g.
    # {"evaluation_reminder_days": [7, 1]}; empty means the defaults.
    reminder_offsets: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False,
                                                                         server_default="{}"))
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class SchoolHoliday(SQLModel, table=True):
    """A school holiday period; its weekdays do not count as training days."""

    __tablename__ = "school_holidays"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    starts_on: date
    ends_on: date


class Sector(SQLModel, table=True):
    """A sector partnership that recognises workplaces, with the rule parameters it sets."""

    __tablename__ = "sectors"
    __table_args__ = (
        CheckConstraint("mentor_min_age >= 18", name="mentor_min_age"),
        CheckConstraint("mentor_min_age_qualified >= 18", name="mentor_min_age_qualified"),
        CheckConstraint("mentor_min_experience_years >= 0", name="mentor_experience"),
        CheckConstraint(
            "mentor_min_experience_years_qualified >= 0", name="mentor_experience_qualified"
        ),
        CheckConstraint("mentor_training_months BETWEEN 1 AND 60", name="training_months"),
        CheckConstraint(
            "max_learners_per_mentor IS NULL OR max_learners_per_mentor >= 1",
            name="learner_cap",
        ),
        CheckConstraint("recognition_years BETWEEN 1 AND 20", name="recognition_years"),
        CheckConstraint("decision_days BETWEEN 1 AND 365", name="decision_days"),
        CheckConstraint("record_check_max_age_months BETWEEN 1 AND 60",
                        name="record_check_max_age"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=200, index=True)
    email: str = Field(default="", max_length=254)
    mentor_min_age: int = Field(default=25)
    mentor_min_experience_years: int = Field(default=5)
    mentor_min_age_qualified: int = Field(default=23)
    mentor_min_experience_years_qualified: int = Field(default=2)
    mentor_training_months: int = Field(default=12)
    max_learners_per_mentor: int | None = Field(default=None)
    allows_part_time_employment: bool = Field(default=False)
    recognition_years: int = Field(default=5)
    # How old the criminal record extract may be when the request is filed.
    record_check_max_age_months: int = Field(default=12)
    # Whether a teaching certificate (pedagogisch getuigschrift) stands for the mentor training.
    teaching_certificate_exempts: bool = Field(default=False)
    decision_days: int = Field(default=14)
    reminder_offsets: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False,
                                                                         server_default="{}"))
    created_at: datetime = Field(default_factory=utcnow)


class Programme(SQLModel, table=True):
    """A training programme (opleiding) with its track, level and STEM label."""

    __tablename__ = "programmes"
    __table_args__ = (
        one_of("track", [t.value for t in Track], "track"),
        one_of("level", [v.value for v in Level], "level"),
        one_of("stem_label", [s.value for s in StemLabel], "stem_label"),
        one_of("agreement_kind", [k.value for k in AgreementKind], "agreement_kind"),
        Index("ix_programmes_sector_active", "sector_id", "is_active"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=200, index=True)
    sector_id: int = Field(foreign_key="sectors.id", index=True, ondelete="RESTRICT")
    track: str = Field(max_length=30)
    level: str = Field(default=Level.SECONDARY.value, max_length=30)
    stem_label: str = Field(default=StemLabel.NON_STEM.value, max_length=20)
    # The kind of agreement the programme uses; the coordinator does not choose it.
    agreement_kind: str = Field(default=AgreementKind.ALTERNATING_TRAINING.value, max_length=30)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class Competency(SQLModel, table=True):
    """A competence cluster of a programme's standard path, learnt at school or the workplace."""

    __tablename__ = "competencies"
    __table_args__ = (
        UniqueConstraint("programme_id", "code"),
        one_of("location", [c.value for c in CompetencyLocation], "location"),
        Index("ix_competencies_programme_position", "programme_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programmes.id", ondelete="CASCADE")
    position: int = Field(default=0)
    code: str = Field(max_length=20)
    title: str = Field(max_length=300)
    location: str = Field(default=CompetencyLocation.WORKPLACE.value, max_length=10)
