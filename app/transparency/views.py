"""Public statistics and anonymised outcomes, as pages and as CSV downloads."""
import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import force_locale, get_locale, lazy_gettext as _l
from markupsafe import Markup

from app.complaints.casework import OUTCOME_LABELS
from app.complaints.categories import CATEGORIES
from app.complaints.states import STATUS_LABELS
from app.pagination import parse_page
from app.transparency import figures, outcomes as published_rows, publishing, refresh, stats

OUTCOME_FIELDS = ("case", "category", "filed_month", "outcome", "days_to_close", "timely", "first_response_on_time",
                  "rating", "demo", "summary_id", "summary_url", "summary_text")
OUTCOMES_PER_PAGE = 20
STAT_FIELDS = ("section", "key", "value")
CHANNEL_LABELS = {"web": _l("网页"), "api": _l("接口")}

bp = Blueprint("transparency", __name__, url_prefix="/transparency")


@bp.get("")
def index():
    """Show honest resolution statistics, what is late right now, and the latest published outcomes."""
    language = str(get_locale())
    body = refresh.cached(f"page:{language}", lambda: _index_body(language))
    return render_template("transparency/index.html", body=Markup(body))


def _index_body(language):
    """The page's statistics, rendered once per change of the figures (and per language), not per request."""
    latest, published = published_rows.published_outcomes(1, per_page=10), figures.cached_public_figures()
    with force_locale(language):
        return render_template(
            "transparency/_index_body.html", overall=stats.cached_summary(), recent=stats.cached_summary(days=30),
            figures=published, hidden={entry["cell"]: entry["reason"] for entry in published["suppressed"]},
            monthly_bars=[(row["month"][2:].replace("-", "."), row["received"]) for row in published["monthly"]],
            seller_minimum=stats.SELLER_MINIMUM,
            category_bars=[(str(CATEGORIES[c].name)[:4], n) for c, n in published["by_category"].items()],
            outcomes=latest.items, total_outcomes=latest.total, categories=CATEGORIES, labels=STATUS_LABELS,
            outcome_labels=OUTCOME_LABELS, channel_labels=CHANNEL_LABELS)


@bp.get("/outcomes")
def outcomes():
    """Page through the published outcomes matching the filters, each with its worded summary when published."""
    filters, errors = published_rows.parse_filters(request.args)
    page = parse_page(request.args.get("page"))
    paging = None if errors else published_rows.published_outcomes(page, OUTCOMES_PER_PAGE, filters)
    return render_template("transparency/outcomes.html", paging=paging, filters=filters, errors=errors,
                           categories=CATEGORIES, labels=STATUS_LABELS, outcome_labels=OUTCOME_LABELS,
                           outcome_choices=published_rows.OUTCOMES), 400 if errors else 200


@bp.get("/outcomes/<public_id>")
def summary(public_id):
    """One published case summary, by its random public id."""
    found = publishing.find_published(public_id[:16]) or abort(404)
    return render_template("transparency/summary.html", summary=found, categories=CATEGORIES, labels=STATUS_LABELS,
                           outcome_labels=OUTCOME_LABELS)


@bp.get("/statistics.csv")
def statistics_csv():
    """Download every published figure (the same as /api/v1/stats) as section,key,value rows."""
    rows = [dict(zip(STAT_FIELDS, row)) for row in figures.flat_rows(figures.cached_public_figures())]
    return _csv("kameng-complaint-statistics.csv", STAT_FIELDS, rows)


@bp.get("/outcomes.csv")
def outcomes_csv():
    """Download every published outcome matching the same filters as the page, as CSV."""
    filters, errors = published_rows.parse_filters(request.args)
    if errors:
        abort(400, description=" ".join(str(message) for message in errors.values()))
    rows = [_flat_outcome(row) for row in published_rows.all_published_outcomes(filters)]
    return _csv("kameng-complaint-outcomes.csv", OUTCOME_FIELDS, rows)


def _flat_outcome(row):
    summary = row["summary"] or {}
    return {**row, "summary_id": summary.get("id"), "summary_url": summary.get("url"),
            "summary_text": summary.get("text")}


def _inert(value):
    """A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is quoted to stay text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(filename, fields, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({key: _inert(value) for key, value in row.items()} for row in rows)
    # A BOM lets spreadsheet programs on Chinese Windows open the UTF-8 file correctly.
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
