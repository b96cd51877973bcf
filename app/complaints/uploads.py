"""Store uploaded evidence with the app's limits; shared by the intake, the API and follow-ups.

A folder that is full, nearly full (less than STORAGE_MIN_FREE_MB free) or not writable raises StorageUnavailable,
which answers 503; files stored earlier in the same request are deleted first, so no file is left without a row.
A process killed between writing a file and committing its row cannot do that: `sweep_orphans`, run by a
background job, deletes such files once they are older than any request can take.
"""
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.complaints import evidence as evidence_store
from app.complaints.models import Evidence
from app.extensions import db
from app.i18n import lazy_gettext as _l

logger = logging.getLogger("portal.uploads")


class StorageUnavailable(Exception):
    """Uploads cannot be stored now (disk full or nearly full, folder not writable); nothing was kept."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
        self.message = _l("暂时无法保存上传的文件，请稍后再试。")


def limits():
    """Return the configured evidence limits for messages: files per complaint, and MB per file as text."""
    config = current_app.config
    return {"files": config["EVIDENCE_MAX_FILES"], "mb": f"{config['EVIDENCE_MAX_BYTES'] / 2**20:g}"}


def store_one(upload):
    """Store one uploaded file with the configured limits; raise EvidenceError when refused.

    Raise StorageUnavailable when the disk is (nearly) full or the folder cannot be written.
    """
    config = current_app.config
    check_free_space()
    try:
        return evidence_store.store_evidence(upload.stream, upload.filename, config["UPLOAD_DIR"],
                                             config["EVIDENCE_MAX_BYTES"], config["EVIDENCE_MAX_PIXELS"])
    except OSError as exc:
        raise StorageUnavailable(f"cannot write to the evidence folder: {exc.strerror or exc}") from exc


def store_all(uploads):
    """Store every upload; on StorageUnavailable delete the ones already stored and re-raise.

    Return (stored, errors): refused files (EvidenceError) are reported, the others stored.
    """
    stored, errors = [], []
    try:
        for upload in uploads:
            try:
                stored.append(store_one(upload))
            except evidence_store.EvidenceError as exc:
                errors.append(f"{upload.filename}: {exc.message}")
    except StorageUnavailable:
        delete_files(stored)
        raise
    return stored, errors


def store_uploads(files, room):
    """Check and store the uploads; return (stored, errors) and keep no file when any is refused."""
    files = [f for f in files if f and f.filename]
    if len(files) > room:
        return [], [_l("每件投诉最多 %(max)d 个文件，现在还能上传 %(room)d 个。",
                       max=current_app.config["EVIDENCE_MAX_FILES"], room=max(room, 0))]
    stored, errors = store_all(files)
    if errors:
        delete_files(stored)
        return [], errors
    return stored, []


def upload_size(upload):
    """Return how many bytes storing `upload` may take: its size, at most EVIDENCE_MAX_BYTES."""
    max_bytes = current_app.config["EVIDENCE_MAX_BYTES"]
    stream = upload.stream
    try:
        position = stream.tell()
        size = stream.seek(0, os.SEEK_END)
        stream.seek(position)
    except (AttributeError, OSError, ValueError):  # not seekable: assume the largest file allowed
        size = max_bytes
    return min(size, max_bytes)


def check_free_space():
    """Raise StorageUnavailable while the data dir's disk has less than STORAGE_MIN_FREE_MB free."""
    config = current_app.config
    free = shutil.disk_usage(config["DATA_DIR"]).free
    if free < config["STORAGE_MIN_FREE_MB"] * 2**20:
        raise StorageUnavailable(f"only {free // 2**20} MB free on the data dir's disk")


def storage_health():
    """Readiness: None when a file can be created in the evidence folder and the disk has its reserve free."""
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    try:
        upload_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=upload_dir, prefix=".ready-"):
            pass
        check_free_space()
    except OSError as exc:
        logger.warning("evidence folder not writable: %s", exc)
        return "evidence folder not writable"
    except StorageUnavailable as exc:
        logger.warning("evidence storage below its free-space reserve: %s", exc.reason)
        return "less than STORAGE_MIN_FREE_MB free"
    return None


def delete_files(stored):
    """Remove stored uploads that no database row will reference."""
    for item in stored:
        try:
            evidence_store.delete_stored(current_app.config["UPLOAD_DIR"], item.stored_name)
        except OSError:  # keep going: the other files must still go
            logger.exception("could not delete orphan evidence file %s", item.stored_name)


def sweep_orphans(min_age_seconds):
    """Delete the evidence folder's files that no Evidence row names and are older than `min_age_seconds`."""
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    if not upload_dir.is_dir():
        return 0
    cutoff = time.time() - min_age_seconds
    old = [path for path in upload_dir.iterdir() if path.is_file() and path.stat().st_mtime < cutoff]
    named = _named_by_a_row([path.name for path in old])
    orphans = [path for path in old if path.name not in named]
    for path in orphans:
        path.unlink(missing_ok=True)
    if orphans:
        logger.warning("removed %d evidence files without a database row", len(orphans))
    return len(orphans)


def _named_by_a_row(names, chunk=500):
    found = set()
    for start in range(0, len(names), chunk):
        query = sa.select(Evidence.stored_name).where(Evidence.stored_name.in_(names[start:start + chunk]))
        found.update(db.session.scalars(query))
    return found
