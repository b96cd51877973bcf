"""Reports of fake customer-service contacts, sent from the verifier and decided by staff.

One row per report: a value reported by five visitors is five rows sharing (kind, key). Staff decide the
whole value at once (every open row of that key), and the rows a supervisor confirmed become known fakes.
"""
import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

Timestamp = sa.DateTime(timezone=True)
VALUE_MAX = 200
NOTE_MAX = 500


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class FakeReport(db.Model):
    """One visitor's report that a contact which is not ours pretended to be customer service."""

    __tablename__ = "fake_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # number | email | url | account, from verify.normalize()
    key: Mapped[str] = mapped_column(sa.String(VALUE_MAX), index=True)  # the normalised value
    value: Mapped[str] = mapped_column(sa.String(VALUE_MAX))  # as the visitor typed it
    note: Mapped[str | None] = mapped_column(sa.String(NOTE_MAX))
    # A keyed hash of the client address and the normalised value: repeats are recognised, the address is not kept.
    reporter: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=ReportStatus.OPEN, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"))
    # Shown to the public in the verifier's warning when the report is confirmed.
    decision_note: Mapped[str | None] = mapped_column(sa.String(NOTE_MAX))
    decided_by = relationship("StaffMember")
