"""Search speed-ups keep the answers: cached postings score like Whoosh, caches are bounded and follow reindexing."""
import os
import shutil

import pytest

from app import create_app
from app.kb import analysis, index, scoring, search, search_query, services
from app.kb.search import ResultCache


@pytest.fixture
def own_index(tmp_path, search_index_dir):
    """An app on its own copy of the session's index build, so a test may rebuild it."""
    build = tmp_path / "index.builds" / "copied"
    shutil.copytree(os.path.realpath(search_index_dir), build)
    (tmp_path / "index").symlink_to(build, target_is_directory=True)
    app = create_app("testing", DATA_DIR=tmp_path / "data", SEARCH_INDEX_DIR=tmp_path / "index")
    with app.app_context():
        yield app


@pytest.fixture
def counted_plans(monkeypatch):
    """Count how often a query is planned, i.e. how many searches missed the result cache."""
    calls = []

    def counting(raw, *args, **kwargs):
        calls.append(raw)
        return search_query.plan_query(raw, *args, **kwargs)

    monkeypatch.setattr(search, "plan_query", counting)
    return calls


def _plan(app, query):
    generation = index.open_index.current(app.config["SEARCH_INDEX_DIR"])
    synonyms = analysis.load_synonyms(app.config["CONTENT_DIR"])
    return generation, search_query.plan_query(query, synonyms, generation.pinyin_map, generation.planning,
                                               services.knowledge_base().stop_phrases)


@pytest.mark.parametrize("query", ["退款", "卡密用不了", "充值一直没到账怎么办", "refund", "tuikuan",
                                   "上周在平台买了200元的话费，页面一直显示处理中，打客服也没人接"])
def test_cached_postings_score_every_match_as_whoosh_does(own_index, query):
    generation, plan = _plan(own_index, query)
    totals = scoring.weighted_scores(generation.postings, search._terms(plan.query))
    ours = scoring.top(totals, 10)
    whoosh = generation.searcher.search(plan.query, limit=10)
    assert len(totals) == len(whoosh)
    assert [docnum for _, docnum in ours] == [hit.docnum for hit in whoosh]
    assert [score for score, _ in ours] == pytest.approx([hit.score for hit in whoosh])


def test_a_repeated_query_is_answered_from_the_cache(own_index, counted_plans):
    first = services.search_articles("卡密用不了")
    again = services.search_articles("卡密用不了")
    assert counted_plans == ["卡密用不了"]
    assert [hit.slug for hit in again.hits] == [hit.slug for hit in first.hits] and again.total == first.total


def test_spellings_of_one_query_share_an_entry_but_keep_their_own_text(own_index, counted_plans):
    services.search_articles("帐号被盗")
    traditional = services.search_articles(" 帳號被盜 ")
    assert counted_plans == ["帐号被盗"] and traditional.query == "帳號被盜"


def test_filters_and_pages_are_cached_apart(own_index, counted_plans):
    services.search_articles("退款")
    services.search_articles("退款", article_type="faq")
    services.search_articles("退款", category="refunds")
    services.search_articles("退款", page=2)
    assert len(counted_plans) == 4


def test_changing_a_returned_result_does_not_change_the_cached_one(own_index):
    services.search_articles("退款").hits.clear()
    assert services.search_articles("退款").hits


def test_reindexing_starts_with_an_empty_cache(own_index, counted_plans):
    services.search_articles("退款")
    before = index.open_index.current(own_index.config["SEARCH_INDEX_DIR"])
    services.reindex()
    services.search_articles("退款")
    after = index.open_index.current(own_index.config["SEARCH_INDEX_DIR"])
    assert after is not before and counted_plans == ["退款", "退款"]
    assert len(search.result_cache(after)) == 1


def test_a_snippet_is_the_same_from_the_snippet_cache_as_highlighted_afresh(own_index, monkeypatch):
    query, with_order_number = "充值没到账", "充值没到账 KM202612011234"
    first = services.search_articles(query)
    generation = index.open_index.current(own_index.config["SEARCH_INDEX_DIR"])
    cached = len(generation.facts["snippets"])
    assert cached and first.hits[0].snippet.count("<mark")
    highlighted = []
    monkeypatch.setattr("whoosh.searching.Hit.highlights", lambda *a, **k: highlighted.append(a) or "")
    again = services.search_articles(with_order_number)  # a new search, the same words matched
    assert highlighted == [] and [h.snippet for h in again.hits] == [h.snippet for h in first.hits]
    generation.facts["snippets"] = ResultCache(search.SNIPPET_CACHE_ENTRIES)
    monkeypatch.undo()
    afresh = services.search_articles(with_order_number, per_page=9)
    assert [h.snippet for h in afresh.hits] == [h.snippet for h in first.hits][:9]


def test_the_result_cache_keeps_only_the_most_recently_used_entries():
    cache = ResultCache(max_entries=3)
    for key in "abcd":
        cache.put(key, search.SearchResults(query=key))
    cache.get("b")
    cache.put("e", search.SearchResults(query="e"))
    assert len(cache) == 3 and cache.get("a") is None and cache.get("c") is None
    assert [cache.get(key).query for key in "bde"] == ["b", "d", "e"]


def test_the_postings_cache_starts_again_rather_than_grow_past_its_limit(own_index):
    generation = index.open_index.current(own_index.config["SEARCH_INDEX_DIR"])
    postings = scoring.PostingsCache(generation.searcher, limit=40)
    sizes = []
    for token in ("退款", "投诉", "客服", "充值", "订单", "卡密", "到账"):
        postings.postings("body", token)
        sizes.append(postings.size)
    assert max(sizes) <= 40 and len(postings.postings("body", "退款")[0]) > 0


def test_a_long_query_is_capped_before_scoring(own_index):
    _, plan = _plan(own_index, "退款到账充值卡密订单投诉客服话费游戏账号封号冻结发票" * 12)
    assert len(list(plan.query.leaves())) <= search_query.MAX_TERMS


def test_pinyin_keys_tried_per_query_are_bounded(own_index, monkeypatch):
    looked_up = []
    planning = index.open_index.current(own_index.config["SEARCH_INDEX_DIR"]).planning
    original = type(planning).doc_frequency
    monkeypatch.setattr(type(planning), "doc_frequency", lambda self, field, token: (
        looked_up.append(token) if field == "pinyin" else None) or original(self, field, token))
    _plan(own_index, " ".join(f"zq{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(60)))  # 170 joins
    assert 0 < len(looked_up) <= search_query.MAX_PINYIN_KEYS


def test_one_synonym_group_adds_a_bounded_number_of_phrasings(own_index):
    generation = index.open_index.current(own_index.config["SEARCH_INDEX_DIR"])
    group = ["退款"] + [f"退款说法{i}" for i in range(20)]
    plan = search_query.plan_query("我要退款", [group], generation.pinyin_map, generation.planning)
    phrasings = {term for term in plan.terms if term[-1].isdigit()}  # 说法0, 说法1… as jieba splits them
    assert 0 < len(phrasings) <= search_query.MAX_SYNONYMS_PER_GROUP


def test_words_in_most_article_bodies_are_dropped_before_scoring(own_index):
    generation, plan = _plan(own_index, "投诉")
    limit = search_query.COMMON_BODY_SHARE * generation.searcher.doc_count()
    assert generation.planning.doc_frequency("body", "投诉") > limit
    fields = {leaf.field() for leaf in plan.query.leaves() if leaf.text == "投诉"}
    assert "body" not in fields and "title" in fields


def test_a_sentence_gets_no_pinyin_guesses(own_index):
    _, plan = _plan(own_index, "上周在平台买了200元的话费，页面一直显示处理中，打客服也没人接，烦死了")
    assert not [leaf for leaf in plan.query.leaves() if leaf.field() == "pinyin"]


def test_one_searcher_serves_every_thread_of_a_worker(own_index):
    import threading

    seen = []

    def searching():
        with own_index.app_context():
            services.search_articles("发票")
            seen.append(index.open_index.current(own_index.config["SEARCH_INDEX_DIR"]).searcher)

    threads = [threading.Thread(target=searching) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and len({id(searcher) for searcher in seen}) == 1


def test_content_edits_reach_searches_with_the_next_build_not_before(tmp_path, search_index_dir):
    from config import BASE_DIR

    content = tmp_path / "content"
    shutil.copytree(BASE_DIR / "content", content)
    app = create_app("testing", DATA_DIR=tmp_path / "data", CONTENT_DIR=content, SEARCH_INDEX_DIR=tmp_path / "index")
    invoice = content / "faq" / "invoice.md"
    invoice.write_text(invoice.read_text(encoding="utf-8").replace("title: ", "title: 新版", 1), encoding="utf-8")
    with app.app_context():
        assert not services.knowledge_base().articles["invoice"].title.startswith("新版")
        services.reindex()
        assert services.knowledge_base().articles["invoice"].title.startswith("新版")
        assert services.search_articles("发票").hits[0].title.startswith("新版")
