"""Public statistics: GET /api/v1/stats?from=YYYY-MM&to=YYYY-MM (both optional, months in the portal's zone)."""
from flask import request

from app.api.blueprint import bp
from app.api import schemas
from app.api.errors import api_error
from app.transparency import figures, stats


@bp.get("/stats")
def statistics():
    """Every published figure for complaints filed from the start of `from` to the end of `to`."""
    bounds = {}
    for name, end in (("from", False), ("to", True)):
        value = request.args.get(name)
        if value is None:
            continue
        if not stats.is_month(value):
            return api_error(400, f"`{name}` must be a month written YYYY-MM")
        bounds[name] = stats.month_bounds(value, end=end)
    if "from" in bounds and "to" in bounds and bounds["from"] >= bounds["to"]:
        return api_error(400, "`from` must not be after `to`")
    if not bounds:  # the common, unfiltered request shares the page's cache, refreshed when a complaint changes
        return schemas.respond(schemas.Stats, figures.cached_public_figures())
    return schemas.respond(schemas.Stats, figures.public_figures(bounds.get("from"), bounds.get("to")))
