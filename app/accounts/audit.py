"""The audit log: who did what, when, to which complaint or account, with the state before and after."""
import sqlalchemy as sa

from app.accounts.models import AuditEntry
from app.extensions import db
from app.timeutil import utcnow


def record(kind, staff=None, complaint=None, subject=None, before=None, after=None, client=None, now=None):
    """Add an audit entry to the caller's transaction (flush only)."""
    entry = AuditEntry(kind=kind, staff_id=staff.id if staff else None, complaint_id=complaint.id if complaint else None,
                       subject=subject[:254] if subject else None, before=before, after=after,
                       client=client[:64] if client else None, at=now or utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


def log(kind, **fields):
    """Record an audit entry as a use case of its own (a reveal, an evidence view) and commit it."""
    entry = record(kind, **fields)
    db.session.commit()
    return entry


def entries(staff_id=None, complaint_id=None, kind=None):
    """Return the select statement for audit entries, newest first, optionally filtered."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if staff_id:
        query = query.where(AuditEntry.staff_id == staff_id)
    if complaint_id:
        query = query.where(AuditEntry.complaint_id == complaint_id)
    if kind:
        query = query.where(AuditEntry.kind.startswith(kind))
    return query


def kinds():
    """Return the distinct kinds recorded so far, for the filter."""
    return list(db.session.scalars(sa.select(AuditEntry.kind).distinct().order_by(AuditEntry.kind)))
