"""The search page, API, index lifecycle and graceful degradation."""
import dataclasses
import os
from pathlib import Path

from app import create_app
from app.kb import search, services


def test_search_page_keeps_query_and_highlights(client):
    page = client.get("/search", query_string={"q": "卡密用不了"}).get_data(as_text=True)
    assert 'value="卡密用不了"' in page
    assert "<mark" in page and "/help/faq/card-code-invalid" in page


def test_search_page_shows_category_facets_and_filters(client):
    page = client.get("/search", query_string={"q": "退款"}).get_data(as_text=True)
    assert "category=refunds" in page
    filtered = client.get("/search", query_string={"q": "退款", "category": "payment"}).get_data(as_text=True)
    assert "/help/faq/refund-policy" not in filtered.split("找到")[1]


def test_search_pagination(client):
    first = client.get("/search", query_string={"q": "投诉"}).get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/search", query_string={"q": "投诉", "page": 2}).get_data(as_text=True)
    assert 'rel="prev"' in second


def test_did_you_mean_for_homophone_typo(client):
    page = client.get("/search", query_string={"q": "退宽"}).get_data(as_text=True)
    assert "你是不是要找" in page and "退款" in page


def test_empty_state_suggests_categories_and_contact(client):
    page = client.get("/search", query_string={"q": "xqzvbn"}).get_data(as_text=True)
    assert "没有找到相关文章" in page and "/help/category/" in page


def test_overlong_query_gets_a_clear_error(client):
    page = client.get("/search", query_string={"q": "退" * 201}).get_data(as_text=True)
    assert "不能超过 200" in page


def test_api_search_contract(client):
    data = client.get("/api/v1/search", query_string={"q": "退钱", "type": "faq", "limit": 3}).get_json()
    assert data["query"] == "退钱" and data["total"] >= 1
    assert len(data["results"]) <= 3
    assert set(data["results"][0]) >= {"slug", "type", "title", "title_en", "url", "snippet", "score"}
    assert all(r["type"] == "faq" for r in data["results"])


def test_api_search_rejects_empty_and_overlong_queries(client):
    assert client.get("/api/v1/search?q=").status_code == 400
    response = client.get("/api/v1/search", query_string={"q": "x" * 201})
    assert response.status_code == 400 and "error" in response.get_json()


def test_api_article_contract(client):
    data = client.get("/api/v1/articles/refund-policy").get_json()
    assert data["slug"] == "refund-policy" and data["html"].startswith("<")
    assert client.get("/api/v1/articles/nope").status_code == 404


def test_broken_index_degrades_to_a_scan_not_a_500(tmp_path, database_url):
    broken = tmp_path / "index"
    broken.mkdir()
    (broken / "portal-meta.json").write_text("{not json")
    app = create_app("testing", DATA_DIR=tmp_path, SQLALCHEMY_DATABASE_URI=database_url,
                     SEARCH_INDEX_DIR=broken, SEARCH_AUTO_REINDEX=False)
    response = app.test_client().get("/search", query_string={"q": "发票"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/help/faq/invoice" in page and "简化" in page


def test_missing_index_is_rebuilt_at_start(tmp_path):
    index = tmp_path / "search-index"
    create_app("testing", DATA_DIR=tmp_path, SEARCH_INDEX_DIR=index)
    assert index.is_symlink() and (index / search.META_FILE).exists()


def test_stale_index_is_rebuilt_when_content_changes(tmp_path, app):
    with app.app_context():
        kb = services.knowledge_base()
        index = tmp_path / "idx"
        search.rebuild_index(kb, index)
        first_target = os.path.realpath(index)
        changed = dataclasses.replace(kb, content_hash="changed")
        assert search.index_problem(changed, index) == "stale"
        assert search.ensure_index(changed, index) == "rebuilt (stale)"
        assert os.path.realpath(index) != first_target


def test_reindex_command_swaps_in_a_new_build(app, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = tmp_path / "fresh-index"
    result = app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert result.exit_code == 0, result.output
    assert Path(app.config["SEARCH_INDEX_DIR"]).is_symlink()
