"""Public statistics and anonymised outcomes, as pages and as CSV downloads."""
import csv
import io

from flask import Blueprint, Response, render_template, request

from app.complaints.categories import CATEGORIES
from app.complaints.states import STATUS_LABELS
from app.pagination import parse_page
from app.transparency import stats

OUTCOME_FIELDS = ("case", "category", "filed_month", "outcome", "days_to_close", "first_response_on_time", "rating",
                  "demo")
SUMMARY_FIELDS = ("received", "open", "closed", "resolved", "rejected", "withdrawn", "deflected",
                  "first_response_on_time", "resolved_on_time", "median_first_response_hours",
                  "median_days_to_close", "average_rating", "ratings")

bp = Blueprint("transparency", __name__, url_prefix="/transparency")


@bp.get("")
def index():
    """Show resolution statistics for all time and the last 30 days, and the latest published outcomes."""
    latest = stats.published_outcomes(1, per_page=10)
    return render_template("transparency/index.html", overall=stats.cached_summary(),
                           recent=stats.cached_summary(days=30), outcomes=latest.items, total_outcomes=latest.total,
                           categories=CATEGORIES, labels=STATUS_LABELS)


@bp.get("/outcomes")
def outcomes():
    """Page through every published outcome."""
    paging = stats.published_outcomes(parse_page(request.args.get("page")))
    return render_template("transparency/outcomes.html", outcomes=paging.items, paging=paging,
                           categories=CATEGORIES, labels=STATUS_LABELS)


@bp.get("/statistics.csv")
def statistics_csv():
    """Download the statistics (all time and last 30 days) as CSV."""
    rows = [{"period": "all_time", **_summary_dict(stats.cached_summary())},
            {"period": "last_30_days", **_summary_dict(stats.cached_summary(days=30))}]
    return _csv("kameng-complaint-statistics.csv", ("period", *SUMMARY_FIELDS), rows)


@bp.get("/outcomes.csv")
def outcomes_csv():
    """Download every published outcome as CSV."""
    return _csv("kameng-complaint-outcomes.csv", OUTCOME_FIELDS, stats.all_published_outcomes())


def _summary_dict(summary):
    return {name: getattr(summary, name) for name in SUMMARY_FIELDS}


def _csv(filename, fields, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    # A BOM lets spreadsheet programs on Chinese Windows open the UTF-8 file correctly.
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
