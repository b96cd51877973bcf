"""Published outcomes: GET /api/v1/outcomes?page=&category=&outcome= (the same rows as /transparency/outcomes)."""
from flask import request

from app.api.blueprint import bp
from app.api.errors import api_error
from app.complaints.categories import CATEGORIES
from app.pagination import parse_page
from app.transparency import stats

PER_PAGE = 20


@bp.get("/outcomes")
def outcomes():
    """One page of published outcomes, newest first: {"items", "page", "pages", "total"}."""
    category, outcome = request.args.get("category") or None, request.args.get("outcome") or None
    if category and category not in CATEGORIES:
        return api_error(400, f"unknown category; use one of {', '.join(CATEGORIES)}")
    if outcome and outcome not in [s.value for s in stats.PUBLISHED_OUTCOMES]:
        return api_error(400, "outcome must be resolved or rejected")
    paging = stats.published_outcomes(parse_page(request.args.get("page")), PER_PAGE, category, outcome)
    return {"items": paging.items, "page": paging.page, "pages": paging.pages, "total": paging.total}
