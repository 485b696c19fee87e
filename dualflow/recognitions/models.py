"""Recognition of a company site as a workplace (leerwerkplek) for one programme."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from dualflow.modelbase import LIVE_RECOGNITION_STATUSES, RecognitionStatus, one_of, utcnow

_LIVE = "status IN ({})".format(", ".join(f"'{s.value}'" for s in LIVE_RECOGNITION_STATUSES))
# A renewal lives next to the recognition it renews; one renewal per recognition.
_LIVE_FIRST = f"{_LIVE} AND renews_id IS NULL"


class Recognition(SQLModel, table=True):
    """A request for, and once decided the state of, a site's recognition for a programme."""

    __tablename__ = "recognitions"
    __table_args__ = (
        one_of("status", [s.value for s in RecognitionStatus], "status"),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
            name="validity",
        ),
        CheckConstraint("sworn_declaration", name="sworn_declaration"),
        # At most one live (open or approved) recognition per site and programme.
        Index(
            "uq_recognitions_live_site_programme",
            "site_id",
            "programme_id",
            unique=True,
            sqlite_where=text(_LIVE_FIRST),
            postgresql_where=text(_LIVE_FIRST),
        ),
        Index("ix_recognitions_programme_status", "programme_id", "status"),
        Index("ix_recognitions_status_valid_until", "status", "valid_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="sites.id", index=True, ondelete="CASCADE")
    programme_id: int = Field(foreign_key="programmes.id", ondelete="RESTRICT")
    status: str = Field(default=RecognitionStatus.SUBMITTED.value, max_length=20)
    sworn_declaration: bool = Field(default=False)
    submitted_at: datetime = Field(default_factory=utcnow, index=True)
    # Indexed: coordinators see the requests filed by their school.
    submitted_by_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    decided_at: datetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    valid_from: date | None = None
    valid_until: date | None = None
    decision_reason: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=2000)
    # The recognition this request renews (pre-filled from it), if any.
    renews_id: int | None = Field(default=None, foreign_key="recognitions.id", unique=True)
    # Why the validity runs beyond the sector's term; required in that case.
    validity_reason: str = Field(default="", max_length=1000)


class RecognitionMentor(SQLModel, table=True):
    """A mentor named in a recognition request."""

    __tablename__ = "recognition_mentors"

    recognition_id: int = Field(foreign_key="recognitions.id", primary_key=True, ondelete="CASCADE")
    mentor_id: int = Field(
        foreign_key="mentors.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    # The sector accepted this mentor on the lower age and experience path (qualification) when
    # it reviewed the request; never automatic.
    lower_path_accepted: bool = Field(default=False)
