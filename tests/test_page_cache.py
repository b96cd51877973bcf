"""Whole public pages kept for a few seconds for visitors without a session (app/page_cache.py)."""
import logging
import re

import pytest

from app import counters
from app.kb.services import VIEW_COUNTER, ZERO_RESULT_COUNTER
from app.metrics import REQUESTS
from app.extensions import limiter
from app.page_cache import PUBLIC_ENDPOINTS, KeptPage, PageCache

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


def _signed_session(app, data):
    return app.session_interface.get_signing_serializer(app).dumps(data)


@pytest.mark.parametrize("data", [{"tracking_verified": ["KM-20261201-0001"]}, {"_flashes": [("info", "好")]},
                                  {"_user_id": "1", "_fresh": True}])
def test_a_visitor_with_a_session_of_their_own_always_gets_their_own_page(cached_app, data):
    cached_app.test_client().get("/contact")
    visitor = cached_app.test_client()
    visitor.set_cookie("session", _signed_session(cached_app, data))
    assert "X-Page-Cache" not in visitor.get("/contact").headers


@pytest.mark.parametrize("cookie", ["kb_visitor", "remember_token"])
def test_any_other_cookie_means_pages_of_ones_own(cached_app, cookie):
    cached_app.test_client().get(ARTICLE)
    visitor = cached_app.test_client()
    visitor.set_cookie(cookie, "x")
    assert "X-Page-Cache" not in visitor.get(ARTICLE).headers


def test_a_visitor_who_has_seen_a_form_is_served_kept_pages_with_their_own_token(cached_app):
    visitor = cached_app.test_client()
    visitor.get("/track")  # renders a form: the visitor now holds a session with a CSRF token
    assert visitor.get_cookie("session") is not None
    cached_app.test_client().get(ARTICLE)
    page = visitor.get(ARTICLE)
    assert page.headers["X-Page-Cache"] == "hit" and "Set-Cookie" not in page.headers
    token = _token(page.get_data(as_text=True))  # signed from the raw token in this visitor's own session
    assert visitor.post(ARTICLE + "/feedback", data={"csrf_token": token, "helpful": "yes"}).status_code == 302


def test_a_tampered_session_cookie_is_treated_as_none(cached_app):
    cached_app.test_client().get(ARTICLE)
    visitor = cached_app.test_client()
    visitor.set_cookie("session", "anything")
    page = visitor.get(ARTICLE)
    assert page.headers["X-Page-Cache"] == "hit" and page.headers["Set-Cookie"].startswith("session=")
    vote = visitor.post(ARTICLE + "/feedback", data={"csrf_token": _token(page.get_data(as_text=True)),
                                                     "helpful": "yes"})
    assert vote.status_code == 302


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


def test_a_kept_search_still_counts_each_search_that_found_nothing(cached_app):
    path = "/search?q=zzqqxxyy"
    for _ in range(3):
        cached_app.test_client().get(path)
    assert cached_app.test_client().get(path).headers["X-Page-Cache"] == "hit"
    with cached_app.app_context():
        assert counters.totals(ZERO_RESULT_COUNTER).get("zzqqxxyy") == 4


def test_the_kept_lookup_form_gives_each_visitor_a_working_token(cached_app):
    cached_app.test_client().get("/track")
    visitor = cached_app.test_client()
    page = visitor.get("/track")
    assert page.headers["X-Page-Cache"] == "hit" and page.headers["Cache-Control"] == "private, no-store"
    wrong_code = visitor.post("/track", data={"csrf_token": _token(page.get_data(as_text=True)),
                                              "reference": "KM-20261201-0001", "access_code": "ABCD-EFGH"})
    assert wrong_code.status_code == 200 and "CSRF" not in wrong_code.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/complaints/new", "/staff/login", "/track/KM-20261201-0001"])
def test_pages_that_are_not_public_are_never_kept(cached_app, path):
    cached_app.test_client().get(path)
    assert "X-Page-Cache" not in cached_app.test_client().get(path).headers


def test_a_visitor_with_only_the_language_choice_gets_the_kept_page_of_that_language(cached_app):
    cookie = cached_app.config["LANGUAGE_COOKIE"]
    first = cached_app.test_client()
    first.set_cookie(cookie, "en")
    first.get("/help")
    again = cached_app.test_client()
    again.set_cookie(cookie, "en")
    page = again.get("/help", headers={"Accept-Language": "zh"})
    assert page.headers["X-Page-Cache"] == "hit" and 'lang="en"' in page.get_data(as_text=True)


def test_a_forged_host_header_never_plants_a_page_for_other_visitors(cached_app):
    cached_app.test_client().get("/help", headers={"Host": "evil.example"})
    assert "X-Page-Cache" not in cached_app.test_client().get("/help").headers


def test_a_kept_page_answers_head_and_is_logged_and_counted(cached_app, caplog, monkeypatch):
    cached_app.test_client().get("/help")
    before = REQUESTS.labels("kb.index", "HEAD", "200")._value.get()
    monkeypatch.setattr(logging.getLogger("portal"), "propagate", True)  # the JSON handler does not reach caplog
    monkeypatch.setattr(logging.getLogger("portal.request"), "disabled", False)  # alembic's fileConfig turns it off
    with caplog.at_level("INFO", logger="portal.request"):
        head = cached_app.test_client().head("/help", headers={"X-Request-ID": "probe-1234567"})
    assert head.headers["X-Page-Cache"] == "hit" and head.get_data() == b""
    assert int(head.headers["Content-Length"]) > 1000 and head.headers["X-Request-ID"] == "probe-1234567"
    assert REQUESTS.labels("kb.index", "HEAD", "200")._value.get() == before + 1
    assert any(getattr(r, "fields", {}).get("request_id") == "probe-1234567" for r in caplog.records)


def test_no_kept_endpoint_has_a_rate_limit_a_kept_copy_would_skip(app):
    from flask_limiter.util import get_qualified_name

    def limits(endpoint):
        return limiter.limit_manager.decorated_limits(get_qualified_name(app.view_functions[endpoint]))

    assert limits("tracking.lookup")  # the check sees a limit where there is one
    assert [endpoint for endpoint in sorted(PUBLIC_ENDPOINTS) if limits(endpoint)] == []


def _page(body):
    return KeptPage("200 OK", (), body, None, None, "main.index", ())


def test_kept_pages_expire_and_the_least_recently_used_goes_first():
    cache = PageCache(seconds=5, max_entries=2, max_bytes=100, max_total_bytes=1000)
    page = _page(b"<p>ok</p>")
    cache.put("a", page, now=0)
    assert cache.get("a", now=4.9) == page and cache.get("a", now=5) is None
    cache.put("a", page, now=10)
    cache.put("b", page, now=10)
    cache.get("a", now=11)
    cache.put("c", page, now=11)
    assert cache.get("b", now=11) is None and cache.get("a", now=11) == page
    cache.put("big", _page(b"x" * 101), now=11)
    assert cache.get("big", now=11) is None


def test_the_cache_holds_no_more_bytes_than_its_budget():
    cache = PageCache(seconds=5, max_entries=100, max_bytes=100, max_total_bytes=250)
    for name in "abcd":
        cache.put(name, _page(b"x" * 100), now=0)
    assert [cache.get(name, now=1) is not None for name in "abcd"] == [False, False, True, True]
    cache.put("c", _page(b"y" * 100), now=1)
    assert cache.get("d", now=1) is not None and cache.get("c", now=1).body == b"y" * 100


def test_a_revisit_of_a_kept_page_costs_a_304(cached_app):
    first = cached_app.test_client().get("/contact")
    tag = first.headers["ETag"]
    revisit = cached_app.test_client().get("/contact", headers={"If-None-Match": tag})
    assert revisit.headers["X-Page-Cache"] == "hit" and revisit.status_code == 304
    assert "Date" not in revisit.headers  # the first answer's date is not repeated; the server dates each one


def test_a_renamed_csrf_field_still_gets_kept_pages_with_a_token_of_their_own(app_with):
    app = app_with(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True, WTF_CSRF_FIELD_NAME="portal_csrf")
    first = app.test_client().get("/track")
    again = app.test_client().get("/track")
    assert again.headers["X-Page-Cache"] == "hit"
    tokens = [re.search(r'name="portal_csrf" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
              for page in (first, again)]
    assert all(tokens) and tokens[0].group(1) != tokens[1].group(1)
