"""Learners of a school; personal data of mostly minors, handled accordingly."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dualflow.modelbase import Gender, Language, one_of, utcnow


class Learner(SQLModel, table=True):
    """A learner registered by a school; the national number is unique when known."""

    __tablename__ = "learners"
    __table_args__ = (
        one_of("gender", [g.value for g in Gender], "gender"),
        one_of("language", (Language.NL.value, Language.FR.value), "language"),
        CheckConstraint(
            "national_number IS NULL OR length(national_number) = 11", name="national_number"
        ),
        Index("ix_learners_school_name", "school_id", "last_name", "first_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", ondelete="RESTRICT")
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    birth_date: date
    gender: str = Field(max_length=1)
    national_number: str | None = Field(default=None, max_length=11, unique=True)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    street: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=4)
    municipality: str = Field(default="", max_length=100)
    language: str = Field(default=Language.NL.value, max_length=2)
    class_group: str = Field(default="", max_length=30, index=True)
    guardian_name: str = Field(default="", max_length=200)
    guardian_email: str = Field(default="", max_length=254)
    guardian_phone: str = Field(default="", max_length=40)
    anonymised_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ImportColumnMapping(SQLModel, table=True):
    """A column header a school's export uses, and the learner field it was mapped to."""

    __tablename__ = "import_column_mappings"
    __table_args__ = (UniqueConstraint("school_id", "header"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", ondelete="CASCADE")
    # The header as the import normalises it (case, accents and punctuation folded).
    header: str = Field(max_length=200)
    # A learner field, or "" for a column the school chose to ignore.
    field: str = Field(default="", max_length=40)
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow)
