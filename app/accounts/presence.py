"""Who has a case open right now: the case page refreshes a row per (staff member, complaint)."""
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from flask import current_app

from app.accounts.models import CaseView
from app.extensions import db
from app.timeutil import aware, utcnow


# A row seen more recently than this share of the presence window is left as it is: reloading a case page or
# the page's heartbeat then costs no write (on SQLite, a GET that writes must take the database's write lock).
REFRESH_SHARE = 0.25


def touch(staff, complaint, now=None):
    """Record that `staff` has the case open now (its own small transaction, skipped when seen just now)."""
    now = now or utcnow()
    view = db.session.get(CaseView, (staff.id, complaint.id))
    if view is None:
        db.session.add(CaseView(staff_id=staff.id, complaint_id=complaint.id, seen_at=now))
    elif aware(view.seen_at) > now - dt.timedelta(seconds=current_app.config["STAFF_PRESENCE_SECONDS"] * REFRESH_SHARE):
        return
    else:
        view.seen_at = now
    db.session.commit()


def viewers(complaint_ids, exclude=None, now=None):
    """Return {complaint id: [display names]} of staff who had each case open within the presence window."""
    now = now or utcnow()
    since = now - dt.timedelta(seconds=current_app.config["STAFF_PRESENCE_SECONDS"])
    query = sa.select(CaseView).where(CaseView.complaint_id.in_(list(complaint_ids)), CaseView.seen_at >= since)
    if exclude is not None:
        query = query.where(CaseView.staff_id != exclude.id)
    found = defaultdict(list)
    for view in db.session.scalars(query.order_by(CaseView.seen_at.desc())):
        found[view.complaint_id].append(view.staff.display_name)
    return dict(found)

