"""Stored documents: generated PDFs kept byte for byte with their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from dualflow.modelbase import one_of, utcnow


class Document(SQLModel, table=True):
    """A stored file; its content and hash never change once written."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256"),
        CheckConstraint("size_bytes >= 0", name="size"),
        Index("ix_documents_subject", "subject_type", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    filename: str = Field(max_length=200)
    media_type: str = Field(default="application/pdf", max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    subject_type: str = Field(default="", max_length=40)
    subject_id: int | None = None
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class ReportBatch(SQLModel, table=True):
    """A coordinator's request for a ZIP of progress reports, built by the background worker."""

    __tablename__ = "report_batches"
    __table_args__ = (
        one_of("status", ("queued", "running", "done", "failed"), "status"),
        CheckConstraint("done_count >= 0 AND total_count >= 0", name="counts"),
        Index("ix_report_batches_school_created", "school_id", "created_at"),
        Index("ix_report_batches_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", ondelete="CASCADE")
    requested_by_id: int | None = Field(default=None, foreign_key="users.id")
    school_year: int
    programme_id: int | None = Field(default=None, foreign_key="programmes.id")
    class_group: str = Field(default="", max_length=30)
    language: str = Field(default="nl", max_length=2)
    status: str = Field(default="queued", max_length=20)
    total_count: int = Field(default=0)
    done_count: int = Field(default=0)
    document_id: int | None = Field(default=None, foreign_key="documents.id")
    error: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    # Touched while building, so a batch whose worker died can be taken over.
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
