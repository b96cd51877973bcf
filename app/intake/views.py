"""The complaint journey: describe → (suggested answers) → details and evidence → contact → review → submit."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from app.complaints import drafts, receipts, services, uploads
from app.complaints.categories import CATEGORIES, DETAIL_FIELDS, EVIDENCE_KINDS
from app.complaints.completeness import assess
from app.complaints.triage import scam_signals, suggest_category
from app.complaints.validation import complaint_data
from app.extensions import db
from app.i18n import current_language
from app.intake.forms import ConfirmForm, ContactForm, DeflectForm, DescribeForm, details_form_class
from app.kb.services import knowledge_base, search_articles
from app.ratelimits import deflect_allowance, draft_allowance, upload_allowance
from app.timeutil import utcnow

bp = Blueprint("intake", __name__, url_prefix="/complaints")
DRAFT_KEY = "complaint_draft"
SUBMITTED_KEY = receipts.SESSION_KEY
STEPS = ("describe", "details", "contact", "review")


def _open_draft():
    """The draft this browser is writing, or None (a draft row is only created once something is saved)."""
    draft = drafts.find_draft(session.get(DRAFT_KEY))
    return None if draft is None or draft.complaint_id else draft


def _draft_or_redirect(required=("category", "description")):
    draft = drafts.find_draft(session.get(DRAFT_KEY))
    if draft is None or draft.complaint_id or any(key not in draft.data for key in required):
        return None
    return draft


@bp.route("/new", methods=["GET", "POST"])
@draft_allowance
def new():
    """Step 1: what happened."""
    draft = _open_draft()
    form = DescribeForm(data=draft.data if draft else {})
    if form.validate_on_submit():
        draft = drafts.save_draft(draft, {"category": form.category.data,
                                          "description": form.description.data.strip()})
        session[DRAFT_KEY] = draft.token
        return redirect(url_for(".suggestions"))
    return render_template("intake/describe.html", form=form, step="describe", steps=STEPS)


@bp.get("/new/suggestions")
def suggestions():
    """Between steps: answers that may solve it, and anti-fraud guidance when the text sounds like a scam."""
    draft = _draft_or_redirect() or abort(_restart())
    results = search_articles(draft.data["description"][:200], per_page=3)
    return render_template("intake/suggestions.html", results=results, form=DeflectForm(),
                           signals=scam_signals(draft.data["description"]), step="describe", steps=STEPS)


@bp.post("/new/deflect")
@deflect_allowance
def deflect():
    """"已解决，不用投诉了": count it (once per draft) and drop the draft."""
    draft = _draft_or_redirect() or abort(_restart())
    article = DeflectForm().article.data
    try:
        drafts.deflect(draft, article if article and knowledge_base().get(article) else None)
    except drafts.NotDeflectable:
        flash(_("你描述的情况可能涉及诈骗，请先拨打 110 或 96110，再继续提交投诉，我们会优先处理。"), "error")
        return redirect(url_for(".suggestions"))
    session.pop(DRAFT_KEY, None)
    return redirect(url_for(".deflected"))


@bp.get("/solved")
def deflected():
    """Confirm that nothing was filed because an article solved the problem."""
    return render_template("intake/deflected.html")


@bp.route("/new/details", methods=["GET", "POST"])
@upload_allowance
def details():
    """Step 2: the details this category needs, and evidence files (kept on the draft at once)."""
    draft = _draft_or_redirect() or abort(_restart())
    form = details_form_class(draft.data["category"], utcnow())(data=draft.data.get("details_raw", {}))
    status = 200
    if request.method == "POST" and form.validate_on_submit() is not None:
        raw = {name: form[name].data for name in _detail_ids(draft)}
        try:
            upload_errors = drafts.save_details(draft, raw, request.files.getlist("files"), form.evidence_kind.data)
        except uploads.StorageUnavailable as exc:
            current_app.logger.error("evidence storage unavailable: %s", exc.reason)
            upload_errors, status = [_("你填写的内容已保存，但文件暂时无法上传，请稍后再试。")], 503
        if request.form.get("action") == "next" and not upload_errors and form.validate():
            return redirect(url_for(".contact"))
        for message in upload_errors:
            flash(message, "error")
    return render_template("intake/details.html", form=form, draft=draft, step="details", steps=STEPS,
                           category=CATEGORIES[draft.data["category"]], detail_ids=_detail_ids(draft),
                           max_files=current_app.config["EVIDENCE_MAX_FILES"]), status


@bp.post("/new/evidence/<int:evidence_id>/delete")
def delete_evidence(evidence_id):
    """Remove one attached file from the draft."""
    draft = _draft_or_redirect() or abort(_restart())
    if ConfirmForm().validate_on_submit():
        drafts.remove_upload(draft, evidence_id)
    return redirect(url_for(".details", _anchor="evidence"))


@bp.route("/new/contact", methods=["GET", "POST"])
def contact():
    """Step 3: how to reach the user, and consent."""
    draft = _draft_or_redirect() or abort(_restart())
    form = ContactForm(data=draft.data)
    if form.validate_on_submit():
        drafts.save_draft(draft, {name: form[name].data for name in
                                    ("contact_email", "contact_phone", "notify_via", "consent_privacy",
                                     "consent_publish")})
        return redirect(url_for(".review"))
    return render_template("intake/contact.html", form=form, step="contact", steps=STEPS)


@bp.get("/new/review")
def review():
    """Step 4: everything at a glance, with what is still missing."""
    draft = _draft_or_redirect(("category", "description", "consent_privacy")) or abort(_restart())
    data, errors = complaint_data(draft.data, {e.kind for e in draft.evidence}, utcnow())
    assessment = assess(data["category"], data["details"], {e.kind for e in draft.evidence}, data["description"])
    suggested = suggest_category(data["category"], data["description"])
    return render_template("intake/review.html", draft=draft, data=data, errors=errors, assessment=assessment,
                           category=CATEGORIES[data["category"]], fields=DETAIL_FIELDS, form=ConfirmForm(),
                           suggested=suggested and CATEGORIES[suggested], evidence_kinds=dict(EVIDENCE_KINDS),
                           step="review", steps=STEPS)


@bp.post("/new/submit")
def submit():
    """Store the complaint (once, however often this is posted) and show its reference.

    A database that is locked or down answers 503 (app.errors) within DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS.
    """
    draft = drafts.find_draft(session.get(DRAFT_KEY))
    if draft is None:
        return redirect(url_for(".submitted")) if SUBMITTED_KEY in session else _restart()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    data, errors = complaint_data(draft.data, {e.kind for e in draft.evidence}, utcnow())
    if errors:
        flash(_("还有信息需要修改，请检查标红的项目。"), "error")
        return redirect(url_for(".review"))
    try:
        complaint, code = services.submit_draft(draft, data, current_language(), channel="web")
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("complaint could not be stored")
        abort(503)
    if code:  # a repeated post (double click, back button) leaves the first receipt in place
        session[SUBMITTED_KEY] = {"reference": complaint.reference, "access_code": receipts.seal(code)}
        session.pop(DRAFT_KEY, None)
    return redirect(url_for(".submitted"))


@bp.get("/submitted")
def submitted():
    """The receipt: reference, access code, next steps, evidence hashes."""
    receipt, access_code = _receipt()
    complaint = services.find_by_reference(receipt["reference"]) or abort(404)
    return render_template("intake/submitted.html", complaint=complaint, access_code=access_code,
                           form=ConfirmForm(), evidence_kinds=dict(EVIDENCE_KINDS))


@bp.post("/submitted/email")
def email_receipt():
    """Email (or text) the full receipt to the contact given in the complaint."""
    receipt, access_code = _receipt()
    complaint = services.find_by_reference(receipt["reference"]) or abort(404)
    if ConfirmForm().validate_on_submit():
        services.send_receipt(complaint, access_code)
        flash(_("回执已发送到你留下的联系方式，几分钟内可以收到。"), "success")
    return redirect(url_for(".submitted"))


def _receipt():
    """Return (receipt, access code) from the session, or send people back to the start when it expired."""
    receipt = session.get(SUBMITTED_KEY)
    access_code = receipt and receipts.unseal(receipt.get("access_code"))
    if not access_code:
        session.pop(SUBMITTED_KEY, None)
        abort(_restart())
    return receipt, access_code


@bp.after_request
def _never_store(response):
    """Drafts and receipts hold personal data and the access code: no cache may keep them."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _detail_ids(draft):
    category = CATEGORIES[draft.data["category"]]
    return category.required + category.optional


def _restart():
    """Send people back to the start when their draft is gone (expired session, finished complaint)."""
    flash(_("请从第一步开始填写投诉。"), "info")
    return redirect(url_for(".new"))
