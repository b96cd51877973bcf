"""The owner's follow-up, shared by the tracking pages and the API: files, what the owner sees, what they may do."""
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.complaints import evidence as evidence_store, services, validation
from app.complaints.categories import EVIDENCE_KINDS
from app.complaints.models import EventKind, Evidence
from app.complaints.states import CLOSED_STATUSES, Actor, Status, allowed_targets
from app.complaints.uploads import delete_files, store_uploads
from app.extensions import db
from app.timeutil import utcnow

# The one allow-list of what the owner sees, on the tracking pages and in the API: a kind added later
# (an internal note, an assignment) stays hidden until it is listed here.
OWNER_VISIBLE_KINDS = frozenset({EventKind.STATUS, EventKind.USER_MESSAGE, EventKind.STAFF_REPLY,
                                 EventKind.STAFF_REQUEST, EventKind.EVIDENCE})
RATEABLE = (Status.RESOLVED, Status.REJECTED)
MESSAGE_MAX = validation.DESCRIPTION_MAX
# The owner's progress stepper: the steps, which statuses reach each one, and where each status stands.
PROGRESS_STEPS = (("received", _l("已受理"), {Status.RECEIVED}),
                  ("in_review", _l("处理中"), {Status.IN_REVIEW, Status.REOPENED}),
                  ("awaiting_user", _l("待你补充"), {Status.AWAITING_USER}),
                  ("closed", _l("已办结"), set(CLOSED_STATUSES)))


@dataclass(frozen=True)
class Step:
    """One step of the progress stepper; state is done, current, upcoming or skipped (never needed)."""

    key: str
    label: str
    state: str


def add_message(complaint, body, files, kind="other"):
    """Store the files and add them with `body`; return upload errors, in which case nothing is saved."""
    stored, errors = store_uploads(files, current_app.config["EVIDENCE_MAX_FILES"] - len(complaint.evidence))
    if errors:
        return errors
    kind = kind if kind in dict(EVIDENCE_KINDS) else "other"
    try:
        services.add_user_message(complaint, body, [services.store_user_evidence(item, kind) for item in stored])
    except Exception:
        delete_files(stored)
        raise
    return []


def evidence_file(complaint, evidence_id):
    """Return (evidence, path) for a file this complaint holds, or None."""
    item = db.session.get(Evidence, evidence_id) if 0 < evidence_id < 2**31 else None
    if item is None or item.complaint_id != complaint.id:
        return None
    path = evidence_store.evidence_path(current_app.config["UPLOAD_DIR"], item.stored_name)
    return (item, path) if path.is_file() else None


def timeline(complaint):
    """Return the events the owner may see: status changes, public messages and their files, oldest first."""
    return [event for event in complaint.events if event.kind in OWNER_VISIBLE_KINDS]


def open_request(complaint):
    """Return the latest staff question while the complaint waits for the user, else None."""
    if complaint.status != Status.AWAITING_USER:
        return None
    return next((e for e in reversed(complaint.events) if e.kind == EventKind.STAFF_REQUEST), None)


def progress(complaint):
    """Return the steps 已受理 → 处理中 → 待你补充 → 已办结 with where this complaint stands on them."""
    reached = {Status.RECEIVED} | {Status(e.to_status) for e in complaint.events
                                   if e.kind == EventKind.STATUS and e.to_status}
    current = next(i for i, (_, _, statuses) in enumerate(PROGRESS_STEPS) if complaint.status in statuses)
    steps = []
    for index, (key, label, statuses) in enumerate(PROGRESS_STEPS):
        if index == current:
            state = "current"
        elif index > current:
            state = "upcoming"
        else:
            state = "done" if reached & statuses else "skipped"
        steps.append(Step(key, label, state))
    return steps


def next_due(complaint):
    """Return (what the owner waits for, by when): the first reply, then the result; None when paused or closed."""
    if complaint.status in CLOSED_STATUSES or complaint.status == Status.AWAITING_USER:
        return None
    if complaint.first_responded_at is None:
        return "first_response", complaint.first_response_due
    return "resolution", complaint.resolution_due


def actions(complaint, now=None):
    """Tell which follow-up forms to offer: message, withdraw, rate, and reopen (with its deadline)."""
    deadline = services.reopen_deadline(complaint)
    now = now or utcnow()
    return {
        "message": complaint.status not in CLOSED_STATUSES,
        "withdraw": Status.WITHDRAWN in allowed_targets(complaint.status, Actor.USER),
        "rate": complaint.status in RATEABLE and complaint.rating is None,
        "reopen_until": deadline if deadline and now <= deadline else None,
    }
