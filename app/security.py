"""Security headers on every response (the CSP allows no inline script), and refusal of NUL characters."""
from flask import Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


class _NulFreeParameters(ImmutableMultiDict):
    """Query and form parameters without NUL characters, which PostgreSQL cannot store in text."""

    def __init__(self, mapping=None):
        super().__init__([(key, value.replace("\x00", "") if isinstance(value, str) else value)
                          for key, value in iter_multi_items(mapping or ())])


class PortalRequest(Request):
    """Every form and query value is NUL-free, so no save can fail on one deep inside a service."""

    parameter_storage_class = _NulFreeParameters


def _refuse_nul_in_json():
    """JSON bodies are parsed on demand, so a NUL (raw or \\u0000) is refused up front with a clear 400."""
    if request.is_json and "\x00" in request.get_data(as_text=True).replace("\\u0000", "\x00"):
        abort(400, "JSON text must not contain NUL characters")


def init_app(app):
    app.request_class = PortalRequest
    app.before_request(_refuse_nul_in_json)
    app.after_request(_set_headers)
