"""Complaint services: the only code that writes complaint state. Each public call commits once."""
import datetime as dt
import hashlib
import hmac
import unicodedata

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from app import database
from app.complaints import lifecycle, notify, reference as refs, sla, staff_alerts
from app.complaints import tally  # noqa: F401  (its flush hook keeps the statistics tally in step)
from app.complaints.models import AccessLockout, Complaint, EventKind, Evidence
from app.complaints.states import CLOSED_STATUSES, Actor, Status
from app.complaints.triage import triage
from app.extensions import db
from app.timeutil import aware as _aware, utcnow
from app.transparency import publishing


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


def normalize_seller(seller):
    """One spelling per seller or shop id, so complaints about the same shop count together."""
    text = " ".join(unicodedata.normalize("NFKC", seller or "").split()).lower()
    return text[:64] or None


def hash_access_code(code):
    """Keyed hash of a normalised access code; the code itself is never stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, refs.normalize_access_code(code).encode(), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ intake

def create_complaint(data, *, evidence=(), language="zh", idempotency_key=None, is_demo=False, now=None,
                     channel="web"):
    """Store a validated complaint with its evidence; return (complaint, access_code).

    A repeated `idempotency_key` returns the stored complaint and None for the code. `channel` is how it
    arrived ("web" or "api"), for the public breakdown by channel of intake.
    """
    now = now or utcnow()

    def store(triaged):
        return _create_complaint(data, evidence, language, idempotency_key, is_demo, now, channel, triaged)

    return _once_per_key(idempotency_key, data, now, store)


def submit_draft(draft, data, language, now=None, channel="web"):
    """Turn a draft into a complaint exactly once; return (complaint, access_code or None if already done)."""
    if draft.complaint_id:
        return db.session.get(Complaint, draft.complaint_id), None
    key, now = f"draft:{draft.token}", now or utcnow()

    def store(triaged):
        complaint, code = _create_complaint(data, list(draft.evidence), language, key, False, now, channel, triaged)
        draft.complaint_id = complaint.id
        return complaint, code

    return _once_per_key(key, data, now, store)


def send_receipt(complaint, access_code):
    """Send the full receipt, access code included, to the contact given in the complaint."""
    notify.receipt(complaint, access_code)
    db.session.commit()


def _once_per_key(idempotency_key, data, now, store):
    """Triage `data`, call `store(triaged)` and commit; when the key already has a complaint, return
    (that complaint, None) instead.

    The lookups run before the writes (database.reads_before_writes), so on SQLite other submissions wait for
    the write lock only while this one is inserted and committed. A concurrent request with the same key is
    caught by the key's unique index; one about the same order may miss being linked as a duplicate.
    """
    with database.reads_before_writes():
        existing = _by_idempotency_key(idempotency_key)
        triaged = None if existing else triage(Complaint, data, now)
    if existing:
        return existing, None
    try:
        stored = store(triaged)
        _commit_keeping_state()
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race: answer with its complaint.
        db.session.rollback()
        existing = _by_idempotency_key(idempotency_key)
        if not existing:
            raise
        return existing, None
    return stored


def _commit_keeping_state():
    """Commit without expiring the new complaint: its values are the ones just written, and reading them back
    would cost a query (on SQLite a second transaction with the write lock) for the receipt."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = expire


def _by_idempotency_key(key):
    return key and db.session.scalar(sa.select(Complaint).where(Complaint.idempotency_key == key))


def _create_complaint(data, evidence, language, idempotency_key, is_demo, now, channel, triaged):
    """Add the complaint, its evidence, its first event and the "received" notification (flush only).

    Everything is added before the one flush, so the complaint, its event and its message are inserted together
    and counted in the tally once.
    """
    complaint, access_code = _new_complaint(data, language, idempotency_key, is_demo, now, channel, triaged)
    for item in evidence:
        item.draft = None
        complaint.evidence.append(item)
        db.session.add(item)
    lifecycle.record(complaint, EventKind.STATUS, Actor.USER, now, to_status=Status.RECEIVED)
    notify.complaint_received(complaint)
    db.session.flush()
    return complaint, access_code


def _new_complaint(data, language, idempotency_key, is_demo, now, channel, triaged):
    first_due, resolution_due = sla.due_dates(data["category"], triaged.priority, now)
    access_code = refs.new_access_code()
    details = data.get("details", {})
    complaint = Complaint(
        reference=refs.new_reference(), access_code_hash=hash_access_code(access_code), category=data["category"],
        description=data["description"], details=details, order_number=data.get("order_number"),
        seller_id=normalize_seller(details.get("seller_id")), amount_cents=data.get("amount_cents"),
        contact_email=data.get("contact_email"), contact_phone=data.get("contact_phone"),
        notify_via=data.get("notify_via", "email"), language=language,
        consent_publish=bool(data.get("consent_publish")), priority=triaged.priority,
        suggested_category=triaged.suggested_category, triage_reasons=triaged.reasons,
        duplicate_of_id=triaged.duplicate_of_id, completeness=data.get("completeness", 0),
        idempotency_key=idempotency_key, is_demo=is_demo, created_at=now, updated_at=now, status=Status.RECEIVED,
        intake_channel=channel, first_response_due=first_due, resolution_due=resolution_due,
        # Empty from the start, so appending the first event or file never loads the collection.
        events=[], evidence=[])
    db.session.add(complaint)
    return complaint, access_code


# ------------------------------------------------------------------ follow-up by the user

def add_user_message(complaint, body, evidence=(), now=None):
    """Add information or evidence from the user; answering a staff question returns it to review."""
    now = now or utcnow()
    if complaint.status in CLOSED_STATUSES:
        raise ComplaintClosed(complaint.reference)
    for item in evidence:
        complaint.evidence.append(item)
        db.session.add(item)
        lifecycle.record(complaint, EventKind.EVIDENCE, Actor.USER, now, note=item.original_name)
    if body:
        lifecycle.record(complaint, EventKind.USER_MESSAGE, Actor.USER, now, note=body)
    complaint.updated_at = now
    if complaint.status == Status.AWAITING_USER:
        lifecycle.transition(complaint, Status.IN_REVIEW, Actor.USER, now)
    staff_alerts.user_answered(complaint)
    lifecycle.commit(complaint)


def store_user_evidence(stored, kind, now=None):
    """Create an (unsaved) evidence row for a file the user uploaded, to a draft, a new complaint or a follow-up."""
    return Evidence(kind=kind, stored_name=stored.stored_name, original_name=stored.original_name,
                    content_type=stored.content_type, size=stored.size, sha256=stored.sha256, uploaded_by="user",
                    uploaded_at=now or utcnow())


def withdraw(complaint, reason, now=None):
    """Withdraw an open complaint at the user's request."""
    lifecycle.transition(complaint, Status.WITHDRAWN, Actor.USER, now or utcnow(), note=reason)
    lifecycle.commit(complaint)


def rate(complaint, score, comment=None, now=None):
    """Rate a resolved or rejected complaint once, 1 to 5."""
    if complaint.status not in (Status.RESOLVED, Status.REJECTED):
        raise NotAllowed("not_closed")
    if complaint.rating is not None:
        raise NotAllowed("already_rated")
    if not 1 <= int(score) <= 5:
        raise NotAllowed("bad_score")
    complaint.rating, complaint.rating_comment, complaint.rated_at = int(score), comment or None, now or utcnow()
    lifecycle.commit(complaint)


def withdraw_consent(complaint, now=None):
    """The owner no longer agrees to publication: nothing of theirs stays public, from this moment on."""
    now = now or utcnow()
    complaint.consent_publish = False
    complaint.updated_at = now
    publishing.withdraw_for_consent(complaint, now)
    lifecycle.commit(complaint)


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
    lifecycle.transition(complaint, Status.REOPENED, Actor.USER, now, note=reason)
    staff_alerts.reopened(complaint)
    lifecycle.commit(complaint)


# ------------------------------------------------------------------ access

def find_by_reference(reference):
    """Return the complaint with this canonical reference, or None."""
    return db.session.scalar(sa.select(Complaint).where(Complaint.reference == reference))


def find_by_references(references):
    """Return the complaints with these canonical references, in the given order (unknown ones are skipped)."""
    references = list(references)
    found = {c.reference: c for c in db.session.scalars(sa.select(Complaint).where(
        Complaint.reference.in_(references)))} if references else {}
    return [found[r] for r in references if r in found]


def verify_access(reference, access_code, now=None):
    """Return the complaint if the code matches; count attempts per reference and lock after too many wrong ones.

    The attempt is counted before the code is compared, in one atomic statement whose row lock is held until
    the commit, so concurrent guesses get at most ACCESS_CODE_MAX_FAILURES comparisons between two locks.
    """
    now = now or utcnow()
    config = current_app.config
    attempts, locked_until = _count_attempt(reference, now)
    if locked_until and _aware(locked_until) > now:
        db.session.rollback()  # attempts while locked do not count towards the next lock
        raise AccessLocked(_aware(locked_until))
    if attempts > config["ACCESS_CODE_MAX_FAILURES"]:  # e.g. the limit was lowered: lock without comparing
        until = _lock(reference, now)
        db.session.commit()
        raise AccessLocked(until)
    complaint = find_by_reference(reference)
    expected = complaint.access_code_hash if complaint else hash_access_code("0000000000")
    try:
        given = hash_access_code(access_code)
    except refs.InvalidCode:
        given = ""
    if complaint is not None and hmac.compare_digest(given, expected):
        db.session.execute(sa.delete(AccessLockout).where(AccessLockout.reference == reference))
        db.session.commit()
        return complaint
    if attempts >= config["ACCESS_CODE_MAX_FAILURES"]:
        _lock(reference, now)
    db.session.commit()
    raise AccessDenied(reference)


def _count_attempt(reference, now):
    """Add one to the reference's attempt count in a single upsert; return (attempts, locked_until). No commit."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    statement = insert(AccessLockout).values(reference=reference, failures=1, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[AccessLockout.reference],
        set_={"failures": AccessLockout.failures + 1, "updated_at": now},
    ).returning(AccessLockout.failures, AccessLockout.locked_until)
    return tuple(db.session.execute(statement).one())


def _lock(reference, now):
    """Lock the reference for ACCESS_CODE_LOCK_MINUTES and start counting afresh (no commit)."""
    until = now + dt.timedelta(minutes=current_app.config["ACCESS_CODE_LOCK_MINUTES"])
    db.session.execute(sa.update(AccessLockout).where(AccessLockout.reference == reference)
                       .values(failures=0, locked_until=until, updated_at=now))
    return until


def purge_stale_lockouts(cutoff):
    """Delete attempt counts that are not locked and were last touched before `cutoff`; return how many.

    Guesses at references that do not exist leave such rows behind; an expired lock with no newer attempt is
    stale too.
    """
    result = db.session.execute(sa.delete(AccessLockout).where(
        AccessLockout.updated_at < cutoff,
        sa.or_(AccessLockout.locked_until.is_(None), AccessLockout.locked_until < cutoff)))
    db.session.commit()
    return result.rowcount


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

