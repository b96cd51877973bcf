"""Complaint drafts: what the journey keeps while someone writes, with its files. Each public call commits once.

Files are written before the rows that reference them and deleted again when that commit fails; the file of a
removed row is deleted only once the commit that removed the row succeeded. A draft row exists only once
something was saved. All files on unsubmitted drafts together stay within DRAFT_UPLOAD_QUOTA_MB: to make room,
drafts idle for DRAFT_EVICTION_IDLE_MINUTES are purged, oldest first, in the commit that adds the new files.
"""
import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app

from app.complaints import evidence as evidence_store, services, uploads
from app.complaints.categories import EVIDENCE_KINDS
from app.complaints.models import ComplaintDraft, Deflection, Evidence
from app.complaints.triage import scam_signals
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.timeutil import utcnow


def find_draft(token):
    """Return the draft with this token, or None."""
    if not token:
        return None
    return db.session.scalar(sa.select(ComplaintDraft).where(ComplaintDraft.token == token))


def save_draft(draft, data, now=None):
    """Merge `data` into the draft and store it; without a draft, start one with an unguessable token.

    The token is also the submission's idempotency key.
    """
    draft = draft or ComplaintDraft(token=secrets.token_urlsafe(24), data={})
    _merge(draft, data, now)
    db.session.commit()
    return draft


def save_details(draft, details, files, kind, now=None):
    """Keep the typed details and attach the uploaded files in one commit; return messages for refused files.

    When no file can be stored (uploads.StorageUnavailable), the typed details are still saved and the
    exception re-raised; no stored file is left behind.
    """
    now = now or utcnow()
    _merge(draft, {"details_raw": details, "details": {k: v for k, v in details.items() if v}}, now)
    evicted = []
    try:
        files, errors = _within_file_limit(draft, files)
        evicted = _make_room(draft, sum(uploads.upload_size(f) for f in files), now)
        stored, refused = uploads.store_all(files)
    except uploads.StorageUnavailable:
        _commit_and_delete(evicted)
        raise
    kind = kind if kind in dict(EVIDENCE_KINDS) else "other"
    for item in stored:
        row = services.store_user_evidence(item, kind, now)
        row.draft = draft
        db.session.add(row)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.delete_files(stored)
        raise
    _delete_files(evicted)
    return errors + refused


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


class NotDeflectable(Exception):
    """The draft reads like a scam: it must become a complaint (and a police report), never "solved by an article"."""


def deflect(draft, article_slug=None, now=None):
    """Count the would-be complaint as solved by a help article and delete its draft, in one commit.

    It counts once per draft: of concurrent or repeated posts, only the one that deletes the draft adds a count.
    A draft whose description carries scam signals is refused, whatever the form posted.
    """
    if scam_signals(draft.data.get("description", "")):
        raise NotDeflectable(draft.token)
    stored_names, category = [item.stored_name for item in draft.evidence], draft.data.get("category")
    db.session.execute(sa.delete(Evidence).where(Evidence.draft_id == draft.id))
    deleted = db.session.execute(sa.delete(ComplaintDraft).where(ComplaintDraft.id == draft.id,
                                                                 ComplaintDraft.complaint_id.is_(None))).rowcount
    if deleted:
        db.session.add(Deflection(category=category, article_slug=article_slug, at=now or utcnow()))
    _commit_and_delete(stored_names if deleted else [])


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


def _commit_and_delete(stored_names):
    db.session.commit()
    _delete_files(stored_names)


def _within_file_limit(draft, files):
    """Return (the uploads the draft has room for, messages for the others)."""
    limit = current_app.config["EVIDENCE_MAX_FILES"]
    files = [f for f in files if f and f.filename]
    room = max(limit - len(draft.evidence), 0)
    return files[:room], [_l("最多上传 %(n)d 个文件，“%(name)s”没有上传。", n=limit, name=upload.filename)
                          for upload in files[room:]]


def _make_room(draft, needed, now):
    """Delete idle drafts, oldest first, until unsubmitted files plus `needed` bytes fit the quota (no commit).

    Return the stored names of the deleted drafts' files; raise StorageUnavailable, deleting nothing, when even
    that is not enough.
    """
    if not needed:
        return []
    config = current_app.config
    room = config["DRAFT_UPLOAD_QUOTA_MB"] * 2**20 - _unsubmitted_bytes() - needed
    if room >= 0:
        return []
    idle_since = now - dt.timedelta(minutes=config["DRAFT_EVICTION_IDLE_MINUTES"])
    query = sa.select(ComplaintDraft).where(ComplaintDraft.complaint_id.is_(None), ComplaintDraft.id != draft.id,
                                            ComplaintDraft.updated_at < idle_since, ComplaintDraft.evidence.any())
    evicted = []
    for old in db.session.scalars(query.order_by(ComplaintDraft.updated_at, ComplaintDraft.id)):
        evicted.append(old)
        room += sum(item.size for item in old.evidence)
        if room >= 0:
            return [name for idle in evicted for name in _delete(idle)]
    raise uploads.StorageUnavailable("the quota for files on unsubmitted drafts is used up")


def _unsubmitted_bytes():
    query = sa.select(sa.func.coalesce(sa.func.sum(Evidence.size), 0)).where(Evidence.draft_id.is_not(None),
                                                                            Evidence.complaint_id.is_(None))
    return db.session.scalar(query)
