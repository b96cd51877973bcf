"""Search and article resources."""
from flask import request, url_for

from app.api.blueprint import bp
from app.api import schemas
from app.api.errors import api_error
from app.i18n import localized
from app.kb import services
from app.kb.forms import MAX_QUERY_LENGTH

ARTICLE_TYPES = ("faq", "guide")


@bp.get("/search")
def search():
    """Search the help center: {"query", "total", "results": [...]}."""
    query = (request.args.get("q") or "").strip()
    article_type = request.args.get("type") or None
    if not query:
        return api_error(400, "q is required")
    if len(query) > MAX_QUERY_LENGTH:
        return api_error(400, f"q must be at most {MAX_QUERY_LENGTH} characters")
    if article_type not in (None, *ARTICLE_TYPES):
        return api_error(400, "type must be faq or guide")
    limit = request.args.get("limit", default=10, type=int)
    if limit is None or not 1 <= limit <= 50:
        return api_error(400, "limit must be between 1 and 50")
    results = services.search_articles(query, article_type=article_type, per_page=limit)
    return schemas.respond(schemas.SearchResults, {
        "query": query, "total": results.total, "degraded": results.degraded, "suggestion": results.suggestion,
        "category_suggestion": _category_payload(results.category_suggestion),
        "results": [_hit_payload(hit) for hit in results.hits]})


@bp.get("/articles/<slug>")
def article(slug):
    """Return one article's metadata and rendered HTML."""
    item = services.knowledge_base().get(slug)
    if item is None:
        return api_error(404, "no such article")
    return schemas.respond(schemas.Article, {
        "slug": item.slug, "type": item.type, "title": item.title, "title_en": item.title_en,
        "summary": item.summary, "summary_en": item.summary_en, "category": item.category,
        "tags": item.tags, "updated": item.updated.isoformat(), "related": item.related,
        "url": item.url_path, "html": item.html})


def _category_payload(category_id):
    """The "did you mean this category" offer of a search nothing matched, or None."""
    category = services.knowledge_base().categories.get(category_id) if category_id else None
    if category is None:
        return None
    return {"category": category.id, "name": localized(category.name, category.name_en),
            "url": url_for("kb.category", category_id=category.id)}


def _hit_payload(hit):
    return {"slug": hit.slug, "type": hit.type, "title": hit.title, "title_en": hit.title_en, "url": hit.url,
            "snippet": str(hit.snippet), "score": hit.score}
