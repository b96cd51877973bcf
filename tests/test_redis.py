"""The production path for rate limits: Redis shared by every worker (required in CI)."""
import os
import uuid

import pytest

from app import create_app
from tests.conftest import require

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture
def redis_app(tmp_path, database_url, search_index_dir):
    require(TEST_REDIS_URL, "TEST_REDIS_URL is not set, so the Redis rate-limit storage was not tested")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(TEST_REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        require(False, f"Redis at {TEST_REDIS_URL} is not reachable")
    return create_app("testing", DATA_DIR=tmp_path, SQLALCHEMY_DATABASE_URI=database_url,
                      SEARCH_INDEX_DIR=search_index_dir, REDIS_URL=TEST_REDIS_URL,
                      RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")


def test_rate_limit_storage_follows_redis_url(redis_app):
    assert redis_app.config["RATELIMIT_STORAGE_URI"] == TEST_REDIS_URL


def test_limits_are_counted_in_redis_and_shared_between_apps(redis_app, tmp_path, database_url, search_index_dir):
    first = redis_app.test_client()
    for _ in range(5):
        first.post("/api/v1/complaints", json={})
    # A second app (another worker) sees the same counters.
    second_app = create_app("testing", DATA_DIR=tmp_path / "other", SQLALCHEMY_DATABASE_URI=database_url,
                            SEARCH_INDEX_DIR=search_index_dir, REDIS_URL=TEST_REDIS_URL,
                            RATELIMIT_KEY_PREFIX=redis_app.config["RATELIMIT_KEY_PREFIX"])
    assert second_app.test_client().post("/api/v1/complaints", json={}).status_code == 429
