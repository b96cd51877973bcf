"""Store uploaded evidence with the app's limits; shared by the intake, the API and follow-ups."""
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.complaints import evidence as evidence_store


def limits():
    """Return the configured evidence limits for messages: files per complaint, and MB per file as text."""
    config = current_app.config
    return {"files": config["EVIDENCE_MAX_FILES"], "mb": f"{config['EVIDENCE_MAX_BYTES'] / 2**20:g}"}


def store_one(upload):
    """Store one uploaded file with the configured limits; raise EvidenceError when refused."""
    config = current_app.config
    return evidence_store.store_evidence(upload.stream, upload.filename, config["UPLOAD_DIR"],
                                         config["EVIDENCE_MAX_BYTES"], config["EVIDENCE_MAX_PIXELS"])


def store_uploads(files, room):
    """Check and store the uploads; return (stored, errors) and keep no file when any is refused."""
    files = [f for f in files if f and f.filename]
    if len(files) > room:
        return [], [_l("每件投诉最多 %(max)d 个文件，现在还能上传 %(room)d 个。",
                       max=current_app.config["EVIDENCE_MAX_FILES"], room=max(room, 0))]
    stored, errors = [], []
    for upload in files:
        try:
            stored.append(store_one(upload))
        except evidence_store.EvidenceError as exc:
            errors.append(f"{upload.filename}: {exc.message}")
    if errors:
        delete_files(stored)
        return [], errors
    return stored, []


def delete_files(stored):
    """Remove stored uploads that no database row will reference."""
    for item in stored:
        evidence_store.delete_stored(current_app.config["UPLOAD_DIR"], item.stored_name)
