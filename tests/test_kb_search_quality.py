"""Search quality: realistic queries must find the right article in the top 3 (recall@3 >= 90%)."""
from pathlib import Path

import pytest
import yaml

from app import create_app
from app.kb import services

CASES = yaml.safe_load((Path(__file__).parent / "data" / "search_quality.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def search_app(tmp_path_factory, search_index_dir):
    app = create_app("testing", DATA_DIR=tmp_path_factory.mktemp("quality"), SEARCH_INDEX_DIR=search_index_dir)
    with app.app_context():
        yield app


def _top3(query):
    return [hit.slug for hit in services.search_articles(query, per_page=3).hits]


def test_query_catalogue_covers_every_kind_of_phrasing():
    kinds = {case["kind"] for case in CASES}
    assert len(CASES) >= 40
    assert kinds == {"colloquial", "traditional", "pinyin", "typo", "english"}


def test_recall_at_3_is_at_least_90_percent(search_app):
    misses = [(case["q"], _top3(case["q"])) for case in CASES if not set(case["expect"]) & set(_top3(case["q"]))]
    recall = 1 - len(misses) / len(CASES)
    assert recall >= 0.9, f"recall@3 = {recall:.0%}; misses: {misses}"


@pytest.mark.parametrize("kind", ["traditional", "pinyin", "typo", "english"])
def test_each_kind_of_phrasing_mostly_works(search_app, kind):
    cases = [case for case in CASES if case["kind"] == kind]
    found = sum(bool(set(case["expect"]) & set(_top3(case["q"]))) for case in cases)
    assert found / len(cases) >= 0.75, kind
