"""Views of the contact pages: the channel directory, one channel's week, and the fake-number check."""
from flask import abort, current_app, render_template, request

from app.contact import bp
from app.contact.calendar import portal_now
from app.contact.channels import current_directory
from app.contact.demand import record_contact_visit
from app.contact.forms import VerifyForm
from app.contact.hints import LABELS, WEEKDAY_NAMES, current_estimator, describe_moment, describe_wait, opening_hours
from app.contact.verify import SCAM_PATTERNS, current_fakes, verify as verify_value, warning_for

bp.add_app_template_filter(describe_wait, "contact_wait")
bp.add_app_template_filter(opening_hours, "contact_hours")
bp.add_app_template_global(describe_moment, "contact_when")


@bp.get("", strict_slashes=False)
def index():
    """List every official channel with its status now, and the first staffed channel's week."""
    now = _now()
    record_contact_visit(now)
    estimator = current_estimator(now)
    featured = next(c for c in estimator.directory.channels if c.staffed)
    return render_template("contact/index.html", statuses=estimator.statuses(now), featured=featured,
                           week=estimator.week(featured), **_page_context(estimator, now))


@bp.get("/verify")
def verify():
    """Tell whether a number, account, email or link claiming to be customer service is official."""
    form = VerifyForm(request.args)
    verdict = None
    if "value" in request.args and form.validate():
        verdict = verify_value(form.value.data, current_directory(), current_fakes())
    return render_template("contact/verify.html", form=form, verdict=verdict,
                           warning=verdict and warning_for(verdict), scam_patterns=SCAM_PATTERNS)


@bp.get("/<channel_id>")
def channel(channel_id):
    """Show one channel: hours, status now, the next quiet hour and its week of estimates."""
    now = _now()
    estimator = current_estimator(now)
    selected = estimator.directory.get(channel_id) or abort(404)
    record_contact_visit(now)
    return render_template("contact/channel.html", status=estimator.status(selected, now),
                           instead=estimator.directory.get(selected.complaints_instead),
                           week=estimator.week(selected) if selected.staffed else None,
                           **_page_context(estimator, now))


def _page_context(estimator, now):
    return {"now": now, "directory": estimator.directory, "today": estimator.calendar.day(now.date()),
            "demand": estimator.demand,
            "schedule_confirmed": estimator.schedule_confirmed(now), "labels": LABELS,
            "weekday_names": WEEKDAY_NAMES}


def _now():
    return portal_now(current_app.config["PORTAL_TIMEZONE"])
