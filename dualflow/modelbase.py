"""Shared pieces of the table definitions; importing this sets the constraint naming convention."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import SQLModel

# Named constraints let Alembic's batch mode on SQLite drop and alter them later.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now as an aware UTC datetime, the form every timestamp is stored and compared in."""
    return datetime.now(UTC)


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """A check constraint that keeps a text column inside a closed set of values."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    COMPANY = "company"
    MENTOR = "mentor"
    SECTOR = "sector"


class Track(StrEnum):
    LABOUR_MARKET = "arbeidsmarkt"
    DOUBLE = "dubbele_finaliteit"
    PROGRESSION = "doorstroom"


class Level(StrEnum):
    SECONDARY = "secundair"
    SECONDARY_ADULT = "secundair_volwassenen"
    HBO5 = "hbo5"
    BACHELOR = "bachelor"


class StemLabel(StrEnum):
    STEM = "stem"
    STEM_LIGHT = "stem_licht"
    STEM_CARE = "stem_zorg"
    NON_STEM = "niet_stem"


class CompetencyLocation(StrEnum):
    SCHOOL = "school"
    WORKPLACE = "workplace"
    BOTH = "both"


class RecognitionStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


LIVE_RECOGNITION_STATUSES = (
    RecognitionStatus.SUBMITTED,
    RecognitionStatus.IN_REVIEW,
    RecognitionStatus.APPROVED,
)


class Gender(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class TrajectoryStatus(StrEnum):
    ACTIVE = "active"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    STOPPED = "stopped"
    REORIENTED = "reoriented"


class LearningForm(StrEnum):
    DUAL = "duaal"
    WORKPLACE_LEARNING = "werkplekleren"
    SCHOOL_BASED = "schoolgebonden"


class AgreementKind(StrEnum):
    INTERNSHIP = "internship"
    ALTERNATING_TRAINING = "alternating_training"
    PART_TIME_EMPLOYMENT = "part_time_employment"


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_SIGNATURES = "awaiting_signatures"
    SIGNED = "signed"
    TERMINATED = "terminated"


class TerminationKind(StrEnum):
    MUTUAL = "mutual"
    NOTICE = "notice"
    URGENT_REASON = "urgent_reason"
    LEFT_PROGRAMME = "left_programme"


class CouncilDecision(StrEnum):
    PASSES = "passes"
    DOES_NOT_PASS = "does_not_pass"  # noqa: S105 - a decision, not a secret
    QUALIFIED = "qualified"


class SignatureParty(StrEnum):
    LEARNER = "learner"
    GUARDIAN = "guardian"
    COMPANY = "company"
    SCHOOL = "school"


class EvaluationStatus(StrEnum):
    PLANNED = "planned"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"


class MailFrequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    NONE = "none"


class Language(StrEnum):
    NL = "nl"
    FR = "fr"
    EN = "en"
