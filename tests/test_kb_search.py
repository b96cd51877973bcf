"""The search page, API, index lifecycle and graceful degradation."""
import dataclasses
import os
import re
from pathlib import Path

import pytest

from app import create_app
from app.kb import analysis, services, snippets
from app.kb import index as kb_index


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
    assert index.is_symlink() and (index / kb_index.META_FILE).exists()


def test_stale_index_is_rebuilt_when_content_changes(tmp_path, app):
    with app.app_context():
        kb = services.knowledge_base()
        index = tmp_path / "idx"
        kb_index.rebuild_index(kb, index)
        first_target = os.path.realpath(index)
        changed = dataclasses.replace(kb, content_hash="changed")
        assert kb_index.index_problem(changed, index) == "stale"
        assert kb_index.ensure_index(changed, index) == "rebuilt (stale)"
        assert os.path.realpath(index) != first_target


def test_reindex_command_swaps_in_a_new_build(app, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = tmp_path / "fresh-index"
    result = app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert result.exit_code == 0, result.output
    assert Path(app.config["SEARCH_INDEX_DIR"]).is_symlink()


def test_a_query_matching_no_article_falls_back_to_the_best_category(client):
    page = client.get("/search", query_string={"q": "骗钱"}).get_data(as_text=True)
    assert "你是不是要找“卖家与交易安全”" in page and "/help/category/sellers" in page
    assert "/help/faq/seller-fraud-report" in page and "没有找到相关文章" not in page


def test_the_category_fallback_keeps_to_its_category_and_says_so(app):
    with app.app_context():
        results = services.search_articles("坑钱")
    assert results.category_suggestion == "sellers" and results.hits
    assert {hit.category for hit in results.hits} == {"sellers"} and results.total == len(results.hits)


def test_common_characters_alone_suggest_no_category(app):
    with app.app_context():
        for query in ("xqzvbn", "天气", "商城倒闭"):
            results = services.search_articles(query)
            assert (results.total, results.category_suggestion) == (0, None), query


def test_gaps_lists_searches_that_found_nothing_most_frequent_first(client, runner):
    for query in ("xqzvbn", "骗钱", "xqzvbn", "退款"):
        client.get("/search", query_string={"q": query})
    lines = runner.invoke(args=["kb", "gaps"]).output.splitlines()
    assert [line.split() for line in lines] == [["2", "xqzvbn"], ["1", "骗钱"]]


def test_gaps_says_so_when_every_search_found_something(runner):
    assert "No recorded searches" in runner.invoke(args=["kb", "gaps"]).output


@pytest.mark.parametrize("query", ["买完就降价了", "卡密提取后去充值", "买错了能退吗", "退款去哪了"])
def test_highlighting_marks_words_not_single_characters(app, query):
    with app.app_context():
        snippets = [str(hit.snippet) for hit in services.search_articles(query).hits]
    marked = [m for snippet in snippets for m in re.findall(r"<mark[^>]*>(.*?)</mark>", snippet)]
    assert marked and all(len(word) >= 2 for word in marked), marked


@pytest.mark.parametrize("query", ["银行卡退款多久到账", "重复扣款多久退回", "退款到账时间", "投诉多久处理"])
def test_snippets_never_end_inside_a_number_or_phrase(app, query):
    with app.app_context():
        snippets = [re.sub(r"<[^>]+>", "", str(hit.snippet)) for hit in services.search_articles(query).hits]
    for snippet in snippets:
        for fragment in snippet.split(" … "):
            assert not re.search(r"[\d–\-]\s*$", fragment), fragment
            assert not re.search(r"\d+–\d+$", fragment.strip()), fragment


def test_a_snippet_keeps_the_unit_after_a_number_range():
    text = "退款一律原路退回，余额即时到账，支付宝/微信 1–3 个工作日，银行卡 3–7 个工作日，遇到节假日会顺延。"
    end = text.index("3–7") + len("3–7")
    assert text[:snippets.clause_end(text, end, end)].endswith("银行卡 3–7 个工作日")
    start = text.index("银行卡") + 1
    assert text[snippets.clause_start(text, start, start):].startswith("银行卡")


def test_stop_phrases_are_dropped_only_on_word_boundaries():
    phrases = ("烦死了", "你们", "服了", "打客服也没人接")
    assert analysis.strip_stop_phrases("你们的话费一直没到，打客服也没人接，烦死了", phrases).split() == \
        ["的话费一直没到，", "，"]
    assert analysis.strip_stop_phrases("找客服了", phrases) == "找客服了"
    assert analysis.strip_stop_phrases("烦死了", phrases) == "烦死了", "nothing else left: keep the query"


@pytest.mark.parametrize("typed, meant", [("kamiwuxiao", "卡密 无效"), ("zhang hao dong jie", "账号 冻结"),
                                          ("fapiaozenmekai", "发票 kai"), ("假克服", "假客服")])
def test_run_together_pinyin_and_real_word_typos_are_corrected(app, typed, meant):
    with app.app_context():
        assert services.search_articles(typed).suggestion == meant


@pytest.mark.parametrize("query", ["可以退款吗", "还是未到账", "card code not working"])
def test_real_words_are_not_corrected(app, query):
    with app.app_context():
        assert services.search_articles(query).suggestion is None


def test_api_offers_the_best_category_when_no_article_matches(client):
    data = client.get("/api/v1/search", query_string={"q": "骗钱"}).get_json()
    assert data["category_suggestion"] == {"category": "sellers", "name": "卖家与交易安全",
                                           "url": "/help/category/sellers"}
    assert data["results"] and {hit["slug"] for hit in data["results"]} >= {"seller-fraud-report"}


def test_api_has_no_category_suggestion_when_articles_match(client):
    assert client.get("/api/v1/search", query_string={"q": "退款"}).get_json()["category_suggestion"] is None
