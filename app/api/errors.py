"""The API's error envelope: {"error": {"code", "message", ...}} or {"errors": {field: message}}."""
from flask import jsonify


def api_error(code, message, **extra):
    """Return a JSON error response with HTTP status `code`."""
    body = {"error": {"code": code, "message": str(message)}}
    body["error"].update(extra)
    return jsonify(body), code


def validation_error(errors):
    """Return 400 with per-field messages."""
    return jsonify(errors={field: str(message) for field, message in errors.items()}), 400
