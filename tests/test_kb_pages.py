"""Help-center pages, votes and view counting."""
import html
import re

import sqlalchemy as sa

from app import counters
from app.counters import CounterBucket
from app.extensions import db
from app.kb.models import ArticleVote


def test_help_index_lists_categories_with_counts_and_guides(client):
    page = client.get("/help").get_data(as_text=True)
    assert "投诉与处理" in page and "交易指南" in page
    assert "/help/guides/avoiding-scams" in page


def test_faq_article_shows_update_date_related_and_feedback(client):
    page = client.get("/help/faq/card-code-invalid").get_data(as_text=True)
    assert "最近更新" in page and "相关文章" in page and "这篇文章有帮助吗" in page
    assert "/help/faq/refund-policy" in page


def test_guide_has_table_of_contents(client):
    page = client.get("/help/guides/avoiding-scams").get_data(as_text=True)
    assert 'class="toc"' in page


def test_article_under_the_wrong_type_is_404(client):
    assert client.get("/help/guides/card-code-invalid").status_code == 404


def test_unknown_category_is_404(client):
    assert client.get("/help/category/nope").status_code == 404


def test_vote_is_stored_once_per_visitor(client, app):
    client.post("/help/faq/invoice/feedback", data={"helpful": "yes"})
    response = client.post("/help/faq/invoice/feedback", data={"helpful": "no", "reason": "unclear"},
                           follow_redirects=True)
    assert "投过票" in response.get_data(as_text=True)
    with app.app_context():
        votes = db.session.scalars(sa.select(ArticleVote)).all()
    assert [(v.slug, v.helpful) for v in votes] == [("invoice", True)]


def test_vote_without_choice_is_refused_with_message(client, app):
    response = client.post("/help/faq/invoice/feedback", data={}, follow_redirects=True)
    assert "请选择" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleVote)) == 0


def test_after_voting_the_form_is_replaced_by_thanks(client):
    client.post("/help/faq/invoice/feedback", data={"helpful": "no", "reason": "outdated"})
    page = client.get("/help/faq/invoice").get_data(as_text=True)
    assert "已收到你的反馈" in page


def test_votes_are_rate_limited(app):
    client = app.test_client()
    statuses = [client.post("/help/faq/invoice/feedback", data={"helpful": "yes"}).status_code for _ in range(12)]
    assert statuses[-1] == 429


def test_page_views_are_counted_without_a_write_per_view(client, app):
    for _ in range(3):
        client.get("/help/faq/invoice")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CounterBucket)) == 0
        assert counters.totals("article_view")["invoice"] == 3
        assert counters.current_counters().flush() == 3
        stored = db.session.get(CounterBucket, ("article_view", "invoice"))
        assert stored.count == 3


def test_most_read_follows_view_counts(client, app):
    for _ in range(5):
        client.get("/help/faq/seller-reputation")
    page = client.get("/help").get_data(as_text=True)
    popular = page.split('id="popular-heading"')[1]
    assert popular.index("seller-reputation") < popular.index("card-code-invalid")


RAW_PATH = re.compile(r"(?<![\w.:/])/(complaints|track|contact|transparency|help|search)\b")


def visible_text(page):
    """The words a reader sees: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_articles_link_with_words_never_with_a_raw_path(client, app):
    from app.kb.services import knowledge_base
    with app.app_context():
        urls = [a.url_path for a in knowledge_base().articles.values()]
    shown = {url: RAW_PATH.findall(visible_text(client.get(url).get_data(as_text=True))) for url in urls}
    assert {url: paths for url, paths in shown.items() if paths} == {}
    guide = client.get("/help/guides/avoiding-scams").get_data(as_text=True)
    assert '<a href="/contact/verify">核对客服号码真假</a>' in guide


def test_the_english_title_shows_only_in_english(client):
    chinese = client.get("/help/faq/card-code-invalid").get_data(as_text=True)
    assert 'data-testid="title-en"' not in chinese
    english = client.get("/help/faq/card-code-invalid", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'<p class="muted" lang="en" data-testid="title-en">[^<]*[A-Za-z]', english)
    assert '<h1 id="article-title" lang="zh-CN">' in english, "the Chinese title is marked as Chinese"


def test_articles_show_how_many_found_them_helpful_and_nothing_at_zero(client, app):
    assert "觉得有帮助" not in client.get("/help/faq/refund-policy").get_data(as_text=True)
    with app.app_context():
        db.session.add_all([ArticleVote(slug="refund-policy", visitor=f"v{i}", helpful=i < 3) for i in range(4)])
        db.session.commit()
    page = client.get("/help/faq/refund-policy").get_data(as_text=True)
    assert re.search(r'data-testid="helpful-count">\s*3 人觉得有帮助', page)
    english = client.get("/help/faq/refund-policy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3 people found this helpful" in english


def test_the_help_search_box_suggests_while_typing_and_works_without_javascript(client):
    page = client.get("/help").get_data(as_text=True)
    box = re.search(r'<form class="search-box[^"]*" role="search" method="get" action="/search">.*?</form>', page, re.S)
    assert box and 'data-suggest-url="/api/v1/search"' in box.group(0) and 'name="q"' in box.group(0)
    assert "卡密" in client.get("/search", query_string={"q": "卡密用不了"}).get_data(as_text=True)
