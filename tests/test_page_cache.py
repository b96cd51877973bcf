"""Whole public pages kept for a few seconds for visitors without a session (app/page_cache.py)."""
import re

import pytest

from app import counters
from app.kb.services import VIEW_COUNTER
from app.page_cache import PageCache

ARTICLE = "/help/faq/refund-policy"


@pytest.fixture
def cached_app(app_with):
    return app_with(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)


def _token(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_public_page_is_served_again_without_running_its_view(cached_app):
    first = cached_app.test_client().get("/contact")
    again = cached_app.test_client().get("/contact")
    assert first.status_code == again.status_code == 200
    assert "X-Page-Cache" not in first.headers and again.headers["X-Page-Cache"] == "hit"
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_each_language_keeps_its_own_copy(cached_app):
    cached_app.test_client().get("/contact", headers={"Accept-Language": "zh"})
    english = cached_app.test_client().get("/contact", headers={"Accept-Language": "en"})
    assert "X-Page-Cache" not in english.headers
    assert 'lang="en"' in english.get_data(as_text=True)


def test_a_visitor_with_a_session_always_gets_their_own_page(cached_app):
    cached_app.test_client().get("/contact")
    visitor = cached_app.test_client()
    visitor.set_cookie("session", "anything")
    assert "X-Page-Cache" not in visitor.get("/contact").headers


def test_every_visitor_served_a_kept_form_gets_a_csrf_token_of_their_own(cached_app):
    first, second = cached_app.test_client(), cached_app.test_client()
    first_token = _token(first.get(ARTICLE).get_data(as_text=True))
    page = second.get(ARTICLE)
    assert page.headers["X-Page-Cache"] == "hit"
    second_token = _token(page.get_data(as_text=True))
    assert second_token != first_token
    vote = second.post(ARTICLE + "/feedback", data={"csrf_token": second_token, "helpful": "yes"})
    assert vote.status_code == 302
    assert cached_app.test_client().post(ARTICLE + "/feedback", data={"csrf_token": first_token,
                                                                      "helpful": "yes"}).status_code == 400


def test_a_kept_article_still_counts_each_view(cached_app):
    for _ in range(3):
        cached_app.test_client().get(ARTICLE)
    with cached_app.app_context():
        assert counters.totals(VIEW_COUNTER).get("refund-policy") == 3


@pytest.mark.parametrize("path", ["/track", "/search?q=退款", "/complaints/new"])
def test_pages_for_one_visitor_or_logged_searches_are_never_kept(cached_app, path):
    cached_app.test_client().get(path)
    assert "X-Page-Cache" not in cached_app.test_client().get(path).headers


def test_kept_pages_expire_and_the_least_recently_used_goes_first():
    cache = PageCache(seconds=5, max_entries=2, max_bytes=100)
    page = (200, [], b"<p>ok</p>", False)
    cache.put("a", page, now=0)
    assert cache.get("a", now=4.9) == page and cache.get("a", now=5) is None
    cache.put("a", page, now=10)
    cache.put("b", page, now=10)
    cache.get("a", now=11)
    cache.put("c", page, now=11)
    assert cache.get("b", now=11) is None and cache.get("a", now=11) == page
    cache.put("big", (200, [], b"x" * 101, False), now=11)
    assert cache.get("big", now=11) is None


def test_a_revisit_of_a_kept_page_costs_a_304(cached_app):
    first = cached_app.test_client().get("/contact")
    tag = first.headers["ETag"]
    revisit = cached_app.test_client().get("/contact", headers={"If-None-Match": tag})
    assert revisit.headers["X-Page-Cache"] == "hit" and revisit.status_code == 304
