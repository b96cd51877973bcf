"""Locale choice: a cookie set by the language switch, else Accept-Language, else Chinese."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request
from flask_babel import get_locale


def select_locale():
    """Pick the request's locale (Flask-Babel locale selector)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language():
    """Return 'zh' or 'en' for the current request."""
    return get_locale().language if get_locale() else current_app.config["BABEL_DEFAULT_LOCALE"]


def localized(zh, en):
    """Choose between a Chinese and an English value for the current request."""
    return en if current_language() == "en" and en else zh


def portal_datetime(moment, fmt="%Y-%m-%d %H:%M"):
    """Show a stored (UTC) time in the portal's timezone; naive values are taken as UTC."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(current_app.config["PORTAL_TIMEZONE"])).strftime(fmt)


def init_app(app):
    app.jinja_env.globals.update(current_language=current_language, localized=localized)
    app.jinja_env.filters["portal_datetime"] = portal_datetime
