"""Locale choice: a cookie set by the language switch, else Accept-Language, else Chinese."""
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request
from flask_babel import LazyString, get_locale, get_translations, gettext
from markupsafe import escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from app.timeutil import aware


def select_locale():
    """Pick the request's locale (Flask-Babel locale selector)."""
    config = current_app.config
    if not has_request_context():
        return config["BABEL_DEFAULT_LOCALE"]
    return choose_locale(config, request.cookies.get(config["LANGUAGE_COOKIE"]),
                         request.headers.get("Accept-Language"))


def choose_locale(config, chosen, accept_language):
    """The language switch's choice when it names a language we have, else the browser's best, else Chinese."""
    languages = config["LANGUAGES"]
    if chosen in languages:
        return chosen
    return _best_accepted(accept_language, tuple(languages)) or config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=512)
def _best_accepted(accept_language, languages):
    return parse_accept_header(accept_language, LanguageAccept).best_match(languages) if accept_language else None


class _EscapingLazyString(LazyString):
    """A lazy translation whose HTML form escapes the interpolated values.

    Flask-Babel's lazy strings return themselves unescaped from `__html__`, which Jinja and the session's flash
    storage trust as markup, so a file name such as `<img src=x onerror=…>.png` would render as HTML.
    """

    def __init__(self, message, variables):
        super().__init__(gettext, message, **variables)
        self._message, self._variables = message, variables

    def __html__(self):
        text = escape(get_translations().ugettext(self._message))
        return str(text % self._variables if self._variables else text)


def lazy_gettext(message, **variables):
    """Flask-Babel's lazy_gettext, but safe to flash or render with user-supplied `variables` (import it as _l)."""
    return _EscapingLazyString(message, variables)


def current_language():
    """Return 'zh' or 'en' for the current request."""
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def localized(zh, en):
    """Choose between a Chinese and an English value for the current request."""
    return en if current_language() == "en" and en else zh


def portal_datetime(moment, fmt="%Y-%m-%d %H:%M"):
    """Show a stored (UTC) time in the portal's timezone; naive values are taken as UTC."""
    if moment is None:
        return ""
    return aware(moment).astimezone(ZoneInfo(current_app.config["PORTAL_TIMEZONE"])).strftime(fmt)


def duration(delta):
    """A time span people read at a glance: "2 天 3 小时", "3 小时 20 分", "12 分钟"."""
    minutes = int(delta.total_seconds() // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return gettext("%(d)d 天 %(h)d 小时", d=days, h=hours)
    if hours:
        return gettext("%(h)d 小时 %(m)d 分", h=hours, m=mins)
    return gettext("%(m)d 分钟", m=mins)


def filesize(size):
    """A file size in binary units, the same on every page: "512 B", "3.8 KB", "1.2 MB" (limits are in MiB)."""
    size = int(size or 0)
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def join_list(items):
    """Join words as the reader's language lists them: "退款、换货" in Chinese, "refund, exchange" in English."""
    return (", " if current_language() == "en" else "、").join(str(item) for item in items)


def _template_translations():
    """This request's translations for templates, which ask hundreds of times per page (a queue row alone
    translates a dozen labels): kept beside Flask-Babel's own choice of locale and found again with two lookups,
    until the locale changes (`force_locale` while writing a message in its recipient's language)."""
    babel_context = g.get("_flask_babel")
    locale = getattr(babel_context, "babel_locale", None)
    kept = getattr(babel_context, "portal_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    babel_context = g.get("_flask_babel")
    if getattr(babel_context, "babel_locale", None) is not None:
        babel_context.portal_translations = (babel_context.babel_locale, translations)
    return translations


def init_app(app):
    # Flask-Babel's callables, with a quicker way to this request's translations (after babel.init_app).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _template_translations().ugettext(s),
        ngettext=lambda s, p, n: _template_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _template_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(current_language=current_language, localized=localized)
    app.jinja_env.filters["join_list"] = join_list
    app.jinja_env.filters["portal_datetime"] = portal_datetime
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["filesize"] = filesize
