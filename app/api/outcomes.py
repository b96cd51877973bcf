"""Published outcomes: GET /api/v1/outcomes?page=&category=&outcome=&month=&q= (the rows of /transparency/outcomes)."""
from flask import request

from app.api.blueprint import bp
from app.api import schemas
from app.api.errors import validation_error
from app.pagination import parse_page
from app.transparency import outcomes as published

PER_PAGE = 20


@bp.get("/outcomes")
def outcomes():
    """One page of published outcomes, newest first: {"items", "page", "pages", "total"}."""
    filters, errors = published.parse_filters(request.args)
    if errors:
        return validation_error(errors)
    paging = published.published_outcomes(parse_page(request.args.get("page")), PER_PAGE, filters)
    return schemas.respond(schemas.OutcomesPage, {"items": paging.items, "page": paging.page, "pages": paging.pages,
                                                  "total": paging.total})
