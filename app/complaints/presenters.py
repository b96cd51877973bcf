"""Allow-listed views of a complaint: what anyone with the reference may see, and what its owner sees."""
from app.complaints import followup
from app.complaints.categories import CATEGORIES
from app.complaints.models import EventKind
from app.complaints.services import is_overdue
from app.complaints.states import Actor
from app.timeutil import aware

# Owner-visible events shown elsewhere in the payload: status changes as the timeline, files as the evidence list.
NOT_MESSAGES = (EventKind.STATUS, EventKind.EVIDENCE)


def _iso(moment):
    return aware(moment).isoformat() if moment else None


def public_view(complaint):
    """Status and dates only: a leaked reference reveals nothing personal."""
    return {"reference": complaint.reference, "status": complaint.status,
            "created_at": _iso(complaint.created_at), "updated_at": _iso(complaint.updated_at)}


def receipt_view(complaint, access_code):
    """What a new complaint's filer gets back: the reference, the access code (shown once) and the first due date."""
    return {"reference": complaint.reference, "access_code": access_code, "status": complaint.status,
            "first_response_due": _iso(complaint.first_response_due)}


def private_view(complaint):
    """The owner's view: timeline, messages and due dates (never contact details or internal notes)."""
    visible = followup.timeline(complaint)
    return {
        "reference": complaint.reference, "status": complaint.status, "category": complaint.category,
        "category_name": str(CATEGORIES[complaint.category].name), "created_at": _iso(complaint.created_at),
        "updated_at": _iso(complaint.updated_at), "first_response_due": _iso(complaint.first_response_due),
        "resolution_due": _iso(complaint.resolution_due), "overdue": is_overdue(complaint),
        "timeline": [{"at": _iso(e.at), "status": e.to_status, "note": e.note}
                     for e in visible if e.kind == EventKind.STATUS],
        "messages": [{"at": _iso(e.at), "from": "staff" if e.actor == Actor.STAFF else "user", "kind": e.kind,
                      "body": e.note} for e in visible if e.kind not in NOT_MESSAGES],
        "evidence": [{"name": e.original_name, "sha256": e.sha256, "size": e.size} for e in complaint.evidence],
        "rating": complaint.rating,
    }
