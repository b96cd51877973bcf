"""The portal's base form: Flask-WTF's FlaskForm, with WTForms' own messages translated from memory."""
from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


class PortalForm(FlaskForm):
    """Every form of the portal. Flask-WTF reads WTForms' message catalogue from disk once per request
    (about 0.1 ms); the catalogue never changes while the app runs, so it is loaded once per language."""

    class Meta:
        def get_translations(self, form):
            """WTForms' built-in messages ("Not a valid choice") in the request's language."""
            return _wtforms_translations(str(get_locale()))


@lru_cache(maxsize=8)
def _wtforms_translations(locale):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")
