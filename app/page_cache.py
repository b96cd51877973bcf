"""Whole public pages kept for a few seconds per process, and served again in front of Flask.

The busiest hours of a help center are the hours people are angry, and almost every visitor then reads the same
few pages: the home page, a handful of articles, the contact page, the statistics, the same searches. For a
visitor who carries no cookie but the language choice, these pages are the same for everyone who asks for the
same URL in the same language, so a worker keeps each one for `PAGE_CACHE_SECONDS` (a few seconds: short enough
that no figure or channel state is noticeably late).

A kept page is served by a WSGI layer in front of the Flask app, the way a micro-cache in a reverse proxy would
serve it, because at this size the request machinery (request context, session, a dozen hooks) costs more than
the page. The copy carries the headers the first answer ended with (security headers, ETag, Vary, Cache-Control);
the layer adds what belongs to each request: a request id, the log line and metrics, a 304 when the browser
already holds the body, and whatever the view asked to repeat on every view (counting an article view, a
search that found nothing). None of the kept endpoints has a rate limit: they cost less than the check would.

A page whose view put anything in the session is not kept, with one exception: a CSRF token for the page's
form. The kept body then has the token's place marked, and each visitor served from it gets a token of their
own, signed exactly as Flask-WTF and Flask sign them: from the token their session already holds, or a new one
with a session cookie, so forms keep working and no token is ever shared. A visitor whose session holds only
such a token (anyone who has seen a form) is served kept pages too; any other cookie (a vote, a staff sign-in,
a draft or a device's history in the session) means pages of their own.
"""
import hashlib
import os
import threading
import time
from collections import OrderedDict
from typing import NamedTuple

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.http import dump_cookie, is_resource_modified, parse_cookie

from app import metrics, observability
from app.i18n import choose_locale

# Pages that show nothing of a visitor without cookies: the same for everyone of one language and URL.
PUBLIC_ENDPOINTS = frozenset({
    "main.index", "kb.index", "kb.category", "kb.article", "kb.search", "contact.index", "contact.channel",
    "transparency.index", "transparency.outcomes", "transparency.summary", "tracking.index", "api_docs.index",
    "api.channels", "api.channel_week", "api.statistics", "api.outcomes", "api.article", "api.search",
    "api.complaint_categories", "api.openapi_document",
})
TOKEN_MARK = b"\x00csrf-token\x00"
# Flask-Login's note that nobody is signed in: besides a form's CSRF token (under Flask-WTF's field name), all
# a view may leave in an anonymous session and still be kept.
SIGNED_OUT_KEY = "_fresh"
# Headers that belong to one answer, never to the kept copy (the server dates each answer itself).
PER_ANSWER_HEADERS = frozenset({"content-length", "x-request-id", "set-cookie", "date"})
KEY_ENVIRON = "portal.page_cache.key"
CANDIDATE_ENVIRON = "portal.page_cache.candidate"


class KeptPage(NamedTuple):
    status: str
    headers: tuple
    body: bytes
    etag: str | None
    token_session: dict | None  # for a page with a form: what else a new visitor's session holds, else None
    endpoint: str
    repeats: tuple  # (fn, args) the view asked to run again on every copy served


class PageCache:
    """A bounded, thread-safe map of keys to pages, each with an expiry time; bounded in entries and bytes."""

    def __init__(self, seconds, max_entries, max_bytes, max_total_bytes):
        self.seconds, self.max_entries, self.max_bytes = seconds, max_entries, max_bytes
        self.max_total_bytes = max_total_bytes
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key, now=None):
        """Return the kept page for `key`, or None when missing or expired."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, page, now=None):
        """Keep `page` for `seconds`; the least recently used pages go when the cache is full."""
        size = len(page.body)
        if size > self.max_bytes:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            self._drop(key)
            self._entries[key] = (now + self.seconds, page)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_total_bytes:
                self._drop(next(iter(self._entries)))

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key):
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1].body)


def on_each_view(fn, *args):
    """Run `fn(*args)` now, and again (in an app context) each time this page is served from the cache."""
    fn(*args)
    g.setdefault("page_cache_repeats", []).append((fn, args))


def init_app(app):
    """Note which answers can be kept (after every view); `wrap` puts the serving layer in front of the app."""
    if app.config["PAGE_CACHE_SECONDS"] > 0:
        app.after_request(_note_candidate)


def wrap(app):
    """Serve kept pages in front of `app.wsgi_app` and keep the answers its views mark as keepable."""
    config = app.config
    if config["PAGE_CACHE_SECONDS"] <= 0:
        return
    cache = PageCache(config["PAGE_CACHE_SECONDS"], config["PAGE_CACHE_MAX_ENTRIES"], config["PAGE_CACHE_MAX_BYTES"],
                      config["PAGE_CACHE_MAX_TOTAL_BYTES"])
    app.extensions["page_cache"] = cache
    app.wsgi_app = KeptPages(app, app.wsgi_app, cache)


def page_key(environ, config, sessions):
    """(cache key, the visitor's anonymous session) of a request, or None when it must be rendered for them.

    `sessions` reads a session cookie (a `TokenMinter`): {} for none or an unreadable one.
    """
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    chosen, visitor_session = None, {}
    if cookie_header := environ.get("HTTP_COOKIE"):
        cookies = parse_cookie(cookie_header)
        if set(cookies) - {config["LANGUAGE_COOKIE"], sessions.cookie_name}:
            return None  # a vote, a staff sign-in, a device's own history: this visitor's own pages
        chosen = cookies.get(config["LANGUAGE_COOKIE"])
        if sessions.cookie_name in cookies:
            visitor_session = sessions.read(cookies[sessions.cookie_name])
            if not is_anonymous(visitor_session, sessions.field):
                return None
    # The host and scheme are part of the key, so no forged Host header can plant a page for other visitors.
    key = (choose_locale(config, chosen, environ.get("HTTP_ACCEPT_LANGUAGE")), environ.get("wsgi.url_scheme"),
           environ.get("HTTP_HOST", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
    return key, visitor_session


class KeptPages:
    """The WSGI layer: answer from the cache when it holds the page, else let Flask answer and keep the result."""

    def __init__(self, app, wsgi_app, cache):
        self.app, self.wsgi_app, self.cache = app, wsgi_app, cache
        self.tokens = TokenMinter(app)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        visitor = page_key(environ, self.app.config, self.tokens)
        if visitor is None:
            return self.wsgi_app(environ, start_response)
        key, visitor_session = visitor
        page = self.cache.get(key)
        if page:
            return self._serve(page, visitor_session, environ, start_response, started)
        environ[KEY_ENVIRON] = key
        answered = {}

        def remember_start(status, headers, exc_info=None):
            answered["status"], answered["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember_start)
        candidate = environ.get(CANDIDATE_ENVIRON)
        if candidate and answered.get("status", "").startswith("200"):
            page = self._page(candidate, answered["status"], answered["headers"])
            if page is not None:
                self.cache.put(key, page)
        return body

    def _page(self, candidate, status, headers):
        body, has_token, kept_session, endpoint, repeats = candidate
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        if has_token and not self.tokens.can_mint(cookies):
            return None
        if cookies and not has_token:
            return None  # the answer set a cookie of this visitor's own
        kept = tuple((name, value) for name, value in headers
                     if name.lower() not in PER_ANSWER_HEADERS and not (has_token and name.lower() == "etag"))
        etag = None if has_token else next((value for name, value in kept if name.lower() == "etag"), None)
        return KeptPage(status, kept, body, etag, kept_session if has_token else None, endpoint, tuple(repeats))

    def _serve(self, page, visitor_session, environ, start_response, started):
        if page.repeats:
            with self.app.app_context():
                for fn, args in page.repeats:
                    fn(*args)
        headers = list(page.headers)
        body, status = page.body, page.status
        if page.token_session is not None:
            token, cookie = self.tokens.token_for(visitor_session, page.token_session)
            body = body.replace(TOKEN_MARK, token.encode())
            if cookie:
                headers.append(("Set-Cookie", cookie))
        elif page.etag and not is_resource_modified(environ, etag=page.etag.strip('"')):
            status, body = "304 NOT MODIFIED", b""
            headers = [(name, value) for name, value in headers if name.lower() != "content-type"]
        request_id = observability.request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        headers += [("Content-Length", str(len(body))), ("X-Request-ID", request_id), ("X-Page-Cache", "hit")]
        start_response(status, headers)
        method = environ["REQUEST_METHOD"]
        code = int(status[:3])
        elapsed = time.perf_counter() - started
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")  # as WSGI carries it
        observability.log_request(request_id, method, path, code, elapsed)
        metrics.observe(page.endpoint, method, code, elapsed)
        return [] if method == "HEAD" else [body]


class TokenMinter:
    """CSRF tokens and the session cookies that hold them, signed as Flask-WTF and Flask sign their own.

    Flask-WTF keeps a random hex string in the session under its field name and puts it, signed with the salt
    "wtf-csrf-token", in the form; Flask signs the session with its session interface's serializer and writes
    the cookie with the interface's settings. The tests post these tokens through the real CSRF check, in the
    test client and in Chromium, so a change in either library shows up there.
    """

    def __init__(self, app):
        self.field = csrf_field(app.config)
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self._csrf = URLSafeTimedSerializer(secret, salt="wtf-csrf-token") if secret else None
        interface = app.session_interface
        self._session = interface.get_signing_serializer(app)
        self._max_age = int(app.permanent_session_lifetime.total_seconds())
        self.cookie_name = interface.get_cookie_name(app)
        self._cookie = {"domain": interface.get_cookie_domain(app), "path": interface.get_cookie_path(app),
                        "secure": interface.get_cookie_secure(app), "httponly": interface.get_cookie_httponly(app),
                        "samesite": interface.get_cookie_samesite(app),
                        "partitioned": interface.get_cookie_partitioned(app)}

    def read(self, cookie_value):
        """The session a cookie holds, as Flask would open it; {} when it is unsigned, tampered with or expired."""
        if self._session is None:
            return {}
        try:
            found = self._session.loads(cookie_value, max_age=self._max_age)
        except BadSignature:
            return {}
        return found if isinstance(found, dict) else {}

    def can_mint(self, set_cookies):
        """Whether a page whose first answer set `set_cookies` can give later visitors tokens faithfully."""
        if self._csrf is None or self._session is None or len(set_cookies) > 1:
            return False
        # A permanent session's expiry belongs to the first visitor; any other cookie is theirs alone.
        return all(value.startswith(f"{self.cookie_name}=") and "expires=" not in value.lower()
                   for value in set_cookies)

    def token_for(self, visitor_session, kept_session):
        """(signed token for the form, Set-Cookie line or None): from the visitor's own token, else a new one."""
        raw = visitor_session.get(self.field)
        if isinstance(raw, str) and raw:
            return self._csrf.dumps(raw), None
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        cookie = self._session.dumps({**kept_session, **visitor_session, self.field: raw})
        return self._csrf.dumps(raw), dump_cookie(self.cookie_name, cookie, **self._cookie)


def is_anonymous(session, field):
    """Whether a session holds nothing but a CSRF token (under `field`) and the signed-out note."""
    return not (set(session) - {field, SIGNED_OUT_KEY} or session.get(SIGNED_OUT_KEY))


def csrf_field(config):
    """The name Flask-WTF keeps the CSRF token under, in the session, in `g` and in forms."""
    return config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _note_candidate(response):
    """After the view: mark a public page for a visitor without a session as keepable, with its token's place."""
    environ = request.environ
    if KEY_ENVIRON not in environ or request.endpoint not in PUBLIC_ENDPOINTS or response.status_code != 200:
        return response
    if response.direct_passthrough or response.is_streamed or "Set-Cookie" in response.headers:
        return response
    field = csrf_field(current_app.config)
    if not is_anonymous(session, field):
        return response
    body = response.get_data()
    has_token = field in g  # Flask-WTF keeps the request's signed token there once a form rendered it
    if has_token:
        body = body.replace(generate_csrf().encode(), TOKEN_MARK)
    kept_session = {name: value for name, value in session.items() if name != field}
    environ[CANDIDATE_ENVIRON] = (body, has_token, kept_session, request.endpoint, g.get("page_cache_repeats", ()))
    return response
