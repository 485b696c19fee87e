"""Trajectories (learner x programme x school x school year) and their workplace placements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dualflow.modelbase import (
    CompetencyLocation,
    CouncilDecision,
    LearningForm,
    TrajectoryStatus,
    one_of,
    utcnow,
)


class Trajectory(SQLModel, table=True):
    """A learner's path through one programme at one school in one school year."""

    __tablename__ = "trajectories"
    __table_args__ = (
        UniqueConstraint("learner_id", "programme_id", "school_year"),
        one_of("status", [s.value for s in TrajectoryStatus], "status"),
        one_of("learning_form", [f.value for f in LearningForm], "learning_form"),
        CheckConstraint("school_year BETWEEN 2000 AND 2100", name="school_year"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
        CheckConstraint(
            "(status = 'active') = (ends_on IS NULL)", name="ended_when_not_active"
        ),
        Index("ix_trajectories_school_year_status", "school_id", "school_year", "status"),
        Index("ix_trajectories_programme_year", "programme_id", "school_year"),
        # The daily deadline rules look for active trajectories by start or agreement clock.
        Index("ix_trajectories_status_starts_on", "status", "starts_on"),
        Index("ix_trajectories_status_clock", "status", "agreement_clock_starts_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learners.id", index=True, ondelete="RESTRICT")
    programme_id: int = Field(foreign_key="programmes.id", ondelete="RESTRICT")
    school_id: int = Field(foreign_key="schools.id", ondelete="RESTRICT")
    coordinator_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    # The calendar year in which the school year starts: 2026 is 2026-27.
    school_year: int
    starts_on: date
    ends_on: date | None = None
    status: str = Field(default=TrajectoryStatus.ACTIVE.value, max_length=20)
    learning_form: str = Field(default=LearningForm.DUAL.value, max_length=20)
    end_reason: str = Field(default="", max_length=500)
    # Start of the period in which a signed agreement is due (lesson start or early termination).
    agreement_clock_starts_on: date | None = None
    class_group: str = Field(default="", max_length=30)
    created_at: datetime = Field(default_factory=utcnow)


class Placement(SQLModel, table=True):
    """A trajectory's period at a recognised site with a mentor."""

    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 50", name="hours_per_week"),
        Index("ix_placements_trajectory_period", "trajectory_id", "starts_on"),
        Index("ix_placements_mentor_period", "mentor_id", "ends_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trajectory_id: int = Field(foreign_key="trajectories.id", ondelete="CASCADE")
    site_id: int = Field(foreign_key="sites.id", index=True, ondelete="RESTRICT")
    mentor_id: int = Field(foreign_key="mentors.id", ondelete="RESTRICT")
    recognition_id: int = Field(foreign_key="recognitions.id", index=True, ondelete="RESTRICT")
    starts_on: date
    ends_on: date
    hours_per_week: float
    # The half-days at the workplace, e.g. ["mon_am", "mon_pm", "tue_am"]; the contract states it.
    weekly_schedule: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False,
                                                                         server_default="[]"))
    # Set when the recognition is withdrawn or expires during the placement.
    recognition_lost_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class TrainingPlanEntry(SQLModel, table=True):
    """Where this learner learns a competency when it differs from the programme's standard path."""

    __tablename__ = "training_plan_entries"
    __table_args__ = (
        one_of("location", [c.value for c in CompetencyLocation], "location"),
    )

    trajectory_id: int = Field(foreign_key="trajectories.id", primary_key=True,
                               ondelete="CASCADE")
    competency_id: int = Field(foreign_key="competencies.id", primary_key=True,
                               ondelete="CASCADE")
    location: str = Field(max_length=10)


class ClassCouncilDecision(SQLModel, table=True):
    """The class council's decision on a trajectory at the end of its school year."""

    __tablename__ = "class_council_decisions"
    __table_args__ = (
        one_of("decision", [d.value for d in CouncilDecision], "decision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trajectory_id: int = Field(foreign_key="trajectories.id", unique=True, ondelete="CASCADE")
    decision: str = Field(max_length=20)
    decided_on: date
    note: str = Field(default="", max_length=2000)
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
