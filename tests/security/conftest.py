"""Fixtures of the hostile-input catalogue: a verified owner, a CSRF-enforcing app, an app that crashes."""
import pytest

from app import create_app
from app.extensions import db
from tests.conftest import _truncate_all
from tests.factories import file_complaint
from tests.security.helpers import verify


@pytest.fixture
def owner(app, client):
    """A filed complaint whose access code this client has entered; returns (reference, access_code)."""
    reference, code = file_complaint(app)
    assert verify(client, reference, code).status_code == 302
    return reference, code


def _app(database_url, tmp_path, search_index_dir, **overrides):
    app = create_app("testing", DATA_DIR=tmp_path / "data", SQLALCHEMY_DATABASE_URI=database_url,
                     SEARCH_INDEX_DIR=search_index_dir, **overrides)
    if database_url.startswith("postgresql"):
        _truncate_all(app)
    return app


@pytest.fixture
def csrf_app(database_url, tmp_path, search_index_dir):
    """The app as in production: every HTML form POST needs the CSRF token."""
    app = _app(database_url, tmp_path, search_index_dir, WTF_CSRF_ENABLED=True)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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
