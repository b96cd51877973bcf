"""Worded, anonymised case summaries and their small publishing state machine."""
import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

Timestamp = sa.DateTime(timezone=True)


class SummaryStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class CaseSummary(db.Model):
    """The public story of one decided complaint whose owner consented: drafted, approved by a second person,
    published under a random id, and withdrawn at once if the owner withdraws consent."""

    __tablename__ = "case_summary"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=SummaryStatus.DRAFT, index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    drafted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(Timestamp, index=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    complaint = relationship("Complaint")
    drafted_by = relationship("StaffMember", foreign_keys=[drafted_by_id])
    approved_by = relationship("StaffMember", foreign_keys=[approved_by_id])
