"""Complaint services: the only code that writes complaint state. Each public call commits once."""
import datetime as dt
import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.complaints import notify, reference as refs, sla
from app.complaints.models import AccessLockout, Complaint, ComplaintEvent, Deflection, Evidence
from app.complaints.states import CLOSED_STATUSES, Actor, Status, check_transition
from app.complaints.triage import triage
from app.extensions import db


class ComplaintClosed(Exception):
    """The complaint is closed, so it takes no more messages or evidence."""


class AccessDenied(Exception):
    """Unknown reference or wrong access code (deliberately indistinguishable)."""


class AccessLocked(Exception):
    """Too many wrong access codes for this reference; try again after `until`."""

    def __init__(self, until):
        super().__init__(until)
        self.until = until


class NotAllowed(Exception):
    """The action is not possible in the complaint's current state (e.g. rating twice)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def utcnow():
    return dt.datetime.now(dt.UTC)


def hash_access_code(code):
    """Keyed hash of a normalised access code; the code itself is never stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, refs.normalize_access_code(code).encode(), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ intake

def create_complaint(data, *, evidence=(), language="zh", idempotency_key=None, is_demo=False, now=None):
    """Store a validated complaint with its evidence; return (complaint, access_code).

    A repeated `idempotency_key` returns the stored complaint and None for the code.
    """
    now = now or utcnow()
    existing = _by_idempotency_key(idempotency_key)
    if existing:
        return existing, None
    try:
        complaint, access_code = _new_complaint(data, language, idempotency_key, is_demo, now)
        for item in evidence:
            item.draft = None
            complaint.evidence.append(item)
            db.session.add(item)
        _record(complaint, "status", Actor.USER, now, to_status=Status.RECEIVED)
        notify.complaint_received(complaint)
        db.session.commit()
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race: answer with its complaint.
        db.session.rollback()
        existing = _by_idempotency_key(idempotency_key)
        if not existing:
            raise
        return existing, None
    return complaint, access_code


def _by_idempotency_key(key):
    return key and db.session.scalar(sa.select(Complaint).where(Complaint.idempotency_key == key))


def _new_complaint(data, language, idempotency_key, is_demo, now):
    triaged = triage(Complaint, data, now)
    first_due, resolution_due = sla.due_dates(data["category"], triaged.priority, now)
    access_code = refs.new_access_code()
    complaint = Complaint(
        reference=refs.new_reference(), access_code_hash=hash_access_code(access_code), category=data["category"],
        description=data["description"], details=data.get("details", {}), order_number=data.get("order_number"),
        amount_cents=data.get("amount_cents"), contact_email=data.get("contact_email"),
        contact_phone=data.get("contact_phone"), notify_via=data.get("notify_via", "email"), language=language,
        consent_publish=bool(data.get("consent_publish")), priority=triaged.priority,
        suggested_category=triaged.suggested_category, triage_reasons=triaged.reasons,
        duplicate_of_id=triaged.duplicate_of_id, completeness=data.get("completeness", 0),
        idempotency_key=idempotency_key, is_demo=is_demo, created_at=now, updated_at=now,
        first_response_due=first_due, resolution_due=resolution_due)
    db.session.add(complaint)
    db.session.flush()
    return complaint, access_code


def save_draft(draft, data, now=None):
    """Merge `data` into the draft and store it."""
    draft.data = {**(draft.data or {}), **data}
    draft.updated_at = now or utcnow()
    db.session.add(draft)
    db.session.commit()
    return draft


def attach_draft_evidence(draft, stored, kind, now=None):
    """Record a stored upload as evidence of a draft."""
    item = _evidence_row(stored, kind, now)
    item.draft = draft
    db.session.add(item)
    db.session.commit()
    return item


def remove_draft_evidence(draft, evidence_id):
    """Detach and delete one evidence row of a draft; return its stored name, or None."""
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.draft_id != draft.id:
        return None
    db.session.delete(item)
    db.session.commit()
    return item.stored_name


def submit_draft(draft, data, language, now=None):
    """Turn a draft into a complaint exactly once; return (complaint, access_code or None if already done)."""
    if draft.complaint_id:
        return db.session.get(Complaint, draft.complaint_id), None
    complaint, code = create_complaint(data, evidence=list(draft.evidence), language=language,
                                       idempotency_key=f"draft:{draft.token}", now=now)
    draft.complaint_id = complaint.id
    db.session.commit()
    return complaint, code


def record_deflection(category, article_slug=None, now=None):
    """Count a would-be complaint that a help article solved."""
    db.session.add(Deflection(category=category, article_slug=article_slug, at=now or utcnow()))
    db.session.commit()


def _evidence_row(stored, kind, now, uploaded_by="user"):
    return Evidence(kind=kind, stored_name=stored.stored_name, original_name=stored.original_name,
                    content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                    uploaded_by=uploaded_by, uploaded_at=now or utcnow())


# ------------------------------------------------------------------ the one status change

def _transition(complaint, target, actor, now, note=None, staff_name=None):
    """Check the move, set the status, keep SLA clocks honest and record the event (flush only)."""
    check_transition(complaint.status, target, actor)
    previous = Status(complaint.status)
    if previous == Status.AWAITING_USER and complaint.paused_at:
        _resume_sla(complaint, now)
    if target == Status.AWAITING_USER:
        complaint.paused_at = now
    complaint.status = target
    complaint.updated_at = now
    complaint.closed_at = now if target in CLOSED_STATUSES else None
    _record(complaint, "status", actor, now, from_status=previous, to_status=target, note=note,
            staff_name=staff_name)
    notify.status_changed(complaint, note)


def _resume_sla(complaint, now):
    paused = sla.working_time_between(_aware(complaint.paused_at), now)
    if complaint.first_responded_at is None:
        complaint.first_response_due = sla.add_working_time(_aware(complaint.first_response_due), paused)
    complaint.resolution_due = sla.add_working_time(_aware(complaint.resolution_due), paused)
    complaint.paused_at = None


def _record(complaint, kind, actor, now, **fields):
    event = ComplaintEvent(kind=kind, actor=actor, at=now, **fields)
    complaint.events.append(event)
    return event


def _aware(moment):
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


# ------------------------------------------------------------------ follow-up by the user

def add_user_message(complaint, body, evidence=(), now=None):
    """Add information or evidence from the user; answering a staff question returns it to review."""
    now = now or utcnow()
    if complaint.status in CLOSED_STATUSES:
        raise ComplaintClosed(complaint.reference)
    for item in evidence:
        complaint.evidence.append(item)
        db.session.add(item)
        _record(complaint, "evidence", Actor.USER, now, note=item.original_name)
    if body:
        _record(complaint, "user_message", Actor.USER, now, note=body)
    complaint.updated_at = now
    if complaint.status == Status.AWAITING_USER:
        _transition(complaint, Status.IN_REVIEW, Actor.USER, now)
    db.session.commit()


def store_user_evidence(stored, kind, now=None):
    """Create (unsaved) evidence rows for files the user attaches to a follow-up."""
    return _evidence_row(stored, kind, now)


def withdraw(complaint, reason, now=None):
    """Withdraw an open complaint at the user's request."""
    _transition(complaint, Status.WITHDRAWN, Actor.USER, now or utcnow(), note=reason)
    db.session.commit()


def rate(complaint, score, comment=None, now=None):
    """Rate a resolved or rejected complaint once, 1 to 5."""
    if complaint.status not in (Status.RESOLVED, Status.REJECTED):
        raise NotAllowed("not_closed")
    if complaint.rating is not None:
        raise NotAllowed("already_rated")
    if not 1 <= int(score) <= 5:
        raise NotAllowed("bad_score")
    complaint.rating, complaint.rating_comment, complaint.rated_at = int(score), comment or None, now or utcnow()
    db.session.commit()


def reopen_deadline(complaint):
    """Return the last moment a closed complaint may be reopened, or None."""
    if complaint.status not in (Status.RESOLVED, Status.REJECTED) or complaint.closed_at is None:
        return None
    return _aware(complaint.closed_at) + dt.timedelta(days=current_app.config["COMPLAINT_REOPEN_WINDOW_DAYS"])


def reopen(complaint, reason, now=None):
    """Reopen within the window with escalated priority and fresh SLA dates."""
    now = now or utcnow()
    deadline = reopen_deadline(complaint)
    if deadline is None:
        raise NotAllowed("not_reopenable")
    if now > deadline:
        raise NotAllowed("reopen_window")
    complaint.reopen_count += 1
    complaint.priority = "urgent" if complaint.priority == "high" else "high"
    complaint.triage_reasons = [*complaint.triage_reasons, "reopened"]
    complaint.first_response_due, complaint.resolution_due = sla.due_dates(complaint.category, complaint.priority, now)
    complaint.first_responded_at = None
    _transition(complaint, Status.REOPENED, Actor.USER, now, note=reason)
    db.session.commit()


# ------------------------------------------------------------------ staff actions

def staff_reply(complaint, staff_name, body, request_info=False, now=None):
    """Reply publicly; with `request_info`, ask the user for information and pause the SLA clock."""
    now = now or utcnow()
    kind = "staff_request" if request_info else "staff_reply"
    _record(complaint, kind, Actor.STAFF, now, note=body, staff_name=staff_name)
    complaint.first_responded_at = complaint.first_responded_at or now
    complaint.updated_at = now
    if request_info:
        _transition(complaint, Status.AWAITING_USER, Actor.STAFF, now, staff_name=staff_name)
    else:
        notify.staff_replied(complaint, body)
    db.session.commit()


def staff_set_status(complaint, target, staff_name, note=None, now=None):
    """Move a complaint on behalf of staff (review, resolve, reject)."""
    now = now or utcnow()
    complaint.first_responded_at = complaint.first_responded_at or now
    _transition(complaint, Status(target), Actor.STAFF, now, note=note, staff_name=staff_name)
    db.session.commit()


# ------------------------------------------------------------------ access

def find_by_reference(reference):
    """Return the complaint with this canonical reference, or None."""
    return db.session.scalar(sa.select(Complaint).where(Complaint.reference == reference))


def verify_access(reference, access_code, now=None):
    """Return the complaint if the code matches; count failures per reference and lock after too many."""
    now = now or utcnow()
    lockout = db.session.get(AccessLockout, reference) or AccessLockout(reference=reference, failures=0)
    if lockout.locked_until and _aware(lockout.locked_until) > now:
        raise AccessLocked(_aware(lockout.locked_until))
    complaint = find_by_reference(reference)
    expected = complaint.access_code_hash if complaint else hash_access_code("0000000000")
    try:
        given = hash_access_code(access_code)
    except refs.InvalidCode:
        given = ""
    if complaint is not None and hmac.compare_digest(given, expected):
        if sa.inspect(lockout).persistent:
            db.session.delete(lockout)
            db.session.commit()
        return complaint
    _count_failure(lockout, now)
    raise AccessDenied(reference)


def _count_failure(lockout, now):
    config = current_app.config
    lockout.failures += 1
    lockout.updated_at = now
    if lockout.failures >= config["ACCESS_CODE_MAX_FAILURES"]:
        lockout.locked_until = now + dt.timedelta(minutes=config["ACCESS_CODE_LOCK_MINUTES"])
        lockout.failures = 0
    db.session.add(lockout)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent first failure created the row
        db.session.rollback()


def send_lost_references(contact, now=None):
    """Send every reference filed with this email or phone to it; silent when there are none."""
    query = sa.select(Complaint).where(sa.or_(Complaint.contact_email == contact, Complaint.contact_phone == contact))
    complaints = db.session.scalars(query.order_by(Complaint.created_at)).all()
    if complaints:
        notify.lost_references(contact, complaints)
        db.session.commit()
    return len(complaints)


def is_overdue(complaint, now=None):
    """Tell whether an open complaint has passed a due date (the clock is paused while waiting for the user)."""
    now = now or utcnow()
    if complaint.status in CLOSED_STATUSES or complaint.status == Status.AWAITING_USER:
        return False
    late_first = complaint.first_responded_at is None and now > _aware(complaint.first_response_due)
    return late_first or now > _aware(complaint.resolution_due)

