"""Complaints per hour feed the contact channels' best-time-to-call estimates."""
from collections import Counter

import sqlalchemy as sa

from app.complaints.models import Complaint
from app.extensions import db
from app.timeutil import aware


def complaints_per_hour(since, until):
    """Yield (hour start, complaints filed) for real (non-demo) complaints between `since` and `until`."""
    query = sa.select(Complaint.created_at).where(Complaint.created_at >= since, Complaint.created_at < until,
                                                  Complaint.is_demo.is_(False))
    hours = Counter()
    for (created_at,) in db.session.execute(query):
        hours[aware(created_at).replace(minute=0, second=0, microsecond=0)] += 1
    return hours.items()
