"""Whole public pages kept for a few seconds per process, for visitors who carry no session.

The busiest hours of a help center are the hours people are angry, and almost every visitor then reads the same
few pages: the home page, a handful of articles, the contact page, the statistics. For a visitor without a
session cookie these pages are the same for everyone who reads the same language, so a worker keeps each one
for `PAGE_CACHE_SECONDS` (a few seconds: short enough that no figure or channel state is noticeably late) and
serves it again without running the view. Rate limits and every after-request hook (security headers, ETags,
logging, metrics) still run on a served copy.

A page whose view put anything in the session is not kept, with one exception: a fresh CSRF token for the
page's form. The kept body then has the token's place marked, and each visitor served from it gets a token of
their own, so forms keep working and no token is ever shared.
"""
import threading
import time
from collections import OrderedDict

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from app.i18n import select_locale

# Pages that show nothing of the visitor's own: the same for every visitor of one language and URL.
PUBLIC_ENDPOINTS = frozenset({
    "main.index", "kb.index", "kb.category", "kb.article", "contact.index", "contact.channel",
    "transparency.index", "transparency.outcomes", "transparency.summary", "api_docs.index",
    "api.channels", "api.channel_week", "api.statistics", "api.outcomes", "api.article",
    "api.complaint_categories", "api.openapi_document",
})  # not the searches: each one is logged (zero-result queries become content work) and has its own cache
TOKEN_MARK = b"\x00csrf-token\x00"
# What a view may leave in an anonymous session and still be kept: a form's CSRF token, and Flask-Login's note
# that nobody is signed in.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_fresh"})
_ON_HIT = {}


def also_on_hit(endpoint):
    """Register `fn(**view_args)` to run when `endpoint` is served from the cache, e.g. to count the view."""
    def register(fn):
        _ON_HIT[endpoint] = fn
        return fn
    return register


class PageCache:
    """A bounded, thread-safe map of (language, URL) to a page body and headers, each with an expiry time."""

    def __init__(self, seconds, max_entries, max_bytes):
        self.seconds, self.max_entries, self.max_bytes = seconds, max_entries, max_bytes
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, now=None):
        """Return the kept (status, headers, body, has_token) for `key`, or None when missing or expired."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, page, now=None):
        """Keep `page` for `seconds`; the least recently used page goes when the cache is full."""
        if len(page[2]) > self.max_bytes:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            self._entries[key] = (now + self.seconds, page)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()


def init_app(app):
    """Serve kept public pages before their views run, and keep what those views answer."""
    config = app.config
    if config["PAGE_CACHE_SECONDS"] <= 0:
        return
    app.extensions["page_cache"] = PageCache(config["PAGE_CACHE_SECONDS"], config["PAGE_CACHE_MAX_ENTRIES"],
                                             config["PAGE_CACHE_MAX_BYTES"])
    app.before_request(_serve_kept_page)
    app.after_request(_keep_page)


def _key():
    """The cache key of this request, or None when the page must be rendered for this visitor (once per request)."""
    if "page_cache_key" not in g:
        g.page_cache_key = _request_key()
    return g.page_cache_key


def _request_key():
    if request.method not in ("GET", "HEAD") or request.endpoint not in PUBLIC_ENDPOINTS:
        return None
    if set(request.cookies) - {current_app.config["LANGUAGE_COOKIE"]}:
        return None  # a session, a staff sign-in, a device's own history: this visitor may see their own data
    environ = request.environ
    return select_locale(), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")


def _serve_kept_page():
    key = _key()
    page = key and current_app.extensions["page_cache"].get(key)
    if not page:
        return None
    status, headers, body, has_token = page
    if request.endpoint in _ON_HIT:
        _ON_HIT[request.endpoint](**request.view_args)
    if has_token:
        body = body.replace(TOKEN_MARK, generate_csrf().encode())
    response = current_app.response_class(body, status=status, headers=headers)
    response.headers["X-Page-Cache"] = "hit"
    return response


def _keep_page(response):
    key = _key()
    if key is None or response.status_code != 200 or response.headers.get("X-Page-Cache") == "hit":
        return response
    if response.direct_passthrough or response.is_streamed or "Set-Cookie" in response.headers:
        return response
    if response.cache_control.no_store or response.cache_control.private or set(session) - ANONYMOUS_SESSION_KEYS or session.get("_fresh"):
        return response
    body = response.get_data()
    has_token = "csrf_token" in session
    if has_token:
        body = body.replace(generate_csrf().encode(), TOKEN_MARK)
    else:
        response.add_etag()  # the same body for everyone: tag it once here rather than on every copy served
    headers = [(name, value) for name, value in response.headers
               if name.lower() != "content-length" and not (has_token and name.lower() == "etag")]
    current_app.extensions["page_cache"].put(key, (response.status_code, headers, body, has_token))
    return response
