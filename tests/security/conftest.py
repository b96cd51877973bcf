"""Fixtures of the hostile-input catalogue: a verified owner, a CSRF-enforcing app, an app that crashes, the logs."""
import logging

import pytest

from tests.factories import file_complaint
from tests.security.helpers import verify


@pytest.fixture
def owner(app, client):
    """A filed complaint whose access code this client has entered; returns (reference, access_code)."""
    reference, code = file_complaint(app)
    assert verify(client, reference, code).status_code == 302
    return reference, code


@pytest.fixture
def csrf_app(app_with):
    """The app as in production: every HTML form POST needs the CSRF token."""
    return app_with(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def crashing_app(app):
    """The test app with routes that raise, to see the 500 responses (added before its first request)."""
    def boom():
        raise RuntimeError("boom <script>alert(1)</script>")

    app.add_url_rule("/boom-for-tests", "boom_html", boom)
    app.add_url_rule("/api/v1/boom-for-tests", "boom_json", boom)
    return app


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def logs():
    """Everything the portal, Flask and SQLAlchemy log during the test, as one text (to grep for planted values)."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in ("", "portal", "app", "sqlalchemy", "werkzeug")]
    # Alembic's fileConfig (run by the migration fixtures) disables the loggers that existed before it.
    disabled = {logger: logger.disabled for logger in logging.Logger.manager.loggerDict.values()
                if isinstance(logger, logging.Logger)}
    for logger in disabled:
        logger.disabled = False
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lambda: "\n".join(handler.lines)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        for logger, was_disabled in disabled.items():
            logger.disabled = was_disabled
