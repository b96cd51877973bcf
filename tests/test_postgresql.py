"""The PostgreSQL path: migrations apply there too (required in CI)."""
import sqlalchemy as sa

from tests.conftest import TEST_DATABASE_URL, require


def test_migrations_apply_on_postgresql(request):
    require(TEST_DATABASE_URL, "TEST_DATABASE_URL is not set, so PostgreSQL was not tested")
    url = request.getfixturevalue("postgresql_url")
    engine = sa.create_engine(url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "counter_bucket", "article_vote", "outbox_message"} <= tables
