"""Request-boundary rules: security headers on every response (the CSP allows no inline script, HSTS in
production), the one text-input rule (no NUL, no Bidi_Control characters) for form, query and JSON values,
refusal of JSON that cannot be stored (NUL, unpaired surrogates), and URL ids bounded to what a database holds.
"""
import re

from flask import Request, abort, current_app, json, request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

# The Bidi_Control characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) reorder how text is shown,
# so a description could show staff something else than it says. NUL cannot be stored by PostgreSQL.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DROPPED = dict.fromkeys(map(ord, "\x00" + BIDI_CONTROLS))
# Backstop for what JSON escapes can smuggle in: lone surrogates cannot be encoded as UTF-8 for the database.
_SURROGATES = re.compile("[\ud800-\udfff]")
# JSON escapes left to right: a valid surrogate pair, a lone surrogate (group 1), or any other escape.
_JSON_ESCAPE = re.compile(r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                          r"|(u[dD][89a-fA-F][0-9a-fA-F]{2})|.)", re.S)
# The largest id a 32-bit INTEGER column holds; a larger one in a URL overflows SQLite and PostgreSQL drivers.
MAX_DATABASE_ID = 2**31 - 1

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


def clean_text(value):
    """The one rule for every text input: drop NUL and the Bidi_Control characters."""
    return value.translate(_DROPPED)


def _clean_json(value):
    """Return decoded JSON with every string, keys included, cleaned; a loop, since JSON nests deeply."""
    root = [value]
    pending = [(root, 0)]
    while pending:
        container, key = pending.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = _SURROGATES.sub("", clean_text(item))
        elif isinstance(item, list):
            pending.extend((item, index) for index in range(len(item)))
        elif isinstance(item, dict):
            cleaned = {_SURROGATES.sub("", clean_text(k)): v for k, v in item.items()}
            if len(cleaned) != len(item):  # "a" and "a\u202e": equal once cleaned, a repeated key like any other
                raise ValueError("a key repeats in a JSON object")
            container[key] = item = cleaned
            pending.extend((item, k) for k in item)
    return root[0]


class _CleanJson:
    """A JSON provider for request bodies whose decoded strings are cleaned by `clean_text`."""

    def __init__(self, provider):
        self.provider = provider

    def dumps(self, obj, **kwargs):
        """Encode as the wrapped provider does."""
        return self.provider.dumps(obj, **kwargs)

    def loads(self, data, **kwargs):
        """Decode JSON text and clean its strings; a repeated key in one object makes it unreadable (ValueError)."""
        return _clean_json(self.provider.loads(data, object_pairs_hook=_unique_keys, **kwargs))


def _unique_keys(pairs):
    # Parsers disagree on which of two equal keys wins, so a checker in front could have read the other value.
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key repeats in a JSON object")
    return dict(pairs)


class _CleanParameters(ImmutableMultiDict):
    """Query and form parameters with every text value cleaned by `clean_text`."""

    def __init__(self, mapping=None):
        super().__init__([(key, clean_text(value) if isinstance(value, str) else value)
                          for key, value in iter_multi_items(mapping or ())])


class PortalRequest(Request):
    """Every form, query and JSON text value is clean, so no save can fail on one deep inside a service."""

    parameter_storage_class = _CleanParameters
    _json_provider = json

    @property
    def json_module(self):
        """The app's JSON provider (Flask assigns it to each request), cleaning what it decodes."""
        return _CleanJson(self._json_provider)

    @json_module.setter
    def json_module(self, provider):
        self._json_provider = provider


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` capped at MAX_DATABASE_ID, so an absurd id in a URL is a 404 rather than an OverflowError."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_DATABASE_ID, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


def database_id(text):
    """Return a query value as a database id, or None when it is not a number a database column can hold."""
    text = (text or "").strip()
    # The length check first: int() refuses strings of more than 4,300 digits with a ValueError.
    if not text.isdecimal() or len(text) > len(str(MAX_DATABASE_ID)):
        return None
    return int(text) if int(text) <= MAX_DATABASE_ID else None


def _refuse_unstorable_input():
    """Refuse what no database can store, up front: NUL in the path (404) or in JSON, unpaired surrogates in JSON."""
    if "\x00" in request.path:
        abort(404)
    if not request.is_json:
        return
    text = request.get_data(as_text=True)
    if "\x00" in text.replace("\\u0000", "\x00"):
        abort(400, "JSON text must not contain NUL characters")
    if "\\u" in text and any(match.group(1) for match in _JSON_ESCAPE.finditer(text)):
        abort(400, "JSON text must not contain unpaired surrogates (\\ud800-\\udfff)")


def _set_hsts(response):
    """Tell browsers to use HTTPS only; on in production, where the portal is served behind TLS."""
    if current_app.config["HSTS_ENABLED"]:
        response.headers.setdefault("Strict-Transport-Security", current_app.config["HSTS_HEADER"])
    return response


def init_url_converters(app):
    """Bound `<int:…>` URL parts; call before any blueprint is registered."""
    app.url_map.converters["int"] = DatabaseIdConverter


def trust_proxies(app):
    """Take the client address and scheme from the configured number of proxies in front of the portal."""
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def init_app(app):
    app.request_class = PortalRequest
    app.before_request(_refuse_unstorable_input)
    app.after_request(_set_headers)
    app.after_request(_set_hsts)
