"""Browser caching: content-hashed static names cached for a year, and ETags so a revisited page costs a 304.

Static files: at startup every file under static/ gets a name carrying a hash of its bytes
(css/site.css -> css/site.3f2a9c1d.css); `url_for('static', ...)` emits that name and the static view serves
it as immutable for a year, so a changed file is a new URL and nobody keeps a stale copy. Doing this at
startup, rather than with a build step such as Flask-Static-Digest's `flask digest compile` (last released
2023, and its output must be regenerated and shipped), keeps the checkout the only source: there is nothing
to forget to rebuild. The unhashed names still work, with a short cache, for links from old pages.

HTML pages: a GET answered 200 with HTML gets an ETag over its body, so a revisit sending If-None-Match gets a
304 without the body; pages marked no-store (tracking, staff) are left alone.
"""
import hashlib
from pathlib import Path

from flask import current_app, request, send_from_directory, session

STATIC_MAX_AGE = 365 * 24 * 3600
UNHASHED_MAX_AGE = 300
HASH_LENGTH = 12


def init_app(app):
    """Name static files by content hash, serve them immutable, and tag cacheable HTML pages."""
    names = hashed_names(Path(app.static_folder))
    app.extensions["static_hashed_names"] = names
    app.extensions["static_original_names"] = {hashed: original for original, hashed in names.items()}
    app.url_defaults(_hashed_static_url)
    app.view_functions["static"] = serve_static
    app.after_request(_tag_page)


def hashed_names(folder):
    """Map each file under `folder` (POSIX relative path) to the same path with a hash of its bytes in the name."""
    names = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
        stem, dot, suffix = relative.rpartition(".")
        names[relative] = f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{relative}.{digest}"
    return names


def _hashed_static_url(endpoint, values):
    if endpoint == "static" and "filename" in values:
        values["filename"] = current_app.extensions["static_hashed_names"].get(values["filename"],
                                                                              values["filename"])


def serve_static(filename):
    """Serve a static file: a hashed name for a year as immutable, a plain name for a few minutes."""
    original = current_app.extensions["static_original_names"].get(filename)
    response = send_from_directory(current_app.static_folder, original or filename,
                                   max_age=STATIC_MAX_AGE if original else UNHASHED_MAX_AGE)
    if original:
        response.cache_control.immutable = True
        response.cache_control.public = True
    return response


def _tag_page(response):
    """Add an ETag to an HTML page and answer 304 when the browser already has exactly that body."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.mimetype != "text/html":
        return response
    if response.cache_control.no_store or response.direct_passthrough or "Set-Cookie" in response.headers:
        return response
    # The tag hashes the very body this visitor would get (their language, vote, CSRF token...), so a match
    # means they already hold it. Pages that may carry a visitor's own data stay out of shared caches.
    response.add_etag()
    response.cache_control.no_cache = True  # ask again every time: pages change with the hour
    if request.cookies or session:
        response.cache_control.private = True
    return response.make_conditional(request)
