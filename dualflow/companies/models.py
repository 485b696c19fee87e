"""Companies, their sites (vestigingseenheden) and the mentors who guide learners there."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from dualflow.modelbase import utcnow


class Company(SQLModel, table=True):
    """An enterprise identified by its KBO enterprise number (ten digits, stored without dots)."""

    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("length(kbo_number) = 10", name="kbo_number_length"),
        CheckConstraint(
            "weekly_working_hours IS NULL OR weekly_working_hours BETWEEN 1 AND 50",
            name="weekly_working_hours",
        ),
        Index("ix_companies_postcode", "postcode"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kbo_number: str = Field(max_length=10, unique=True)
    name: str = Field(max_length=200, index=True)
    legal_form: str = Field(default="", max_length=40)
    sector_id: int | None = Field(default=None, foreign_key="sectors.id", index=True)
    street: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=4)
    municipality: str = Field(default="", max_length=100, index=True)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=254)
    contact_phone: str = Field(default="", max_length=40)
    # The company's average weekly working time; an OAO's school and workplace hours add up to it.
    weekly_working_hours: float | None = None
    # The school that registered the company maintains it until the company has an active
    # account of its own (dualflow.policy); other schools only read it.
    registered_by_school_id: int | None = Field(
        default=None, foreign_key="schools.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)


class Site(SQLModel, table=True):
    """A site (vestigingseenheid) of a company, with its own ten-digit number starting with 2."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("length(number) = 10", name="number_length"),
        Index("ix_sites_postcode", "postcode"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="companies.id", index=True, ondelete="CASCADE")
    number: str = Field(max_length=10, unique=True)
    name: str = Field(max_length=200)
    street: str = Field(default="", max_length=200)
    postcode: str = Field(max_length=4)
    municipality: str = Field(max_length=100, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Mentor(SQLModel, table=True):
    """A company employee designated to guide learners, with the facts eligibility depends on."""

    __tablename__ = "mentors"
    __table_args__ = (
        CheckConstraint("experience_years >= 0", name="experience_years"),
        Index("ix_mentors_company_last_name", "company_id", "last_name"),
        Index("ix_mentors_training_due", "training_completed_on", "appointed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="companies.id", ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="users.id", unique=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str = Field(default="", max_length=254, index=True)
    phone: str = Field(default="", max_length=40)
    function_title: str = Field(default="", max_length=100)
    birth_date: date | None = None
    experience_years: int = Field(default=0)
    relevant_qualification: bool = Field(default=False)
    appointed_on: date | None = None
    training_completed_on: date | None = None
    # The date on the criminal record extract (model 596.2) and the uploaded extract itself,
    # a private document (dualflow.policy: company, deciding sector, admins).
    record_check_on: date | None = None
    record_extract_document_id: int | None = Field(
        default=None, foreign_key="documents.id", index=True, ondelete="SET NULL"
    )
    has_teaching_certificate: bool = Field(default=False)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
