"""Views of the contact pages: the channel directory, one channel's week, and the fake-number check."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import page_cache
from app.contact import reports
from app.contact.calendar import portal_now
from app.contact.channels import current_directory
from app.contact.demand import record_contact_visit
from app.contact.forms import FakeReportForm, VerifyForm
from app.contact.hints import (LABELS, WEEKDAY_NAMES, current_estimator, describe_best_times, describe_moment,
                               describe_wait, opening_hours, status_key)
from app.contact.verify import SCAM_PATTERNS, current_fakes, verify as verify_value, warning_for
from app.extensions import limiter

bp = Blueprint("contact", __name__, url_prefix="/contact")
REPORT_LIMIT = "5 per minute;30 per day"
bp.add_app_template_filter(describe_wait, "contact_wait")
bp.add_app_template_filter(opening_hours, "contact_hours")
bp.add_app_template_global(describe_moment, "contact_when")
bp.add_app_template_global(describe_best_times, "contact_best_times")
bp.add_app_template_filter(status_key, "contact_status_key")


@bp.get("", strict_slashes=False)
def index():
    """List every official channel with its status now, and the first staffed channel's week."""
    now = _now()
    page_cache.on_each_view(_count_visit)
    estimator = current_estimator(now)
    weeks = {c.id: estimator.week(c) for c in estimator.directory.channels if c.staffed}
    featured = next(c for c in estimator.directory.channels if c.staffed)
    return render_template("contact/index.html", statuses=estimator.statuses(now), featured=featured,
                           week=weeks[featured.id], weeks=weeks, **_page_context(estimator, now))


def _count_visit():
    record_contact_visit(_now())


@bp.get("/verify")
def verify():
    """Tell whether a number, account, email or link claiming to be customer service is official."""
    form = VerifyForm(request.args)
    return _verify_page(form, "value" in request.args and form.validate())


@bp.post("/verify/report")
@limiter.limit(REPORT_LIMIT)
def report_fake():
    """Take a visitor's report that a contact which is not official pretended to be customer service."""
    form = FakeReportForm()
    if not form.validate_on_submit():
        checked = VerifyForm(request.form)  # show the verdict again, with the note as typed
        return _verify_page(checked, checked.validate(), report_form=form, status=400)
    verdict = verify_value(form.value.data, current_directory(), current_fakes())
    if verdict.official:
        flash(_("这是卡盟的官方渠道，不需要举报。"), "info")
    elif verdict.known_fake:
        flash(_("这个号码已经确认是假客服了，谢谢你再次提醒。"), "info")
    else:
        reports.report(form.value.data, form.note.data, request.remote_addr)
        flash(_("谢谢举报，客服核实后会提醒其他用户。"), "success")
    return redirect(url_for(".verify", value=form.value.data))


def _verify_page(form, checked, report_form=None, status=200):
    verdict = verify_value(form.value.data, current_directory(), current_fakes()) if checked else None
    report_form = report_form or FakeReportForm(formdata=None, value=form.value.data)
    return render_template("contact/verify.html", form=form, verdict=verdict, report_form=report_form,
                           warning=verdict and warning_for(verdict), scam_patterns=SCAM_PATTERNS), status


@bp.get("/<channel_id>")
def channel(channel_id):
    """Show one channel: hours, status now, the next quiet hour and its week of estimates."""
    now = _now()
    estimator = current_estimator(now)
    selected = estimator.directory.get(channel_id) or abort(404)
    page_cache.on_each_view(_count_visit)
    return render_template("contact/channel.html", status=estimator.status(selected, now),
                           instead=estimator.directory.get(selected.complaints_instead),
                           week=estimator.week(selected) if selected.staffed else None,
                           **_page_context(estimator, now))


def _page_context(estimator, now):
    return {"now": now, "directory": estimator.directory, "today": estimator.calendar.day(now.date()),
            "demand": estimator.demand, "cached": estimator.snapshot.fragment,
            "schedule_confirmed": estimator.schedule_confirmed(now), "labels": LABELS,
            "weekday_names": WEEKDAY_NAMES}


def _now():
    return portal_now(current_app.config["PORTAL_TIMEZONE"])
