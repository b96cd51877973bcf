"""Staff case work: every console action on a complaint, each one transaction with its audit entry.

`perform` is the use case: it checks the version the agent saw, applies one action (which may combine a
public reply with a status change), records the audit entry and commits once. The handlers only flush.
"""
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.accounts import audit
from app.accounts.models import Role, StaffMember
from app.complaints import lifecycle, notify, reference as refs, staff_alerts
from app.complaints.categories import CATEGORIES
from app.complaints.models import Complaint, EventKind
from app.complaints.states import CLOSED_STATUSES, Actor, InvalidTransition, Status
from app.extensions import db
from app.timeutil import utcnow

OUTCOMES = ("full_refund", "partial_refund", "replacement", "seller_penalised", "explained")
OUTCOME_LABELS = {"full_refund": _l("全额退款"), "partial_refund": _l("部分退款"), "replacement": _l("补发或重新充值"),
                  "seller_penalised": _l("卖家已处罚"), "explained": _l("已解释说明")}
OUTCOMES_WITH_AMOUNT = ("full_refund", "partial_refund")
PRIORITIES = ("normal", "high", "urgent")
ESCALATED_PRIORITY = {"normal": "high", "high": "urgent", "urgent": "urgent"}
BULK_ACTIONS = ("assign", "set_priority", "duplicate")
# Moves that undo or override a colleague's work need a supervisor.
SUPERVISOR_ACTIONS = frozenset({"reopen"})


class ActionRefused(Exception):
    """The action is not possible for this complaint or this staff member; `reason` names why."""

    def __init__(self, reason, **details):
        super().__init__(reason)
        self.reason, self.details = reason, details


def perform(complaint, staff, action, fields, seen_version, client=None, now=None):
    """Apply one console action in one transaction; raise ComplaintChanged, ActionRefused or InvalidTransition."""
    now = now or utcnow()
    lifecycle.expect_version(complaint, seen_version)
    _apply(complaint, staff, action, fields, now, client)
    lifecycle.commit(complaint)
    return complaint


def perform_bulk(complaints_seen, staff, action, fields, client=None, now=None):
    """Apply a bulk action to [(complaint, seen version)] in one transaction; return (done, skipped references).

    Complaints changed since the list was shown, or where the action is refused, are skipped and named.
    """
    now = now or utcnow()
    if action not in BULK_ACTIONS:
        raise ActionRefused("unknown_action")
    done, skipped = [], []
    for complaint, seen in complaints_seen:
        if int(seen) != complaint.version:
            skipped.append(complaint.reference)
            continue
        try:
            with db.session.begin_nested():
                _apply(complaint, staff, action, fields, now, client)
        except (ActionRefused, InvalidTransition):
            skipped.append(complaint.reference)
            continue
        done.append(complaint.reference)
    if not _commit_sweep():  # someone changed one of them while the batch ran: nothing was applied
        return [], [complaint.reference for complaint, _ in complaints_seen]
    return done, skipped


def _apply(complaint, staff, action, fields, now, client=None):
    handler = HANDLERS.get(action) or _refuse("unknown_action")
    if action in SUPERVISOR_ACTIONS and not staff.has_role(Role.SUPERVISOR):
        raise ActionRefused("supervisor_only")
    before = snapshot(complaint)
    handler(complaint, staff, fields, now)
    complaint.updated_at = now
    details = {k: v for k, v in fields.items() if k in ("outcome", "amount_cents", "of", "reason", "assignee")}
    audit.record(f"action:{action}", staff=staff, complaint=complaint, before=before,
                 after={**snapshot(complaint), **details}, client=client, now=now)


def snapshot(complaint):
    """The audited state of a complaint: what a staff action can change."""
    return {"status": complaint.status, "priority": complaint.priority, "category": complaint.category,
            "assignee": complaint.assignee.email if complaint.assignee else None, "outcome": complaint.outcome}


def _refuse(reason, **details):
    raise ActionRefused(reason, **details)


# ------------------------------------------------------------------ handlers (flush only)

def _take(complaint, staff, fields, now):
    _ensure_open(complaint)
    if complaint.assignee_id not in (None, staff.id) and not staff.has_role(Role.SUPERVISOR):
        raise ActionRefused("held_by_other", holder=complaint.assignee.display_name)
    _assign_to(complaint, staff, staff, now)
    _start_review(complaint, staff, now, tell_user=True)


def _assign(complaint, staff, fields, now):
    _ensure_open(complaint)
    assignee = db.session.scalar(db.select(StaffMember).where(StaffMember.email == fields.get("assignee")))
    if assignee is None or not assignee.active:
        raise ActionRefused("unknown_assignee")
    if complaint.assignee_id not in (None, staff.id) and not staff.has_role(Role.SUPERVISOR):
        raise ActionRefused("held_by_other", holder=complaint.assignee.display_name)
    _assign_to(complaint, assignee, staff, now)


def _note(complaint, staff, fields, now):
    lifecycle.record(complaint, EventKind.NOTE, Actor.STAFF, now, staff=staff, note=_body(fields))


def _reply(complaint, staff, fields, now):
    body = _public_message(complaint, staff, fields, now, EventKind.STAFF_REPLY)
    _start_review(complaint, staff, now, tell_user=False)  # the reply itself tells the user
    notify.staff_replied(complaint, body)


def _request_info(complaint, staff, fields, now):
    body = _public_message(complaint, staff, fields, now, EventKind.STAFF_REQUEST)
    lifecycle.transition(complaint, Status.AWAITING_USER, Actor.STAFF, now, staff=staff, tell_user=False)
    notify.status_changed(complaint, body)


def _public_message(complaint, staff, fields, now, kind):
    """Record a message the user sees; it is the first response, and whoever writes it takes an unheld case."""
    _ensure_open(complaint)
    body = _body(fields)
    lifecycle.record(complaint, kind, Actor.STAFF, now, staff=staff, note=body)
    _first_response(complaint, staff, now)
    _assign_if_unheld(complaint, staff, now)
    return body


def _resolve(complaint, staff, fields, now):
    outcome = fields.get("outcome")
    if outcome not in OUTCOMES:
        raise ActionRefused("outcome_required")
    amount = fields.get("amount_cents")
    if outcome == "partial_refund" and not amount:
        raise ActionRefused("amount_required")
    _first_response(complaint, staff, now)
    _assign_if_unheld(complaint, staff, now)
    lifecycle.transition(complaint, Status.RESOLVED, Actor.STAFF, now, note=_body(fields), staff=staff)
    complaint.outcome = outcome
    complaint.outcome_amount_cents = amount if outcome in OUTCOMES_WITH_AMOUNT else None


def _reject(complaint, staff, fields, now):
    _first_response(complaint, staff, now)
    _assign_if_unheld(complaint, staff, now)
    lifecycle.transition(complaint, Status.REJECTED, Actor.STAFF, now, note=_body(fields), staff=staff)
    complaint.outcome = None


def _reopen(complaint, staff, fields, now):
    lifecycle.transition(complaint, Status.REOPENED, Actor.STAFF, now, note=fields.get("body") or None, staff=staff)


def _duplicate(complaint, staff, fields, now):
    other = _other_complaint(complaint, fields.get("of"))
    complaint.duplicate_of_id = other.id
    _assign_if_unheld(complaint, staff, now)
    note = fields.get("body") or f"与投诉 {other.reference} 是同一件事，已合并，后续处理请查看 {other.reference}。"
    lifecycle.transition(complaint, Status.MERGED, Actor.STAFF, now, note=note, staff=staff)


def _other_complaint(complaint, text):
    try:
        other = db.session.scalar(db.select(Complaint).where(Complaint.reference == refs.normalize_reference(text)))
    except refs.InvalidReference:
        other = None
    if other is None or other.id == complaint.id:
        raise ActionRefused("unknown_duplicate")
    if other.status == Status.MERGED:
        raise ActionRefused("duplicate_of_merged", target=other.duplicate_of.reference)
    return other


def _set_category(complaint, staff, fields, now):
    _change_field(complaint, staff, fields, now, "category", CATEGORIES, EventKind.CATEGORY, "bad_category")


def _set_priority(complaint, staff, fields, now):
    _change_field(complaint, staff, fields, now, "priority", PRIORITIES, EventKind.PRIORITY, "bad_priority")


def _change_field(complaint, staff, fields, now, name, allowed, kind, refusal):
    """Set category or priority to a new allowed value, with the reason in an internal event."""
    value, current = fields.get(name), getattr(complaint, name)
    if value not in allowed or value == current:
        raise ActionRefused(refusal)
    note = f"{current} → {value}：{_reason(fields)}"
    setattr(complaint, name, value)
    lifecycle.record(complaint, kind, Actor.STAFF, now, staff=staff, note=note)


HANDLERS = {"take": _take, "assign": _assign, "note": _note, "reply": _reply, "request_info": _request_info,
            "resolve": _resolve, "reject": _reject, "reopen": _reopen, "duplicate": _duplicate,
            "set_category": _set_category, "set_priority": _set_priority}
ACTIONS = tuple(HANDLERS)


# ------------------------------------------------------------------ shared steps

def _body(fields):
    body = (fields.get("body") or "").strip()
    if not body:
        raise ActionRefused("body_required")
    return body


def _reason(fields):
    reason = (fields.get("reason") or "").strip()
    if not reason:
        raise ActionRefused("reason_required")
    return reason


def _ensure_open(complaint):
    if complaint.status in CLOSED_STATUSES:
        raise ActionRefused("closed")


def _assign_to(complaint, assignee, by, now):
    if complaint.assignee_id == assignee.id:
        return
    complaint.assignee = assignee
    complaint.due_soon_alerted_at = None
    lifecycle.record(complaint, EventKind.ASSIGNMENT, Actor.STAFF, now, staff=by, note=assignee.display_name)
    staff_alerts.assigned(complaint, assignee, by)


def _assign_if_unheld(complaint, staff, now):
    if complaint.assignee_id is None:
        _assign_to(complaint, staff, staff, now)


def _start_review(complaint, staff, now, tell_user):
    """A case someone works on is "处理中" for the user (a case waiting for the user stays waiting)."""
    if complaint.status in (Status.RECEIVED, Status.REOPENED):
        lifecycle.transition(complaint, Status.IN_REVIEW, Actor.STAFF, now, staff=staff, tell_user=tell_user)


def _first_response(complaint, staff, now):
    complaint.first_responded_at = complaint.first_responded_at or now


# ------------------------------------------------------------------ oversight

def escalate_overdue(now=None):
    """Escalate open cases past a due time once: priority up, an internal event, supervisors alerted."""
    now = now or utcnow()
    overdue = _running_cases(Complaint.escalated_at.is_(None), next_due_expression() < now)
    for complaint in overdue:
        before = snapshot(complaint)
        complaint.priority = ESCALATED_PRIORITY[complaint.priority]
        complaint.escalated_at = now
        lifecycle.record(complaint, EventKind.ESCALATION, Actor.SYSTEM, now, note=before["priority"])
        staff_alerts.escalated(complaint)
        audit.record("escalation", complaint=complaint, before=before, after=snapshot(complaint), now=now)
    return len(overdue) if _commit_sweep() else 0


def alert_due_soon(within, now=None):
    """Tell the holder (or the supervisors) once about each open case due within `within`."""
    now = now or utcnow()
    soon = _running_cases(Complaint.due_soon_alerted_at.is_(None), next_due_expression() >= now,
                          next_due_expression() < now + within)
    for complaint in soon:
        complaint.due_soon_alerted_at = now
        staff_alerts.due_soon(complaint)
    return len(soon) if _commit_sweep() else 0


def _running_cases(*conditions):
    """Open cases whose SLA clock runs (not waiting for the user) that meet `conditions`."""
    return db.session.scalars(db.select(Complaint).where(
        Complaint.status.not_in([*CLOSED_STATUSES, Status.AWAITING_USER]), *conditions)).all()


def _commit_sweep():
    """Commit a batch; if a case changed meanwhile, roll it all back and say so."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def next_due_expression():
    """SQL for the next deadline: the first-response due until answered, then the resolution due."""
    return db.case((Complaint.first_responded_at.is_(None), Complaint.first_response_due),
                   else_=Complaint.resolution_due)


def next_due(complaint):
    """The next deadline of a complaint (Python side of next_due_expression)."""
    return complaint.first_response_due if complaint.first_responded_at is None else complaint.resolution_due


def sweep(due_soon_hours, now=None):
    """The periodic oversight pass: escalate what is overdue, warn about what is nearly due."""
    return escalate_overdue(now), alert_due_soon(dt.timedelta(hours=due_soon_hours), now)
