"""The one path for every status change, the timeline record, and the optimistic lock (flush only).

Every public complaint service ends with `commit(complaint)`, so a change made by someone else since the
complaint was read (an agent's resolve racing a user's withdraw) raises ComplaintChanged and applies nothing.
"""
from sqlalchemy.orm.exc import StaleDataError

from app.complaints import notify, sla
from app.complaints.models import ComplaintEvent, EventKind
from app.complaints.states import CLOSED_STATUSES, Status, check_transition
from app.extensions import db
from app.timeutil import aware

# Decided by staff: only these have a time to resolution (a withdrawn or merged case was never decided).
DECIDED = (Status.RESOLVED, Status.REJECTED)


class ComplaintChanged(Exception):
    """The complaint changed since the caller read it (its version moved on); nothing was applied."""

    def __init__(self, reference, seen=None, current=None):
        super().__init__(f"complaint {reference} changed (seen version {seen}, now {current})")
        self.reference, self.seen, self.current = reference, seen, current


def expect_version(complaint, seen):
    """Raise ComplaintChanged unless the caller saw the complaint's current version (None skips the check)."""
    if seen is not None and int(seen) != complaint.version:
        raise ComplaintChanged(complaint.reference, seen, complaint.version)


def commit(complaint):
    """Commit the unit of work; a concurrent change to the complaint rolls it back as ComplaintChanged."""
    reference = complaint.reference
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ComplaintChanged(reference) from None


def transition(complaint, target, actor, now, note=None, staff=None, tell_user=True):
    """Check the move, set the status, keep SLA clocks honest, record the event and (usually) tell the user."""
    check_transition(complaint.status, target, actor)
    previous = Status(complaint.status)
    if previous == Status.AWAITING_USER and complaint.paused_at:
        _resume_sla(complaint, now)
    if target == Status.AWAITING_USER:
        complaint.paused_at = now
    if target == Status.REOPENED:
        _start_again(complaint, now)
    complaint.status = target
    complaint.updated_at = now
    complaint.closed_at = now if target in CLOSED_STATUSES else None
    record(complaint, EventKind.STATUS, actor, now, from_status=previous, to_status=target, note=note, staff=staff)
    if tell_user:
        notify.status_changed(complaint, note)


def stamp_durations(complaint, working_time=None):
    """Store the seconds to first answer and to decision, on the calendar and in working time.

    Called for every complaint the ORM writes (complaints.tally's flush hook), so they follow any change.
    """
    working_time = working_time or sla.working_time_between
    created = aware(complaint.created_at)
    answered = complaint.first_responded_at and aware(complaint.first_responded_at)
    decided = complaint.status in DECIDED and complaint.closed_at and aware(complaint.closed_at)
    complaint.first_response_seconds, complaint.first_response_working_seconds = _spent(created, answered,
                                                                                        working_time)
    complaint.resolution_seconds, complaint.resolution_working_seconds = _spent(created, decided, working_time)


def _spent(start, end, working_time):
    if not end:
        return None, None
    return int((end - start).total_seconds()), int(working_time(start, end).total_seconds())


def record(complaint, kind, actor, now, staff=None, **fields):
    """Append a timeline event to the complaint."""
    event = ComplaintEvent(kind=kind, actor=actor, at=now, staff_id=staff.id if staff else None, **fields)
    complaint.events.append(event)
    return event


def _start_again(complaint, now):
    """A reopened case, whoever reopened it, has no decision, no first answer and fresh SLA dates (at its
    priority as it stands now), and its deadline alerts may fire again."""
    complaint.outcome = complaint.outcome_amount_cents = complaint.first_responded_at = None
    complaint.first_response_due, complaint.resolution_due = sla.due_dates(complaint.category, complaint.priority, now)
    complaint.escalated_at = complaint.due_soon_alerted_at = None


def _resume_sla(complaint, now):
    paused = sla.working_time_between(aware(complaint.paused_at), now)
    if complaint.first_responded_at is None:
        complaint.first_response_due = sla.add_working_time(aware(complaint.first_response_due), paused)
    complaint.resolution_due = sla.add_working_time(aware(complaint.resolution_due), paused)
    complaint.paused_at = None
