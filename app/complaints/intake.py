"""The web journey's working parts: drafts, uploads and turning a draft into complaint data."""
import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.complaints import completeness, evidence as evidence_store, services, uploads, validation
from app.complaints.categories import CATEGORIES, EVIDENCE_KINDS
from app.complaints.models import ComplaintDraft
from app.extensions import db


def find_draft(token):
    """Return the unsent draft with this token, or None."""
    if not token:
        return None
    return db.session.scalar(sa.select(ComplaintDraft).where(ComplaintDraft.token == token))


def new_draft():
    """Create an empty draft with an unguessable token (also the submission's idempotency key)."""
    return services.save_draft(ComplaintDraft(token=secrets.token_urlsafe(24), data={}), {})


def attach_uploads(draft, files, kind):
    """Store each uploaded file on the draft; return a list of error messages for the ones refused."""
    config = current_app.config
    errors = []
    for upload in (f for f in files if f and f.filename):
        if len(draft.evidence) >= config["EVIDENCE_MAX_FILES"]:
            errors.append(_l("最多上传 %(n)d 个文件，“%(name)s”没有上传。", n=config["EVIDENCE_MAX_FILES"],
                             name=upload.filename))
            continue
        try:
            stored = uploads.store_one(upload)
        except evidence_store.EvidenceError as exc:
            errors.append(f"{upload.filename}: {exc.message}")
            continue
        services.attach_draft_evidence(draft, stored, kind if kind in dict(EVIDENCE_KINDS) else "other")
        db.session.refresh(draft)
    return errors


def remove_upload(draft, evidence_id):
    """Remove one file from the draft, on disk too."""
    stored_name = services.remove_draft_evidence(draft, evidence_id)
    if stored_name:
        evidence_store.delete_stored(current_app.config["UPLOAD_DIR"], stored_name)


def discard(draft):
    """Delete a draft nobody will submit, with its files."""
    for item in list(draft.evidence):
        remove_upload(draft, item.id)
    db.session.delete(draft)
    db.session.commit()


def purge_abandoned_drafts(cutoff):
    """Delete unsubmitted drafts last changed before `cutoff`, with their files; return how many."""
    stale = db.session.scalars(sa.select(ComplaintDraft).where(ComplaintDraft.complaint_id.is_(None),
                                                               ComplaintDraft.updated_at < cutoff)).all()
    for draft in stale:
        discard(draft)
    return len(stale)


def complaint_data(draft_data, evidence_kinds, now):
    """Validate everything the draft holds; return (data for create_complaint, errors by field).

    Every field is checked so one answer lists all problems; data is None when category or description is unusable.
    """
    errors = {}
    category = draft_data.get("category")
    if not isinstance(category, str) or category not in CATEGORIES:
        errors["category"], category = _l("请选择问题类型。"), None
    try:
        description = validation.clean_description(draft_data.get("description"))
    except ValueError as exc:
        errors["description"], description = exc.args[0], None
    details = {}
    if category:
        details, detail_errors = validation.clean_details(category, draft_data.get("details", {}), now)
        errors.update(detail_errors)
    contact, contact_errors = validation.clean_contact(draft_data.get("contact_email"),
                                                       draft_data.get("contact_phone"), draft_data.get("notify_via"))
    errors.update(contact_errors)
    if not draft_data.get("consent_privacy"):
        errors["consent_privacy"] = _l("需要同意隐私说明才能提交投诉。")
    if category is None or description is None:
        return None, errors
    score = completeness.assess(category, details, evidence_kinds, description).score
    data = {"category": category, "description": description, "details": details, **contact,
            "order_number": details.get("order_number"), "amount_cents": details.get("amount"),
            "consent_publish": bool(draft_data.get("consent_publish")), "completeness": score}
    return data, errors


def now_utc():
    return dt.datetime.now(dt.UTC)
