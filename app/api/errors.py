"""The API's one error envelope: {"error": {"code", "message", "fields"?}} for every error answer."""
from app.api.schemas import ErrorEnvelope, respond

VALIDATION_MESSAGE = "some fields are invalid; see `fields`"


def api_error(code, message, **extra):
    """Return the error envelope with HTTP status `code`; `extra` adds documented keys such as `locked_until`."""
    return respond(ErrorEnvelope, {"error": {"code": code, "message": str(message), **extra}}, status=code)


def validation_error(fields):
    """Return 400 with a message per request field."""
    return api_error(400, VALIDATION_MESSAGE, fields={name: str(message) for name, message in fields.items()})
