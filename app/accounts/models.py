"""Staff accounts, the append-only audit log, and alerts shown in the console (and emailed on request)."""
import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

Timestamp = sa.DateTime(timezone=True)


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


# Each role may do everything the roles before it may.
ROLE_RANK = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


class StaffMember(db.Model):
    """A person who handles complaints. The public sees only `display_name`."""

    __tablename__ = "staff_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(40))
    role: Mapped[str] = mapped_column(sa.String(12), default=Role.AGENT)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_required: Mapped[bool] = mapped_column(default=False)
    # The last accepted TOTP time step, so a code cannot be replayed within its window.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Rotated at every login and logout: a session cookie naming an old token is signed out.
    session_token: Mapped[str | None] = mapped_column(sa.String(64))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    notify_by_email: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)

    def has_role(self, role):
        """Tell whether this member holds `role` or a higher one."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def needs_totp(self):
        """Supervisors and admins always need two-factor sign-in; agents when an admin requires it."""
        return self.totp_required or self.has_role(Role.SUPERVISOR)

    # Flask-Login's user interface.
    @property
    def is_active(self):
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        return f"{self.id}:{self.session_token}"


class AuditEntry(db.Model):
    """One staff action, sign-in, reveal, evidence view or export; rows are only ever added."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_member.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    # What was acted on when it is not a complaint: an email typed at sign-in, an account, a report.
    subject: Mapped[str | None] = mapped_column(sa.String(254))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    client: Mapped[str | None] = mapped_column(sa.String(64))
    staff: Mapped[StaffMember | None] = relationship()
    complaint = relationship("Complaint")


class StaffAlert(db.Model):
    """Something a staff member should know: shown in the console, and emailed when they chose email."""

    __tablename__ = "staff_alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    complaint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaint.id"))
    text: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    complaint = relationship("Complaint")


class CaseView(db.Model):
    """Who has a case open right now: refreshed while the case page is open."""

    __tablename__ = "case_view"
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_member.id"), primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    staff: Mapped[StaffMember] = relationship()
