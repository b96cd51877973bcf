"""Track a complaint by reference and access code; the owner adds information, withdraws, rates or reopens."""
import math

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from app.complaints import followup, queue, receipts, reference as refs, services
from app.complaints.categories import CATEGORIES
from app.complaints.models import EventKind
from app.complaints.lifecycle import ComplaintChanged
from app.complaints.states import STATUS_LABELS, InvalidTransition
from app.extensions import limiter
from app.ratelimits import upload_allowance
from app.timeutil import utcnow
from app.tracking.forms import (ConfirmForgetForm, LookupForm, LostForm, MessageForm, RateForm, ReopenForm,
                                WithdrawForm, reference_hint)

bp = Blueprint("tracking", __name__, url_prefix="/track")
VERIFIED_KEY = "tracking_verified"
MAX_VERIFIED = 10
NOT_ALLOWED = {
    "not_closed": _l("投诉处理结束后才能评价。"),
    "already_rated": _l("你已经评价过这件投诉了，谢谢。"),
    "bad_score": _l("请选择 1 到 5 分。"),
    "reopen_window": _l("已超过可以重新打开的期限。如果问题仍未解决，请提交一件新的投诉。"),
    "not_reopenable": _l("只有已解决或未予支持的投诉可以重新打开。"),
}


class NotVerified(Exception):
    """This browser session has not entered the access code of the reference."""


@bp.get("")
def index():
    """Ask for the reference (prefilled from ?reference=) and the access code; list those opened on this device."""
    return render_template("tracking/index.html", form=LookupForm(reference=request.args.get("reference", "")[:64]),
                           **_device_context())


@bp.post("")
@limiter.limit("20 per minute")
def lookup():
    """Check the access code (POST keeps it out of URLs and logs) and open the owner's view."""
    form = LookupForm()
    if form.validate_on_submit() and (complaint := _check_code(form)):
        _remember(complaint.reference)
        return redirect(url_for(".detail", reference=complaint.reference))
    return render_template("tracking/index.html", form=form, **_device_context())


@bp.get("/<reference>")
def detail(reference):
    """Show everything to a browser that entered the code, else only status and dates; hint at a mistyped link."""
    try:
        canonical = refs.normalize_reference(reference)
    except refs.InvalidReference as exc:
        return _reference_not_found(reference, reference_hint(reference, exc))
    if canonical != reference:
        return redirect(url_for(".detail", reference=canonical))
    complaint = services.find_by_reference(canonical)
    if complaint is None:
        return _reference_not_found(reference, _("没有找到这个投诉编号，请核对链接或重新输入。"))
    if canonical in session.get(VERIFIED_KEY, ()):
        return _owner_page(complaint)
    return render_template("tracking/status.html", complaint=complaint, form=LookupForm(reference=canonical))


@bp.post("/<reference>/message")
@upload_allowance
def message(reference):
    """Add information or files; answering a staff question sends the complaint back to review."""
    complaint = _verified(reference)
    form = MessageForm()
    if form.validate_on_submit():
        form.files.errors = followup.add_message(complaint, form.body.data, form.uploads(), form.evidence_kind.data)
        if not form.files.errors:
            flash(_("已收到你的补充，客服会尽快查看。"), "success")
            return redirect(url_for(".detail", reference=complaint.reference, _anchor="timeline"))
    return _owner_page(complaint, message_form=form)


@bp.post("/<reference>/withdraw")
def withdraw(reference):
    """Withdraw the complaint, with a reason."""
    complaint = _verified(reference)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _owner_page(complaint, withdraw_form=form)
    services.withdraw(complaint, form.withdraw_reason.data.strip())
    flash(_("投诉已撤回。"), "success")
    return redirect(url_for(".detail", reference=complaint.reference))


@bp.post("/<reference>/rate")
def rate(reference):
    """Rate the outcome 1 to 5, once, with an optional comment."""
    complaint = _verified(reference)
    form = RateForm()
    if not form.validate_on_submit():
        return _owner_page(complaint, rate_form=form)
    services.rate(complaint, form.score.data, (form.comment.data or "").strip())
    flash(_("谢谢你的评价。"), "success")
    return redirect(url_for(".detail", reference=complaint.reference))


@bp.post("/<reference>/reopen")
def reopen(reference):
    """Reopen a closed complaint within the window; it comes back with higher priority."""
    complaint = _verified(reference)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _owner_page(complaint, reopen_form=form)
    services.reopen(complaint, form.reopen_reason.data.strip())
    flash(_("投诉已重新打开，我们会优先处理。"), "success")
    return redirect(url_for(".detail", reference=complaint.reference))


@bp.post("/<reference>/consent")
def withdraw_consent(reference):
    """Withdraw consent to publication: any summary of this complaint leaves the public pages at once."""
    complaint = _verified(reference)
    if ConfirmForgetForm().validate_on_submit():
        services.withdraw_consent(complaint)
        flash(_("已撤回公示同意。这件投诉不会再出现在公示页上，已发布的摘要已经下线。"), "success")
    return redirect(url_for(".detail", reference=complaint.reference))


@bp.get("/<reference>/evidence/<int:evidence_id>")
def evidence(reference, evidence_id):
    """Download one of the complaint's files, as an attachment, for the owner only."""
    item, path = followup.evidence_file(_verified(reference), evidence_id) or abort(404)
    response = send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/forget")
def forget():
    """Forget every complaint this browser opened (for shared or borrowed devices)."""
    if ConfirmForgetForm().validate_on_submit():
        session.pop(VERIFIED_KEY, None)
        session.pop(receipts.SESSION_KEY, None)  # the receipt page shows an access code too
        flash(_("已在这台设备上退出查看。再次查看需要重新输入查询码。"), "success")
    return redirect(url_for(".index"))


@bp.route("/lost", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def lost():
    """Send the references filed with an email or phone back to it; the answer never says whether any exist."""
    form = LostForm()
    if form.validate_on_submit():
        services.send_lost_references(form.contact.data)
        flash(_("如果这个联系方式提交过投诉，投诉编号已经发过去了，几分钟内可以收到。"), "success")
        return redirect(url_for(".lost"))
    return render_template("tracking/lost.html", form=form)


@bp.errorhandler(NotVerified)
def _not_verified(exc):
    """Send a browser without the code to the status page, which asks for it."""
    flash(_("请先输入查询码。"), "info")
    return redirect(url_for(".detail", reference=exc.args[0]))


@bp.errorhandler(ComplaintChanged)
@bp.errorhandler(InvalidTransition)
@bp.errorhandler(services.NotAllowed)
@bp.errorhandler(services.ComplaintClosed)
def _refused(exc):
    """Explain a follow-up the complaint's state does not allow, on its page."""
    if isinstance(exc, services.NotAllowed):
        flash(NOT_ALLOWED.get(exc.reason, _("现在不能进行这个操作。")), "error")
    elif isinstance(exc, services.ComplaintClosed):
        flash(_("这件投诉已经结束，不能再补充。已解决或未予支持的投诉可在 15 天内重新打开；已撤回的投诉请重新提交。"),
              "error")
    else:
        flash(_("投诉状态已经变化，现在不能进行这个操作。"), "error")
    return redirect(url_for(".detail", reference=request.view_args["reference"]))


@bp.after_request
def _no_store(response):
    """Keep tracking pages out of shared caches and the back-button history of shared computers."""
    response.headers["Cache-Control"] = "private, no-store"  # send_file's own no-cache is not enough
    return response


@bp.context_processor
def _labels():
    return {"status_labels": STATUS_LABELS, "event_kinds": EventKind}


def _check_code(form):
    """Return the complaint the code opens, or None with the reason on the access code field."""
    try:
        return services.verify_access(form.reference.data, form.access_code.data)
    except services.AccessDenied:
        form.access_code.errors.append(_("投诉编号或查询码不正确。"))
    except services.AccessLocked as exc:
        minutes = max(1, math.ceil((exc.until - utcnow()).total_seconds() / 60))
        form.access_code.errors.append(_("查询码输错次数过多，请 %(minutes)d 分钟后再试。", minutes=minutes))
    return None


def _device_context():
    """The complaints this browser opened with their codes, most recent first ("我在这台设备上查过的投诉")."""
    verified = list(reversed(session.get(VERIFIED_KEY, [])))
    return {"device_complaints": services.find_by_references(verified), "next_due": followup.next_due}


def _reference_not_found(reference, hint):
    """The lookup form, prefilled with the reference from the URL and the same hint the form gives (still a 404)."""
    form = LookupForm(formdata=None, reference=reference[:refs.MAX_INPUT_LENGTH])
    form.reference.errors = [str(hint)]
    return render_template("tracking/index.html", form=form, **_device_context()), 404


def _remember(reference):
    """Keep the last few references this browser opened with their codes, so follow-ups need no code."""
    verified = [r for r in session.get(VERIFIED_KEY, []) if r != reference]
    session[VERIFIED_KEY] = [*verified, reference][-MAX_VERIFIED:]


def _canonical(reference):
    try:
        return refs.normalize_reference(reference)
    except refs.InvalidReference:
        abort(404)


def _verified(reference):
    """Return the complaint if this browser session entered its code; raise NotVerified otherwise."""
    canonical = _canonical(reference)
    complaint = services.find_by_reference(canonical) if canonical in session.get(VERIFIED_KEY, ()) else None
    if complaint is None:
        raise NotVerified(canonical)
    return complaint


def _owner_page(complaint, **forms):
    """Render the owner's view; `forms` replace the empty follow-up forms (to show their errors)."""
    blank = {"message_form": MessageForm, "withdraw_form": WithdrawForm, "rate_form": RateForm,
             "reopen_form": ReopenForm}
    forms = {name: forms.get(name) or form_class(formdata=None) for name, form_class in blank.items()}
    return render_template("tracking/detail.html", complaint=complaint, timeline=followup.timeline(complaint),
                           request_event=followup.open_request(complaint), actions=followup.actions(complaint),
                           overdue=services.is_overdue(complaint), clock=queue.clock(complaint), category_name=CATEGORIES[complaint.category].name,
                           progress=followup.progress(complaint), due=followup.next_due(complaint), **forms)
