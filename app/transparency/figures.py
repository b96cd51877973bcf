"""The published statistics: one allow-listed payload for the page, the API and the CSV, with small cells hidden.

Any breakdown cell counting 1–4 complaints is published as "<5" (null in JSON). When a breakdown hides exactly
one cell, the next smallest non-zero cell is hidden too, so its total cannot be subtracted back.
"""
from app.complaints.casework import OUTCOMES
from app.complaints.categories import CATEGORIES
from app.timeutil import utcnow
from app.transparency import refresh, stats

SMALL_CELL = 5
CHANNELS = ("web", "api")  # how a complaint arrived: the web journey or the public API
PRIMARY, COMPLEMENTARY = "small_cell", "complementary"


def public_figures(since=None, until=None, now=None, months=12):
    """Build the public statistics of complaints filed in [since, until) as a JSON-ready dict."""
    now = now or utcnow()
    s = stats.summary(since, until, now)
    suppressed = []
    payload = {
        "period": {"from": since.isoformat() if since else None, "to": until.isoformat() if until else None},
        "totals": {name: getattr(s, name) for name in (
            "received", "replied", "open", "resolved", "confirmed_resolved", "rejected", "withdrawn", "merged")},
        "by_category": _suppress("by_category", {c: s.by_category.get(c, 0) for c in CATEGORIES}, suppressed),
        "by_outcome": _suppress("by_outcome", {o: s.by_outcome.get(o, 0) for o in OUTCOMES}, suppressed),
        "by_channel": _suppress("by_channel", {c: s.by_channel.get(c, 0) for c in CHANNELS}, suppressed),
        "monthly": _monthly(months, now, suppressed),
        "timings": _timings(s),
        "backlog_by_age": dict(zip(("0-1", "1-3", "3-7", "7-30", "30+"), stats.backlog_by_age(now))),
        "overdue": stats.overdue_now(now),
        "satisfaction": {"ratings": s.ratings, "average": s.average_rating,
                         "distribution": _suppress("satisfaction.distribution",
                                                   {str(k): v for k, v in s.satisfaction.items()}, suppressed)},
        "deflection": {"deflected": s.deflected,
                       "rate_percent": round(100 * s.deflected / (s.deflected + s.received), 1)
                       if s.deflected + s.received else None},
        "sellers": stats.seller_accountability(),
        "demo_data": s.has_demo_data,
        "generated_at": now.isoformat(),
    }
    payload["suppressed"] = suppressed
    return payload


def cached_public_figures():
    """All-time public figures, refreshed in the background when a complaint changed (transparency.refresh)."""
    return refresh.cached("public_figures", public_figures)


def _timings(s):
    """Deadlines met, and hours to first answer and to decision: on the calendar in the phase itself,
    in working time (weekends and public holidays left out) in its "_working" twin."""
    deadlines = {"first_response": (s.first_response_due, s.first_response_late, s.first_response_on_time),
                 "resolution": (s.resolution_due, s.resolution_late, s.resolved_on_time)}
    timings = {}
    for phase, (due, late, on_time) in deadlines.items():
        timings[phase] = {"due": due, "late": late, "on_time_percent": on_time, **s.timings[phase]["calendar"]}
    for phase in deadlines:
        timings[f"{phase}_working"] = dict(s.timings[phase]["working"])
    return timings


def _monthly(months, now, suppressed):
    rows = stats.monthly(months, now)
    for name in ("received", "resolved"):
        cells = _suppress(f"monthly.{name}", {row["month"]: row[name] for row in rows}, suppressed)
        for row in rows:
            row[name] = cells[row["month"]]
    return rows


def _suppress(path, cells, suppressed):
    """Hide 1–4 counts, and one more cell when a single hidden one could be subtracted back from a total."""
    hidden = [key for key, n in cells.items() if 0 < n < SMALL_CELL]
    if len(hidden) == 1:
        others = sorted((n, key) for key, n in cells.items() if n >= SMALL_CELL)
        if others:
            suppressed.append({"cell": f"{path}.{others[0][1]}", "reason": COMPLEMENTARY})
            cells = {**cells, others[0][1]: None}
    for key in hidden:
        suppressed.append({"cell": f"{path}.{key}", "reason": PRIMARY})
    return {key: (None if key in hidden else n) for key, n in cells.items()}


def flat_rows(payload):
    """The payload as (section, key, value) rows for the CSV download; hidden cells read "<5" or "*"."""
    reasons = {entry["cell"]: entry["reason"] for entry in payload["suppressed"]}
    rows = []
    for section in ("totals", "by_category", "by_outcome", "by_channel", "backlog_by_age"):
        rows += [(section, key, _shown(f"{section}.{key}", value, reasons)) for key, value in payload[section].items()]
    for phase, figures in payload["timings"].items():
        rows += [(f"timings.{phase}", key, value) for key, value in figures.items()]
    rows.append(("overdue", "now", payload["overdue"]))
    for key, value in payload["satisfaction"]["distribution"].items():
        rows.append(("satisfaction", key, _shown(f"satisfaction.distribution.{key}", value, reasons)))
    rows += [("satisfaction", "ratings", payload["satisfaction"]["ratings"]),
             ("satisfaction", "average", payload["satisfaction"]["average"])]
    rows += [("deflection", key, value) for key, value in payload["deflection"].items()]
    for seller in payload["sellers"]:
        rows += [(f"sellers.{name}", seller["seller"], seller[name])
                 for name in ("at_fault", "complaints", "resolved", "resolved_percent")]
    for row in payload["monthly"]:
        for name in ("received", "resolved", "first_response_on_time"):
            rows.append((f"monthly.{name}", row["month"], _shown(f"monthly.{name}.{row['month']}", row[name], reasons)))
    return rows


def _shown(cell, value, reasons):
    if cell not in reasons:
        return value
    return "<5" if reasons[cell] == PRIMARY else "*"
