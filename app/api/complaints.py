"""Complaint resources: intake, categories, and the tracking views."""
import hashlib
import json

from flask import current_app, request
from sqlalchemy.exc import SQLAlchemyError

from app.api.blueprint import bp
from app.api import schemas
from app.api.errors import api_error, validation_error
from app.complaints import followup, presenters, reference as refs, services, uploads
from app.complaints.categories import CATEGORIES
from app.complaints.lifecycle import ComplaintChanged
from app.complaints.validation import complaint_data
from app.extensions import db, limiter
from app.i18n import current_language
from app.kb.services import search_articles
from app.ratelimits import upload_allowance
from app.timeutil import utcnow

TEXT_FIELDS = ("category", "description", "contact_email", "contact_phone", "notify_via")
MAX_IDEMPOTENCY_KEY = 200


@bp.get("/complaints/categories")
def complaint_categories():
    """List the categories with the details each requires."""
    return schemas.respond(schemas.CategoryList, {"categories": [
        {"id": c.id, "name": str(c.name), "name_en": c.name_en, "required": list(c.required),
         "optional": list(c.optional)} for c in CATEGORIES.values()]})


@bp.post("/complaints")
@limiter.limit("20 per hour;5 per minute")
@upload_allowance
def create_complaint():
    """File a complaint from JSON, or multipart/form-data with `evidence` files."""
    payload = _payload()
    if payload is None:
        return api_error(400, "send a JSON object or multipart/form-data")
    if len(request.headers.get("Idempotency-Key", "")) > MAX_IDEMPOTENCY_KEY:
        return api_error(400, f"Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters")
    data, errors = _validated(payload)
    if errors:
        return validation_error(errors)
    stored, upload_errors = uploads.store_uploads(request.files.getlist("evidence"),
                                                  current_app.config["EVIDENCE_MAX_FILES"])
    if upload_errors:
        return validation_error({"evidence": _joined(upload_errors)})
    # Searched before the transaction: on SQLite a write request holds the write lock from its first query on.
    suggested = [h.slug for h in search_articles(data["description"][:200], per_page=3).hits]
    try:
        complaint, code = services.create_complaint(
            data, evidence=[services.store_user_evidence(s, "other") for s in stored], language=current_language(),
            idempotency_key=_idempotency_key(payload), channel="api")
    except SQLAlchemyError:
        db.session.rollback()
        uploads.delete_files(stored)
        current_app.logger.exception("complaint could not be stored")
        return api_error(503, "the complaint could not be stored; nothing was saved, please retry")
    body = dict(presenters.receipt_view(complaint, code), suggested_articles=suggested)
    # The answer carries the access code: no cache may keep it.
    return schemas.respond(schemas.ComplaintReceipt, body, 201 if code else 200, {"Cache-Control": "private, no-store"})


@bp.get("/complaints/<reference>")
@limiter.limit("20 per minute")
def complaint(reference):
    """Public status for anyone with the reference; the full view with a valid X-Access-Code."""
    try:
        canonical = refs.normalize_reference(reference)
    except refs.InvalidReference:
        canonical = None
    code = request.headers.get("X-Access-Code")
    if code and canonical:
        try:
            return _private(services.verify_access(canonical, code))
        except services.AccessDenied:
            pass
    # Look up even a malformed reference so unknown and known ones take the same time.
    found = services.find_by_reference(canonical or reference[:24])
    if found is None:
        return api_error(404, "no complaint with this reference")
    return schemas.respond(schemas.ComplaintPublic, presenters.public_view(found))


@bp.post("/complaints/<reference>/messages")
@limiter.limit("20 per minute")
@upload_allowance
def add_complaint_message(reference):
    """Add information or `evidence` files (multipart) to a complaint; needs its X-Access-Code."""
    complaint = _verified_complaint(reference)
    body, files = _message_payload()
    if body is None:
        return api_error(400, "send a JSON object with a string `body`, or multipart/form-data")
    if not body and not files:
        return validation_error({"body": "send a non-empty body or at least one evidence file"})
    if len(body) > followup.MESSAGE_MAX:
        return validation_error({"body": f"at most {followup.MESSAGE_MAX} characters"})
    upload_errors = followup.add_message(complaint, body, files, request.form.get("evidence_kind", "other"))
    if upload_errors:
        return validation_error({"evidence": _joined(upload_errors)})
    return _private(complaint, 201)


@bp.errorhandler(services.AccessDenied)
def _access_denied(exc):
    """Answer a wrong code exactly as an unknown reference."""
    return api_error(404, "no complaint with this reference and access code")


@bp.errorhandler(services.AccessLocked)
def _access_locked(exc):
    """Refuse while the reference is locked after too many wrong codes."""
    response = api_error(429, "too many wrong access codes; try again later", locked_until=exc.until.isoformat())
    response.headers["Retry-After"] = str(max(1, int((exc.until - utcnow()).total_seconds())))
    return response


@bp.errorhandler(ComplaintChanged)
def _complaint_changed(exc):
    """Refuse a change made against a complaint that changed meanwhile; nothing was applied."""
    db.session.rollback()
    return api_error(409, "the complaint changed while this request was handled; nothing was applied, please retry")


@bp.errorhandler(services.ComplaintClosed)
def _complaint_closed(exc):
    """Refuse messages to a closed complaint."""
    return api_error(409, "the complaint is closed; reopen it first if it was resolved or rejected")


def _joined(messages):
    """One field message from several, lazy translations included."""
    return "; ".join(str(message) for message in messages)


def _private(complaint, status=200):
    """Return the owner's view, never stored by caches."""
    return schemas.respond(schemas.ComplaintPrivate, presenters.private_view(complaint), status,
                           {"Cache-Control": "private, no-store"})


def _verified_complaint(reference):
    """Return the complaint the X-Access-Code opens; a malformed reference is refused like a wrong code."""
    try:
        canonical = refs.normalize_reference(reference)
    except refs.InvalidReference:
        raise services.AccessDenied(reference) from None
    return services.verify_access(canonical, request.headers.get("X-Access-Code", ""))


def _message_payload():
    """Return (stripped body, files) from JSON or multipart/form-data; body is None when unreadable."""
    if request.mimetype == "multipart/form-data":
        return request.form.get("body", "").strip(), [f for f in request.files.getlist("evidence") if f and f.filename]
    payload = request.get_json(silent=True)
    body = (payload.get("body") or "") if isinstance(payload, dict) else None
    return (body.strip() if isinstance(body, str) else None), []


def _payload():
    try:
        if request.mimetype == "multipart/form-data":
            payload = request.form.to_dict()
            payload["details"] = json.loads(payload.get("details") or "{}")
            return payload
        payload = request.get_json(silent=True)
    except (ValueError, RecursionError):  # broken or absurdly nested JSON
        return None
    return payload if isinstance(payload, dict) else None


def _validated(payload):
    """Check types first (JSON may carry anything), then the same rules as the web journey; report every field."""
    errors = {name: f"{name} must be a string" for name in TEXT_FIELDS
              if payload.get(name) is not None and not isinstance(payload[name], str)}
    if not isinstance(payload.get("details", {}), dict):
        errors["details"] = "details must be an object"
    if errors:
        return None, errors
    draft_data = {**payload, "consent_privacy": payload.get("consent_privacy") in (True, "true", "1", "on"),
                  "notify_via": payload.get("notify_via") or ("email" if payload.get("contact_email") else "sms"),
                  "consent_publish": payload.get("consent_publish") in (True, "true", "1", "on")}
    return complaint_data(draft_data, set(), utcnow())


def _idempotency_key(payload):
    """Scope the client's key to the exact request, so a reused key with another complaint files that one too."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return None
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return "api:" + hashlib.sha256(f"{key}\n{body}".encode()).hexdigest()[:56]
