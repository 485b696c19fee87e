"""Notifications to users and the record of scheduled job runs; both are keyed for exactly-once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dualflow.modelbase import one_of, utcnow


class Notification(SQLModel, table=True):
    """Something a user should know; the dedupe key makes a second send impossible."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),
        Index("ix_notifications_pending_mail", "emailed_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    email: str = Field(default="", max_length=254)
    kind: str = Field(max_length=50)
    subject: str = Field(max_length=300)
    body: str = Field(default="", max_length=4000)
    link: str = Field(default="", max_length=500)
    entity_type: str = Field(default="", max_length=40)
    entity_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    emailed_at: datetime | None = None


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one period; (job, period) is unique."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job", "period"),
        one_of("status", ("running", "succeeded", "failed"), "status"),
        Index("ix_job_runs_job_started", "job", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=80)
    period: str = Field(max_length=40)
    status: str = Field(default="running", max_length=20)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = Field(default="", max_length=4000)


class OutboxMessage(SQLModel, table=True):
    """A mail written in the transaction that caused it and sent only after that commit.

    Delivery claims a row (`claimed_at`), sends it, then marks it sent and clears the bodies,
    which may hold single-use links. A failed attempt is retried by the next run; a message
    that cannot be built or is refused for good is marked failed and never stops the others.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_pending", "sent_at", "failed_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    text_body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    html_body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=1000)
