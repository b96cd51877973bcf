"""Complaint resources: intake, categories, and the tracking views."""
import json

from flask import current_app, request
from sqlalchemy.exc import SQLAlchemyError

from app.api import bp
from app.api.errors import api_error, validation_error
from app.complaints import evidence as evidence_store, intake, presenters, reference as refs, services
from app.complaints.categories import CATEGORIES
from app.extensions import db, limiter
from app.i18n import current_language
from app.kb.services import search_articles


@bp.get("/complaints/categories")
def complaint_categories():
    """List the categories with the details each requires."""
    return {"categories": [{"id": c.id, "name": str(c.name), "name_en": c.name_en, "required": list(c.required),
                            "optional": list(c.optional)} for c in CATEGORIES.values()]}


@bp.post("/complaints")
@limiter.limit("20 per hour;5 per minute")
def create_complaint():
    """File a complaint from JSON, or multipart/form-data with `evidence` files."""
    payload = _payload()
    if payload is None:
        return api_error(400, "send a JSON object or multipart/form-data")
    data, errors = _validated(payload)
    if errors:
        return validation_error(errors)
    stored, upload_errors = _store_files(request.files.getlist("evidence"))
    if upload_errors:
        return validation_error({"evidence": "; ".join(upload_errors)})
    try:
        complaint, code = services.create_complaint(
            data, evidence=[services.store_user_evidence(s, "other") for s in stored], language=current_language(),
            idempotency_key=request.headers.get("Idempotency-Key"))
    except SQLAlchemyError:
        db.session.rollback()
        _delete_files(stored)
        current_app.logger.exception("complaint could not be stored")
        return api_error(503, "the complaint could not be stored; nothing was saved, please retry")
    body = {"reference": complaint.reference, "access_code": code, "status": complaint.status,
            "first_response_due": presenters.private_view(complaint)["first_response_due"],
            "suggested_articles": [h.slug for h in search_articles(data["description"][:200], per_page=3).hits]}
    return body, 201 if code else 200


@bp.get("/complaints/<reference>")
def complaint(reference):
    """Public status for anyone with the reference; the full view with a valid X-Access-Code."""
    try:
        canonical = refs.normalize_reference(reference)
    except refs.InvalidReference:
        canonical = None
    code = request.headers.get("X-Access-Code")
    if code and canonical:
        try:
            return presenters.private_view(services.verify_access(canonical, code))
        except services.AccessLocked as exc:
            return api_error(429, "too many wrong access codes; try again later", locked_until=exc.until.isoformat())
        except services.AccessDenied:
            pass
    # Look up even a malformed reference so unknown and known ones take the same time.
    found = services.find_by_reference(canonical or reference[:24])
    if found is None:
        return api_error(404, "no complaint with this reference")
    return presenters.public_view(found)


def _payload():
    if request.mimetype == "multipart/form-data":
        payload = request.form.to_dict()
        try:
            payload["details"] = json.loads(payload.get("details") or "{}")
        except ValueError:
            payload["details"] = None
        return payload
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else None


def _validated(payload):
    now = intake.now_utc()
    draft_data = {**payload, "notify_via": payload.get("notify_via") or
                  ("email" if payload.get("contact_email") else "sms")}
    if not isinstance(payload.get("details", {}), dict):
        return None, {"details": "details must be an object"}
    if payload.get("consent_privacy") not in (True, "true", "1", "on"):
        return None, {"consent_privacy": "consent_privacy must be true"}
    draft_data["consent_privacy"] = True
    draft_data["consent_publish"] = payload.get("consent_publish") in (True, "true", "1", "on")
    data, errors = intake.complaint_data(draft_data, set(), now)
    return data, errors


def _store_files(files):
    config = current_app.config
    files = [f for f in files if f and f.filename]
    if len(files) > config["EVIDENCE_MAX_FILES"]:
        return [], [f"at most {config['EVIDENCE_MAX_FILES']} files"]
    stored, errors = [], []
    for upload in files:
        try:
            stored.append(evidence_store.store_evidence(upload.stream, upload.filename, config["UPLOAD_DIR"],
                                                        config["EVIDENCE_MAX_BYTES"], config["EVIDENCE_MAX_PIXELS"]))
        except evidence_store.EvidenceError as exc:
            errors.append(f"{upload.filename}: {exc.message}")
    if errors:
        _delete_files(stored)
    return stored, errors


def _delete_files(stored):
    for item in stored:
        evidence_store.delete_stored(current_app.config["UPLOAD_DIR"], item.stored_name)
