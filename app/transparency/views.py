"""Public statistics and anonymised outcomes, as pages and as CSV downloads."""
import csv
import io

from flask import Blueprint, Response, abort, render_template, request

from app.complaints.casework import OUTCOME_LABELS
from app.complaints.categories import CATEGORIES
from app.complaints.states import STATUS_LABELS
from app.pagination import paginate, parse_page
from app.transparency import figures, publishing, stats

OUTCOME_FIELDS = ("case", "category", "filed_month", "outcome", "days_to_close", "first_response_on_time", "rating",
                  "demo")
STAT_FIELDS = ("section", "key", "value")

bp = Blueprint("transparency", __name__, url_prefix="/transparency")


@bp.get("")
def index():
    """Show honest resolution statistics, what is late right now, and the latest published outcomes."""
    latest, published = stats.published_outcomes(1, per_page=10), figures.cached_public_figures()
    return render_template("transparency/index.html", overall=stats.cached_summary(),
                           recent=stats.cached_summary(days=30), figures=published,
                           hidden={entry["cell"]: entry["reason"] for entry in published["suppressed"]},
                           monthly_bars=[(row["month"][2:].replace("-", "."), row["received"]) for row in published["monthly"]],
                           seller_minimum=stats.SELLER_MINIMUM, category_bars=[(str(CATEGORIES[c].name)[:4], n) for c, n in published["by_category"].items()],
                           outcomes=latest.items, total_outcomes=latest.total, categories=CATEGORIES,
                           labels=STATUS_LABELS, outcome_labels=OUTCOME_LABELS)


@bp.get("/outcomes")
def outcomes():
    """Page through every published outcome, with the newest worded case summaries first."""
    paging = stats.published_outcomes(parse_page(request.args.get("page")))
    return render_template("transparency/outcomes.html", outcomes=paging.items, paging=paging,
                           summaries=paginate(publishing.published(), 1, 10).items, categories=CATEGORIES,
                           labels=STATUS_LABELS, outcome_labels=OUTCOME_LABELS)


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
    """Download every published outcome as CSV."""
    return _csv("kameng-complaint-outcomes.csv", OUTCOME_FIELDS, stats.all_published_outcomes())


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
