"""Publishing worded case summaries: an automatically scrubbed draft, staff edit, a second person approves,
then it is published under a random id; the owner withdrawing consent withdraws it at once.

Every step checks the small state machine, is audit-logged and commits once. Publishing and approval are refused
while the personal-data scrubber still finds anything in the edited text.
"""
import secrets

import sqlalchemy as sa
from flask_babel import force_locale

from app.accounts import audit
from app.accounts.models import Role
from app.complaints.casework import OUTCOME_LABELS
from app.complaints.categories import CATEGORIES
from app.complaints.models import EventKind
from app.complaints.states import STATUS_LABELS, Status
from app.extensions import db
from app.timeutil import aware, utcnow
from app.transparency import privacy
from app.transparency.models import CaseSummary, SummaryStatus

PUBLISHABLE = (Status.RESOLVED, Status.REJECTED)
TEXT_MAX = 2000
STEPS = {  # step -> (allowed from, to)
    "approve": ({SummaryStatus.DRAFT}, SummaryStatus.APPROVED),
    "publish": ({SummaryStatus.APPROVED}, SummaryStatus.PUBLISHED),
    "withdraw": ({SummaryStatus.DRAFT, SummaryStatus.APPROVED, SummaryStatus.PUBLISHED}, SummaryStatus.WITHDRAWN),
}


class PublishRefused(Exception):
    """The step is not possible; `reason` names why, `found` lists personal data the scrubber still sees."""

    def __init__(self, reason, found=()):
        super().__init__(reason)
        self.reason, self.found = reason, list(found)


def summary_for(complaint):
    """Return the complaint's summary, or None."""
    return db.session.scalar(sa.select(CaseSummary).where(CaseSummary.complaint_id == complaint.id))


# The complaint's personal fields, by the placeholder type they get when they appear in a summary.
PERSONAL_DETAILS = {"order_number": "order_number", "payment_reference": "order_number",
                    "topup_account": "account", "account_id": "account"}


def known_values(complaint):
    """The complaint's own personal values as (type, value), matched exactly in any spacing or width."""
    details = complaint.details or {}
    pairs = [("order_number", complaint.order_number), ("email", complaint.contact_email),
             ("phone", complaint.contact_phone), ("order_number", complaint.reference)]
    pairs += [(kind, str(details.get(field))) for field, kind in PERSONAL_DETAILS.items() if details.get(field)]
    return [(kind, value) for kind, value in pairs if value]


def draft(complaint, staff, now=None):
    """Create the automatically scrubbed draft of a decided, consented complaint."""
    now = now or utcnow()
    if complaint.status not in PUBLISHABLE or not complaint.consent_publish:
        raise PublishRefused("not_publishable")
    if summary_for(complaint) is not None:
        raise PublishRefused("exists")
    summary = CaseSummary(public_id=_public_id(), complaint_id=complaint.id, status=SummaryStatus.DRAFT,
                          text=_draft_text(complaint), drafted_by_id=staff.id, created_at=now, updated_at=now)
    db.session.add(summary)
    db.session.flush()
    _audit("summary_draft", staff, summary, None, now)
    db.session.commit()
    return summary


def _draft_text(complaint):
    """Problem, what was done, the outcome and the days taken, scrubbed of personal data (in Chinese)."""
    known = known_values(complaint)
    decision = next((e.note for e in reversed(complaint.events)
                     if e.kind == EventKind.STATUS and e.to_status == complaint.status and e.note), "")
    days = (aware(complaint.closed_at) - aware(complaint.created_at)).total_seconds() / 86400
    with force_locale("zh"):
        outcome = OUTCOME_LABELS[complaint.outcome] if complaint.outcome else STATUS_LABELS[Status(complaint.status)]
        lines = [f"问题类型：{CATEGORIES[complaint.category].name}",
                 f"用户反映：{privacy.scrub(complaint.description[:300], known).text}",
                 f"处理经过：{privacy.scrub(decision[:300], known).text}" if decision else "",
                 f"结果：{outcome}，用时 {days:.1f} 天。"]
    return "\n".join(line for line in lines if line)


def edit(summary, staff, text, now=None):
    """Replace the text; an approved summary goes back to draft and needs approving again."""
    text = (text or "").strip()
    if summary.status not in (SummaryStatus.DRAFT, SummaryStatus.APPROVED):
        raise PublishRefused("not_editable")
    if not text or len(text) > TEXT_MAX:
        raise PublishRefused("bad_text")
    before = summary.status
    summary.text, summary.status, summary.approved_by_id = text, SummaryStatus.DRAFT, None
    summary.updated_at = now or utcnow()
    _audit("summary_edit", staff, summary, before, now)
    db.session.commit()


def advance(summary, staff, step, now=None):
    """Approve, publish or withdraw; approval needs a supervisor other than the drafter and a clean text."""
    now = now or utcnow()
    allowed_from, target = STEPS.get(step) or (set(), None)
    if summary.status not in allowed_from:
        raise PublishRefused("wrong_state")
    if step in ("approve", "publish"):
        check_clean(summary)
    if step == "approve":
        if not staff.has_role(Role.SUPERVISOR):
            raise PublishRefused("supervisor_only")
        if staff.id == summary.drafted_by_id:
            raise PublishRefused("second_person")
        summary.approved_by_id = staff.id
    before, summary.status, summary.updated_at = summary.status, target, now
    summary.published_at = now if target == SummaryStatus.PUBLISHED else summary.published_at
    summary.withdrawn_at = now if target == SummaryStatus.WITHDRAWN else None
    _audit(f"summary_{step}", staff, summary, before, now)
    db.session.commit()


def check_clean(summary):
    """Raise PublishRefused while the scrubber finds personal data in the summary's text."""
    found = privacy.find(summary.text, known_values(summary.complaint))
    if found:
        raise PublishRefused("personal_data", found)


def withdraw_for_consent(complaint, now=None):
    """The owner withdrew consent: take the summary down at once (flush only; the caller commits)."""
    now = now or utcnow()
    summary = summary_for(complaint)
    if summary is not None and summary.status != SummaryStatus.WITHDRAWN:
        before = summary.status
        summary.status, summary.withdrawn_at, summary.updated_at = SummaryStatus.WITHDRAWN, now, now
        _audit("summary_withdraw_consent", None, summary, before, now)


def find_published(public_id):
    """Return the published summary with this public id, or None."""
    return db.session.scalar(sa.select(CaseSummary).where(CaseSummary.public_id == public_id,
                                                          CaseSummary.status == SummaryStatus.PUBLISHED))


def _public_id():
    # Random, never the internal sequence number, so the published ids say nothing about volumes or order.
    return "S" + secrets.token_hex(5).upper()


def _audit(kind, staff, summary, before, now):
    audit.record(kind, staff=staff, complaint=summary.complaint, subject=summary.public_id,
                 before={"status": before} if before else None, after={"status": summary.status}, now=now)
