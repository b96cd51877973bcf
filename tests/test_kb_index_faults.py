"""A broken search index never fails silently: search degrades to the scan, says so, and the index is rebuilt."""
import os
import shutil
from pathlib import Path

import pytest

from app import create_app
from app.kb import index, services


@pytest.fixture
def served(tmp_path, search_index_dir, database_url):
    """An app serving its own copy of the session's index build, allowed to rebuild it."""
    build = tmp_path / "index.builds" / "copied"
    shutil.copytree(os.path.realpath(search_index_dir), build)
    (tmp_path / "index").symlink_to(build, target_is_directory=True)
    app = create_app("testing", DATA_DIR=tmp_path / "data", SQLALCHEMY_DATABASE_URI=database_url,
                     SEARCH_INDEX_DIR=tmp_path / "index", SEARCH_AUTO_REINDEX=True)
    with app.app_context():
        yield app
    index.open_index.wait_for_rebuild()


def _segment(app):
    return next(Path(os.path.realpath(app.config["SEARCH_INDEX_DIR"])).glob("*.seg"))


def _random_bytes(app):
    segment = _segment(app)
    data = bytearray(segment.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = os.urandom(4096)
    segment.write_bytes(bytes(data))


def _truncate(app):
    segment = _segment(app)
    with open(segment, "r+b") as handle:
        handle.truncate(segment.stat().st_size // 3)


def _delete(app):
    shutil.rmtree(os.path.realpath(app.config["SEARCH_INDEX_DIR"]))
    os.unlink(app.config["SEARCH_INDEX_DIR"])


FAULTS = {"random bytes": _random_bytes, "truncated segment": _truncate, "deleted": _delete}


def _assert_degraded_then_recovered(app):
    broken_target = os.path.realpath(app.config["SEARCH_INDEX_DIR"])
    degraded = services.search_articles("发票")
    assert degraded.degraded and "invoice" in [hit.slug for hit in degraded.hits]
    index.open_index.wait_for_rebuild(timeout=120)
    recovered = services.search_articles("发票")
    assert not recovered.degraded and recovered.hits[0].slug == "invoice"
    assert os.path.realpath(app.config["SEARCH_INDEX_DIR"]) != broken_target


@pytest.mark.parametrize("fault", FAULTS)
def test_a_broken_index_found_at_open_degrades_then_is_rebuilt(served, fault):
    FAULTS[fault](served)
    _assert_degraded_then_recovered(served)


@pytest.mark.parametrize("fault", FAULTS)
def test_an_index_broken_while_serving_degrades_then_is_rebuilt(served, fault):
    assert not services.search_articles("退款").degraded
    FAULTS[fault](served)
    _assert_degraded_then_recovered(served)


def test_the_api_says_degraded_while_the_index_is_broken(served):
    _truncate(served)
    data = served.test_client().get("/api/v1/search", query_string={"q": "发票"}).get_json()
    assert data["degraded"] is True and data["results"][0]["slug"] == "invoice"


def test_readiness_names_a_corrupt_index(served):
    _random_bytes(served)
    assert services.index_health() == "search index corrupt"


def test_without_auto_reindex_a_broken_index_only_degrades(tmp_path, search_index_dir, database_url):
    build = tmp_path / "index.builds" / "copied"
    shutil.copytree(os.path.realpath(search_index_dir), build)
    (tmp_path / "index").symlink_to(build, target_is_directory=True)
    app = create_app("testing", DATA_DIR=tmp_path / "data", SQLALCHEMY_DATABASE_URI=database_url,
                     SEARCH_INDEX_DIR=tmp_path / "index", SEARCH_AUTO_REINDEX=False)
    with app.app_context():
        _random_bytes(app)
        assert services.search_articles("发票").degraded
        index.open_index.wait_for_rebuild()
        assert os.path.realpath(tmp_path / "index") == str(build.resolve())
