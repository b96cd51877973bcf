"""Complaint tables. Only complaints.services writes them."""
import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.complaints.states import Status
from app.extensions import db
from app.timeutil import utcnow


Timestamp = sa.DateTime(timezone=True)


class Complaint(db.Model):
    __tablename__ = "complaint"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)
    access_code_hash: Mapped[str] = mapped_column(sa.String(128))
    category: Mapped[str] = mapped_column(sa.String(32), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    order_number: Mapped[str | None] = mapped_column(sa.String(32))
    # The seller or shop the user named (details["seller_id"]), normalised, for the public seller table.
    seller_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    notify_via: Mapped[str] = mapped_column(sa.String(10), default="email")
    language: Mapped[str] = mapped_column(sa.String(5), default="zh")
    consent_publish: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=Status.RECEIVED, index=True)
    priority: Mapped[str] = mapped_column(sa.String(10), default="normal", index=True)
    suggested_category: Mapped[str | None] = mapped_column(sa.String(32))
    triage_reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    completeness: Mapped[int] = mapped_column(default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    first_response_due: Mapped[dt.datetime] = mapped_column(Timestamp)
    resolution_due: Mapped[dt.datetime] = mapped_column(Timestamp)
    first_responded_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    closed_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    paused_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(sa.String(1000))
    rated_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # Optimistic locking: every UPDATE checks and bumps it, so two concurrent changes cannot both win.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"), index=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    due_soon_alerted_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    outcome_amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    intake_channel: Mapped[str] = mapped_column(sa.String(8), default="web", server_default="web")
    # Derived from the timestamps when the case is saved (lifecycle.stamp_durations; `flask complaints rebuild-stats`
    # recomputes them), so the statistics take medians of working time in SQL: seconds from filing to the
    # first answer, and to the decision (resolved or rejected), on the calendar and in working time.
    first_response_seconds: Mapped[int | None]
    first_response_working_seconds: Mapped[int | None]
    resolution_seconds: Mapped[int | None]
    resolution_working_seconds: Mapped[int | None]
    # The complaint's cells in complaint_tally as last counted (complaints.tally keeps both in step).
    tally_keys: Mapped[list | None] = mapped_column(sa.JSON)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The published outcomes list, newest decision first.
        sa.Index("ix_complaint_published_order", "consent_publish", "status", "closed_at", "id"),
        # Triage's first complaint about an order and a contact's latest complaints, read in order from the index;
        # also every lookup by order number, email or phone alone.
        sa.Index("ix_complaint_order_number_created", "order_number", "created_at"),
        sa.Index("ix_complaint_contact_email_created", "contact_email", "created_at"),
        sa.Index("ix_complaint_contact_phone_created", "contact_phone", "created_at"),
        # Per-hour counts of real (non-demo) filings, and the demo flag of a period.
        sa.Index("ix_complaint_demo_created", "is_demo", "created_at"),
        # The open backlog by age, the queue views by status and the monthly counts.
        sa.Index("ix_complaint_status_created", "status", "created_at"),
        # The queue's "mine" and "unassigned" views and their counts, without reading the table.
        sa.Index("ix_complaint_status_assignee", "status", "assignee_id"),
        # Today's slice of each deadline and of the reopening window, counted live next to the tally.
        sa.Index("ix_complaint_first_response_due", "first_response_due"),
        sa.Index("ix_complaint_resolution_due", "resolution_due"),
        sa.Index("ix_complaint_closed_at", "closed_at"),
        # Open cases past their next deadline (the queue's overdue view, the public overdue count): index only.
        sa.Index("ix_complaint_status_clock", "status", "first_responded_at", "first_response_due", "resolution_due"),
        # Nearest-rank percentiles walk these in order instead of sorting a million rows; the filing time
        # lets a period's walk skip other rows without reading the table.
        sa.Index("ix_complaint_first_response_seconds", "first_response_seconds", "created_at"),
        sa.Index("ix_complaint_first_response_working_seconds", "first_response_working_seconds", "created_at"),
        sa.Index("ix_complaint_resolution_seconds", "resolution_seconds", "created_at"),
        sa.Index("ix_complaint_resolution_working_seconds", "resolution_working_seconds", "created_at"),
    )

    events: Mapped[list["ComplaintEvent"]] = relationship(back_populates="complaint", order_by="ComplaintEvent.id",
                                                          cascade="all, delete-orphan")
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="complaint", order_by="Evidence.id")
    duplicate_of: Mapped["Complaint | None"] = relationship(remote_side=[id])
    assignee = relationship("StaffMember")


class EventKind(enum.StrEnum):
    """What a timeline entry records. Which kinds the owner may see is decided in complaints.followup."""

    STATUS = "status"
    USER_MESSAGE = "user_message"
    STAFF_REPLY = "staff_reply"
    STAFF_REQUEST = "staff_request"
    EVIDENCE = "evidence"
    NOTE = "note"  # internal: staff only, never shown to the user or the public
    ASSIGNMENT = "assignment"
    PRIORITY = "priority"
    CATEGORY = "category"
    DUPLICATE = "duplicate"
    ESCALATION = "escalation"


class ComplaintEvent(db.Model):
    """Timeline entry: a status change, a message from either side, added evidence, or a staff step."""

    __tablename__ = "complaint_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20))
    actor: Mapped[str] = mapped_column(sa.String(10))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))
    complaint: Mapped[Complaint] = relationship(back_populates="events")
    staff = relationship("StaffMember")

    @property
    def staff_name(self):
        """The name the user sees for a staff event ("客服阿杰"), never an email."""
        return self.staff.display_name if self.staff else None


class ComplaintDraft(db.Model):
    """A complaint being written: survives validation errors and keeps uploaded files attached."""

    __tablename__ = "complaint_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="draft", order_by="Evidence.id")


class Evidence(db.Model):
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint_draft.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="other")
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[str] = mapped_column(sa.String(10), default="user")
    uploaded_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    complaint: Mapped[Complaint | None] = relationship(back_populates="evidence")
    draft: Mapped[ComplaintDraft | None] = relationship(back_populates="evidence")


class AccessLockout(db.Model):
    """Wrong access codes per reference (existing or not), so both look the same to a guesser."""

    __tablename__ = "access_lockout"
    reference: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)


class Deflection(db.Model):
    """A would-be complaint solved by a help article ("已解决，不用投诉了")."""

    __tablename__ = "deflection"
    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str | None] = mapped_column(sa.String(32))
    article_slug: Mapped[str | None] = mapped_column(sa.String(80))
    at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, index=True)


class ComplaintTally(db.Model):
    """Running counts of complaints per filing day (portal time) and cell, kept in the same transaction as
    every change to a complaint (complaints.tally), so the statistics add up a few thousand rows, not a million.
    """

    __tablename__ = "complaint_tally"
    day: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # "YYYY-MM-DD"; "" for all-time cells
    name: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
