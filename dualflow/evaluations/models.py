"""Evaluation moments fixed in the training plan, the mentor's evaluation and its scores."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from dualflow.modelbase import EvaluationStatus, one_of, utcnow


class EvaluationMoment(SQLModel, table=True):
    """A planned evaluation date of a trajectory; its status follows the evaluation's progress."""

    __tablename__ = "evaluation_moments"
    __table_args__ = (
        one_of("status", [s.value for s in EvaluationStatus], "status"),
        Index("ix_evaluation_moments_trajectory_due", "trajectory_id", "due_on"),
        Index("ix_evaluation_moments_status_due", "status", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trajectory_id: int = Field(foreign_key="trajectories.id", ondelete="CASCADE")
    title: str = Field(max_length=100)
    due_on: date
    status: str = Field(default=EvaluationStatus.PLANNED.value, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


# The ORM adds "WHERE version = :seen" to every UPDATE, so a concurrent save cannot win silently.
_VERSION = Column("version", Integer, nullable=False)


class Evaluation(SQLModel, table=True):
    """The mentor's evaluation at one moment; `version` catches concurrent edits."""

    __tablename__ = "evaluations"
    __mapper_args__ = {"version_id_col": _VERSION}

    id: int | None = Field(default=None, primary_key=True)
    moment_id: int = Field(foreign_key="evaluation_moments.id", unique=True, ondelete="CASCADE")
    mentor_id: int | None = Field(default=None, foreign_key="mentors.id", index=True)
    version: int = Field(sa_column=_VERSION)
    general_comment: str = Field(default="", max_length=4000)
    school_comment: str = Field(default="", max_length=4000)
    sent_back_reason: str = Field(default="", max_length=2000)
    self_reflection: str = Field(default="", max_length=4000)
    self_reflection_at: datetime | None = None
    submitted_at: datetime | None = None
    reviewed_at: datetime | None = None
    reviewed_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow)


class EvaluationScore(SQLModel, table=True):
    """A competency's level in an evaluation; no level means n.v.t. (not assessed this time)."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "competency_id"),
        CheckConstraint("level IS NULL OR level BETWEEN 1 AND 4", name="level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(foreign_key="evaluations.id", ondelete="CASCADE")
    competency_id: int = Field(foreign_key="competencies.id", index=True, ondelete="RESTRICT")
    level: int | None = None
    comment: str = Field(default="", max_length=2000)
