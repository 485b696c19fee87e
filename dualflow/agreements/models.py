"""Agreements between learner, company and school, and each party's signature."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dualflow.modelbase import (
    AgreementKind,
    AgreementStatus,
    SignatureParty,
    TerminationKind,
    one_of,
    utcnow,
)


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
        CheckConstraint("allowance_category IS NULL OR allowance_category BETWEEN 1 AND 3",
                        name="allowance_category"),
        one_of("termination_kind", [k.value for k in TerminationKind], "termination_kind"),
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
    # OAO: the learner's prior-education category; the amount is the one `allowance_rates` has
    # in force for it in each month, so an index step needs no new contract. SAO: an optional
    # expense allowance; part-time employment: the gross monthly wage.
    allowance_category: int | None = Field(default=None)
    monthly_allowance: Decimal = Field(default=Decimal("0"), max_digits=8, decimal_places=2)
    sent_at: datetime | None = None
    signed_at: datetime | None = None
    terminated_on: date | None = None
    termination_kind: str | None = Field(default=None, max_length=30)
    termination_reason: str = Field(default="", max_length=1000)
    # The PDF sent for signature (what every party sees and signs) and, once all have signed,
    # the final PDF with the signature page. Both are stored once and never change.
    document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    signed_document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    # The plain data the sent PDF was rendered from, so the signed PDF repeats it exactly.
    contract_data: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class Signature(SQLModel, table=True):
    """A party's signature request for one sent document and, once signed, the evidence."""

    __tablename__ = "signatures"
    __table_args__ = (
        # One request per party per sent document: re-sending a changed agreement asks again,
        # while the rows (and links) of the earlier document stay to say that it changed.
        UniqueConstraint("agreement_id", "document_id", "party"),
        one_of("party", [p.value for p in SignatureParty], "party"),
        one_of("language", ("nl", "fr", "en"), "language"),
        CheckConstraint(
            "signed_at IS NULL OR length(document_sha256) = 64", name="signed_has_hash"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreements.id", ondelete="CASCADE")
    party: str = Field(max_length=20)
    # The document this request is for; a link whose document is no longer the agreement's
    # current one is refused.
    document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    signer_email: str = Field(max_length=254)
    # The full name the signer must type, and the name as typed when signing.
    expected_name: str = Field(default="", max_length=200)
    signer_name: str = Field(default="", max_length=200)
    language: str = Field(default="nl", max_length=2)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    token_expires_at: datetime | None = None
    last_reminded_at: datetime | None = None
    signed_at: datetime | None = None
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=500)
    document_sha256: str = Field(default="", max_length=64)


class AllowanceRate(SQLModel, table=True):
    """The OAO learning allowance of a category from a date on; an index step is a new row."""

    __tablename__ = "allowance_rates"
    __table_args__ = (
        UniqueConstraint("category", "valid_from"),
        CheckConstraint("category BETWEEN 1 AND 3", name="category"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    category: int
    valid_from: date
    amount: Decimal = Field(max_digits=8, decimal_places=2)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
