"""Agreements between learner, company and school, and each party's signature."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dualflow.modelbase import AgreementKind, AgreementStatus, SignatureParty, one_of, utcnow


class Agreement(SQLModel, table=True):
    """One version of an agreement; a signed version is never edited, a change is a new version."""

    __tablename__ = "agreements"
    __table_args__ = (
        UniqueConstraint("placement_id", "version"),
        one_of("kind", [k.value for k in AgreementKind], "kind"),
        one_of("status", [s.value for s in AgreementStatus], "status"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 50", name="hours_per_week"),
        CheckConstraint("monthly_allowance >= 0", name="allowance"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_agreements_status_sent_at", "status", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placements.id", index=True, ondelete="RESTRICT")
    version: int = Field(default=1)
    previous_version_id: int | None = Field(default=None, foreign_key="agreements.id")
    kind: str = Field(max_length=30)
    status: str = Field(default=AgreementStatus.DRAFT.value, max_length=30)
    starts_on: date
    ends_on: date
    hours_per_week: float
    monthly_allowance: Decimal = Field(default=Decimal("0"), max_digits=8, decimal_places=2)
    sent_at: datetime | None = None
    signed_at: datetime | None = None
    terminated_on: date | None = None
    termination_reason: str = Field(default="", max_length=1000)
    document_id: int | None = Field(default=None, foreign_key="documents.id")
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class Signature(SQLModel, table=True):
    """A party's signature request and, once signed, the evidence of the signature."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("agreement_id", "party"),
        one_of("party", [p.value for p in SignatureParty], "party"),
        CheckConstraint(
            "signed_at IS NULL OR length(document_sha256) = 64", name="signed_has_hash"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreements.id", ondelete="CASCADE")
    party: str = Field(max_length=20)
    signer_email: str = Field(max_length=254)
    signer_name: str = Field(default="", max_length=200)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    token_expires_at: datetime | None = None
    last_reminded_at: datetime | None = None
    signed_at: datetime | None = None
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=500)
    document_sha256: str = Field(default="", max_length=64)
