"""Stored documents: generated PDFs kept byte for byte with their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from dualflow.modelbase import utcnow


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
