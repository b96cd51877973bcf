"""Help-center pages, votes and view counting."""
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
