"""Rendered template fragments kept per process: the parts of a page that change only with their inputs.

`{% call cached_fragment(article, 'body') %}...{% endcall %}` renders its body once per owner object, key and
language. The owner is the object the fragment is drawn from (an article of the loaded knowledge base): when
the content is reloaded the owner is a new object and the fragment is rendered afresh.
"""
import threading

from markupsafe import Markup

from app.i18n import current_language

MAX_ENTRIES = 1024  # a few hundred articles × two languages; beyond that something is generating keys


class FragmentCache:
    """Rendered fragments keyed by (owner identity, language, key), each remembering its owner."""

    def __init__(self, max_entries=MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries = {}
        self._lock = threading.Lock()

    def render(self, owner, key, caller):
        """Return the stored fragment of `owner` under `key`, rendering it with `caller` when missing or stale."""
        cache_key = (id(owner), current_language(), key)
        entry = self._entries.get(cache_key)
        if entry is not None and entry[0] is owner:
            return entry[1]
        fragment = Markup(caller())
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[cache_key] = (owner, fragment)
        return fragment


def init_app(app):
    """Offer `cached_fragment(owner, *key)` to templates, one cache per app."""
    fragments = app.extensions["fragments"] = FragmentCache()

    @app.template_global()
    def cached_fragment(owner, *key, caller):
        """Render the {% call %} body once per owner, key and language."""
        return fragments.render(owner, key, caller)
