"""Staff alerts: always shown in the console, and emailed through the outbox to those who chose email."""
import sqlalchemy as sa
from flask import current_app

from app.accounts.models import Role, StaffAlert, StaffMember
from app.extensions import db
from app.notifications.outbox import enqueue
from app.timeutil import utcnow


def alert(member, kind, text, complaint=None, now=None):
    """Alert one staff member (flush only)."""
    db.session.add(StaffAlert(staff_id=member.id, kind=kind, text=text[:300], complaint_id=complaint and complaint.id,
                              created_at=now or utcnow()))
    if member.notify_by_email:
        link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + (
            f"/staff/complaints/{complaint.reference}" if complaint else "/staff")
        enqueue(member.email, f"[卡盟客服台] {text}"[:200], f"{text}\n\n{link}\n", kind=f"staff_{kind}",
                reference=None)
    db.session.flush()


def alert_supervisors(kind, text, complaint=None, now=None):
    """Alert every active supervisor and admin."""
    for member in active_members(Role.SUPERVISOR):
        alert(member, kind, text, complaint, now)


def active_members(min_role=Role.AGENT):
    """Return active staff holding at least `min_role`, by name."""
    members = db.session.scalars(sa.select(StaffMember).where(StaffMember.active.is_(True))
                                 .order_by(StaffMember.display_name)).all()
    return [m for m in members if m.has_role(min_role)]


def unread(member, limit=50):
    """Return the member's unread alerts, newest first."""
    return db.session.scalars(sa.select(StaffAlert).where(StaffAlert.staff_id == member.id,
                                                          StaffAlert.read_at.is_(None))
                              .order_by(StaffAlert.id.desc()).limit(limit)).all()


def unread_count(member):
    """Count the member's unread alerts (shown in the console header)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(StaffAlert)
                             .where(StaffAlert.staff_id == member.id, StaffAlert.read_at.is_(None)))


def recent(member, limit=50):
    """Return the member's latest alerts, read or not."""
    return db.session.scalars(sa.select(StaffAlert).where(StaffAlert.staff_id == member.id)
                              .order_by(StaffAlert.id.desc()).limit(limit)).all()


def mark_read(member, now=None):
    """Mark all of the member's alerts read."""
    db.session.execute(sa.update(StaffAlert).where(StaffAlert.staff_id == member.id, StaffAlert.read_at.is_(None))
                       .values(read_at=now or utcnow()))
    db.session.commit()
