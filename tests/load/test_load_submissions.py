"""Load on a running gunicorn, SQLite and PostgreSQL: 500 submissions from 50 clients, and reads while they run.

Bounded: each test sends a fixed number of requests over loopback (about 10–40 s on two cores). Select them
with `-m load`, or leave them out with `-m "not load"`; the numbers for docs/benchmarks.md come from
bench/load.py, which reuses the same clients.
"""
import json
from collections import Counter

import pytest
import sqlalchemy as sa

from bench.load import submissions, summarise
from tests.load.gunicorn import Gunicorn, portal_env

pytestmark = [pytest.mark.load, pytest.mark.timeout(180)]
READ_P95_MS = 100


@pytest.fixture
def node(database_url, tmp_path, search_index_dir):
    """A portal under gunicorn (the shipped gunicorn.conf.py, two workers) on a migrated, empty database."""
    if database_url.startswith("postgresql"):
        _empty_postgresql(database_url)
    with Gunicorn(portal_env(tmp_path / "node", search_index_dir, database_url), ["--workers", "2"]) as server:
        server.database_url = database_url
        yield server


def _empty_postgresql(url):
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        tables = [row[0] for row in connection.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'alembic_version'"))]
        connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _stored(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            references = connection.scalars(sa.text("SELECT reference FROM complaint")).all()
            receipts = Counter(connection.scalars(sa.text(
                "SELECT reference FROM outbox_message WHERE kind = 'received'")).all())
    finally:
        engine.dispose()
    return references, receipts


def test_500_submissions_from_50_clients_store_exactly_one_complaint_each(node):
    run = submissions(node.port, total=500, concurrency=50)
    stats = summarise(run["submissions"], (201,))
    created = [json.loads(body)["reference"] for _, status, body in run["submissions"] if status == 201]
    assert stats["server_errors"] == 0, [body[:200] for _, status, body in run["submissions"] if status >= 500][:3]
    assert len(created) == 500 and len(set(created)) == 500
    references, receipts = _stored(node.database_url)
    assert sorted(references) == sorted(created)
    assert receipts == Counter(created)  # one confirmation per complaint in the outbox
    print(f"\nsubmissions at 50 clients: p50 {stats['p50']:.0f} ms, p95 {stats['p95']:.0f} ms, "
          f"{500 / run['wall_s']:.0f}/s")


def test_reads_stay_fast_while_submissions_run(node):
    run = submissions(node.port, total=100, concurrency=4, reads=4)
    reads = summarise(run["reads"], (200,))
    assert reads["errors"] == 0 and summarise(run["submissions"], (201,))["errors"] == 0
    assert reads["n"] >= 100
    print(f"\nreads while 4 clients submit: p50 {reads['p50']:.0f} ms, p95 {reads['p95']:.0f} ms ({reads['n']} reads)")
    assert reads["p95"] < READ_P95_MS
