"""Shared fixtures: an app per test on a fresh database (SQLite, and PostgreSQL when configured)."""
import os
import shutil

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition, reason):
    """Skip a test whose dependency is missing, but fail it in CI where nothing may be skipped."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def _backends():
    return ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]


def _migrate(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()


def _reset_postgresql(url):
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """Migrate one SQLite file per session; each test gets a copy."""
    data_dir = tmp_path_factory.mktemp("template")
    path = data_dir / "template.sqlite3"
    _migrate(create_app("testing", DATA_DIR=data_dir, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgresql_url():
    """Migrate the PostgreSQL test database once per session."""
    from config import normalize_database_url

    url = normalize_database_url(TEST_DATABASE_URL)
    _reset_postgresql(url)
    _migrate(create_app("testing", SQLALCHEMY_DATABASE_URI=url))
    return url


@pytest.fixture(scope="session")
def search_index_dir(tmp_path_factory):
    """Build the search index once per session from the real content (create_app builds a missing one)."""
    index_dir = tmp_path_factory.mktemp("search") / "index"
    create_app("testing", DATA_DIR=tmp_path_factory.mktemp("index-build"), SEARCH_INDEX_DIR=index_dir)
    return index_dir


def _truncate_all(app):
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        if tables:
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()


@pytest.fixture(params=_backends())
def database_url(request, tmp_path):
    """A freshly migrated, empty database for one test."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgresql_url")
        yield url
        return
    path = tmp_path / "portal.sqlite3"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    yield f"sqlite:///{path}"


@pytest.fixture
def sqlite_path(app, database_url):
    """The SQLite file of the test's app; the test is skipped on PostgreSQL (SQLite's locking only)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock: PostgreSQL reads never wait for writers, nor writers for each other")
    return database_url.removeprefix("sqlite:///")


@pytest.fixture
def app_with(database_url, tmp_path, search_index_dir):
    """Build the test app on this test's fresh database with config overrides; every app is disposed after."""
    built = []

    def build(**overrides):
        settings = {"DATA_DIR": tmp_path / "data", "SQLALCHEMY_DATABASE_URI": database_url,
                    "SEARCH_INDEX_DIR": search_index_dir, **overrides}
        app = create_app("testing", **settings)
        if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            _truncate_all(app)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_with):
    return app_with()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield app


@pytest.fixture
def signed_in(app, client):
    """Sign `client` in as a new staff member of `role` (through TOTP for supervisors and admins); returns the email."""
    import pyotp

    from tests.factories import make_staff, staff_login

    def sign_in(role="agent", **kwargs):
        secret = pyotp.random_base32() if role != "agent" else kwargs.pop("totp_secret", None)
        with app.app_context():
            email = make_staff(role, totp_secret=secret, **kwargs).email
        response = staff_login(client, email)
        assert response.status_code == 302, response.get_data(as_text=True)
        if secret:
            response = client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()})
            assert response.status_code == 302, response.get_data(as_text=True)
        return email
    return sign_in
