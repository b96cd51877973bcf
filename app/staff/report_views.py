"""The inbox of fake customer-service contacts reported from the verifier; supervisors confirm or dismiss them."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.contact import reports as fake_reports
from app.contact.models import NOTE_MAX
from app.pagination import parse_page
from app.staff.access import supervisor_required
from app.staff.blueprint import bp, client_address
from app.staff.forms import ConfirmForm

DECISIONS = {"confirm": fake_reports.confirm, "dismiss": fake_reports.dismiss}
DONE = {"confirm": _l("已确认为假客服。现在核对这个号码的人会看到警告。"),
        "dismiss": _l("已驳回。核对这个号码的结果不变。")}
REFUSED = {"note_required": _l("确认前请写明对方的手法：这段说明会显示在核对结果里。"),
           "note_too_long": _l("说明最多 %(max)d 个字。", max=NOTE_MAX)}


@bp.get("/reports")
def reports():
    """The open reports grouped by value: how many people reported it, when, and what they said."""
    page = fake_reports.open_reports(parse_page(request.args.get("page")))
    return render_template("staff/reports.html", page=page, note_max=NOTE_MAX)


@bp.post("/reports/<int:report_id>")
@supervisor_required
def decide_report(report_id):
    """Confirm the reported value as a fake (the verifier warns from now on) or dismiss it."""
    decision = request.form.get("decision", "")
    decide = DECISIONS.get(decision) or abort(400)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        decide(report_id, current_user, request.form.get("note", ""), client_address())
    except fake_reports.ReportNotFound:
        abort(404)
    except fake_reports.AlreadyDecided:
        flash(_("这个号码已经有人处理过了。"), "info")
    except fake_reports.InvalidDecision as exc:
        flash(str(REFUSED[exc.reason]), "error")
    else:
        flash(str(DONE[decision]), "success")
    return redirect(url_for(".reports", page=request.args.get("page") or None))
