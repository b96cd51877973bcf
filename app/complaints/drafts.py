"""Complaint drafts: what the journey keeps while someone writes, with its files. Each public call commits once.

Files are written before the rows that reference them and deleted again when that commit fails; the file of a
removed row is deleted only once the commit that removed the row succeeded.
"""
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.complaints import evidence as evidence_store, services, uploads
from app.complaints.categories import EVIDENCE_KINDS
from app.complaints.models import ComplaintDraft, Deflection, Evidence
from app.extensions import db
from app.timeutil import utcnow


def find_draft(token):
    """Return the draft with this token, or None."""
    if not token:
        return None
    return db.session.scalar(sa.select(ComplaintDraft).where(ComplaintDraft.token == token))


def new_draft(now=None):
    """Create an empty draft with an unguessable token (also the submission's idempotency key)."""
    return save_draft(ComplaintDraft(token=secrets.token_urlsafe(24), data={}), {}, now)


def save_draft(draft, data, now=None):
    """Merge `data` into the draft and store it."""
    _merge(draft, data, now)
    db.session.commit()
    return draft


def save_details(draft, details, files, kind, now=None):
    """Keep the typed details and attach the uploaded files in one commit; return messages for refused files."""
    stored, errors = _store_within_limit(draft, files)
    kind = kind if kind in dict(EVIDENCE_KINDS) else "other"
    for item in stored:
        row = services.store_user_evidence(item, kind, now)
        row.draft = draft
        db.session.add(row)
    _merge(draft, {"details_raw": details, "details": {k: v for k, v in details.items() if v}}, now)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.delete_files(stored)
        raise
    return errors


def remove_upload(draft, evidence_id):
    """Remove one file from the draft, on disk too."""
    item = db.session.get(Evidence, evidence_id)
    if item is None or item.draft_id != draft.id:
        return
    stored_name = item.stored_name
    db.session.delete(item)
    db.session.commit()
    _delete_files([stored_name])


def discard(draft):
    """Delete a draft nobody will submit, with its files."""
    stored_names = _delete(draft)
    db.session.commit()
    _delete_files(stored_names)


def deflect(draft, article_slug=None, now=None):
    """Count the would-be complaint as solved by a help article and delete its draft, in one commit."""
    db.session.add(Deflection(category=draft.data.get("category"), article_slug=article_slug, at=now or utcnow()))
    discard(draft)


def purge_abandoned_drafts(cutoff):
    """Delete unsubmitted drafts last changed before `cutoff`, with their files; return how many."""
    stale = db.session.scalars(sa.select(ComplaintDraft).where(ComplaintDraft.complaint_id.is_(None),
                                                               ComplaintDraft.updated_at < cutoff)).all()
    stored_names = [name for draft in stale for name in _delete(draft)]
    db.session.commit()
    _delete_files(stored_names)
    return len(stale)


def _merge(draft, data, now):
    draft.data = {**(draft.data or {}), **data}
    draft.updated_at = now or utcnow()
    db.session.add(draft)


def _delete(draft):
    """Delete the draft and its evidence rows (no commit); return the stored names of their files."""
    stored_names = [item.stored_name for item in draft.evidence]
    for item in list(draft.evidence):
        db.session.delete(item)
    db.session.delete(draft)
    return stored_names


def _delete_files(stored_names):
    for name in stored_names:
        evidence_store.delete_stored(current_app.config["UPLOAD_DIR"], name)


def _store_within_limit(draft, files):
    """Store the uploads the draft has room for; return (stored, messages for the refused ones)."""
    limit = current_app.config["EVIDENCE_MAX_FILES"]
    stored, errors = [], []
    for upload in (f for f in files if f and f.filename):
        if len(draft.evidence) + len(stored) >= limit:
            errors.append(_l("最多上传 %(n)d 个文件，“%(name)s”没有上传。", n=limit, name=upload.filename))
            continue
        try:
            stored.append(uploads.store_one(upload))
        except evidence_store.EvidenceError as exc:
            errors.append(f"{upload.filename}: {exc.message}")
    return stored, errors
