"""Help-center services: the loaded articles, search, view counts and helpfulness votes."""
import hashlib
import logging

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import counters
from app.extensions import db
from app.kb import analysis, index, search
from app.kb.content import cached_knowledge_base, load_knowledge_base
from app.kb.models import ArticleVote

logger = logging.getLogger("portal.search")
VIEW_COUNTER = "article_view"
# Help-center searches that found nothing: the content gaps to write next (staff dashboard, `flask kb gaps`).
ZERO_RESULT_COUNTER = "search_zero"
VOTE_REASONS = ("outdated", "unclear", "not_my_problem", "did_not_work", "other")
# Shown as "most read" until real view counts exist.
STARTER_ARTICLES = ("card-code-invalid", "recharge-not-arrived", "refund-policy", "complaint-processing-time",
                    "fake-customer-service", "account-stolen")


class AlreadyVoted(Exception):
    """This visitor has already voted on this article."""


def knowledge_base():
    """Return the loaded, validated articles of this app's content folder (reloaded when the index is rebuilt)."""
    return cached_knowledge_base(current_app.config["CONTENT_DIR"],
                                 index.build_content_hash(current_app.config["SEARCH_INDEX_DIR"]))


def search_articles(query, article_type=None, category=None, page=1, per_page=10):
    """Search the help center with the app's index and synonyms."""
    content_dir = current_app.config["CONTENT_DIR"]
    return search.search(knowledge_base(), current_app.config["SEARCH_INDEX_DIR"],
                         analysis.load_synonyms(content_dir), query, article_type=article_type,
                         category=category, page=page, per_page=per_page,
                         rebuild=current_app.config["SEARCH_AUTO_REINDEX"])


def reindex():
    """Rebuild the search index from content/ now."""
    return index.rebuild_index(load_knowledge_base(current_app.config["CONTENT_DIR"]),
                               current_app.config["SEARCH_INDEX_DIR"])


def index_health():
    """Readiness check: None when the index can serve searches, else the problem.

    A stale index (content edited since the last build) still answers searches, so it does not make the
    instance unready; it is logged until `flask kb reindex` or the next start rebuilds it.
    """
    index_dir = current_app.config["SEARCH_INDEX_DIR"]
    serving = index.open_index.serving(index_dir)
    if serving is not None:  # validated when this worker opened it, and its files have not changed since
        return None
    problem = index.index_problem(knowledge_base(), index_dir)
    if problem == "stale":
        logger.warning("search index is older than the content; run `flask kb reindex`")
        return None
    return f"search index {problem}" if problem else None


def record_search(results):
    """Count a help-center search that found nothing, by its normalised text (batched, no write per search).

    A search answered only by the category fallback found no article either, so it counts too.
    """
    if (results.total == 0 or results.category_suggestion) and results.page == 1 and results.query.strip():
        counters.record(ZERO_RESULT_COUNTER, " ".join(results.query.split()).lower()[:80])


def zero_result_searches(limit=15):
    """Return [(query, times)] of searches that found nothing, most frequent first."""
    found = counters.totals(ZERO_RESULT_COUNTER)
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))[:limit]


def unhelpful_articles(limit=10, comments_per_article=3):
    """Return [(article, votes saying "not helpful", latest comments)] for the most often unhelpful articles."""
    rows = db.session.execute(sa.select(ArticleVote.slug, sa.func.count()).where(ArticleVote.helpful.is_(False))
                              .group_by(ArticleVote.slug).order_by(sa.func.count().desc(), ArticleVote.slug)
                              .limit(limit)).all()
    articles = knowledge_base().articles
    result = []
    for slug, votes in rows:
        comments = db.session.scalars(sa.select(ArticleVote.comment).where(
            ArticleVote.slug == slug, ArticleVote.helpful.is_(False), ArticleVote.comment.is_not(None))
            .order_by(ArticleVote.id.desc()).limit(comments_per_article)).all()
        if slug in articles:
            result.append((articles[slug], votes, comments))
    return result


def record_view(slug):
    """Count a page view in memory (flushed in batches, never a write per view)."""
    counters.record(VIEW_COUNTER, slug)


def most_read(limit=6):
    """Return the most viewed articles, topped up with starter articles while counts are thin."""
    kb = knowledge_base()
    views = counters.totals(VIEW_COUNTER)
    ranked = sorted((slug for slug in views if slug in kb.articles), key=lambda s: (-views[s], s))
    ranked += [slug for slug in STARTER_ARTICLES if slug not in ranked]
    return [kb.articles[slug] for slug in ranked[:limit]]


def visitor_key(visitor_id):
    """Hash the visitor cookie so stored votes carry no usable identifier."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hashlib.sha256(secret + b":" + visitor_id.encode()).hexdigest()


def record_vote(slug, visitor_id, helpful, reason=None, comment=None):
    """Store one visitor's vote on an article; raise AlreadyVoted on a second vote."""
    db.session.add(ArticleVote(slug=slug, visitor=visitor_key(visitor_id), helpful=helpful,
                               reason=reason if reason in VOTE_REASONS else None, comment=comment or None))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyVoted(slug) from None


def helpful_count(slug):
    """Count the visitors who said the article helped them."""
    query = sa.select(sa.func.count()).select_from(ArticleVote).where(ArticleVote.slug == slug,
                                                                      ArticleVote.helpful.is_(True))
    return db.session.scalar(query) or 0


def has_voted(slug, visitor_id):
    """Tell whether this visitor already voted on the article."""
    if not visitor_id:
        return False
    query = sa.select(ArticleVote.id).where(ArticleVote.slug == slug, ArticleVote.visitor == visitor_key(visitor_id))
    return db.session.execute(query).first() is not None


def init_app(app):
    """Load jieba and the articles once, and make sure the index matches the content."""
    analysis.prepare_jieba(app.config["CONTENT_DIR"], app.config["DATA_DIR"] / "jieba-cache")
    with app.app_context():
        kb = knowledge_base()
        if app.config["SEARCH_AUTO_REINDEX"]:
            index.ensure_index(kb, app.config["SEARCH_INDEX_DIR"])
