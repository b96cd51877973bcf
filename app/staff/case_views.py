"""The queue and the case page: find the next case, read everything about it, act on it."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from app.accounts import alerts, audit, presence
from app.complaints import casework, completeness, followup, queue, reference as refs, replies, sensitive, services
from app.complaints.casework import OUTCOME_LABELS, ActionRefused
from app.complaints.categories import CATEGORIES, DETAIL_FIELDS, evidence_label
from app.complaints.lifecycle import ComplaintChanged
from app.complaints.states import InvalidTransition, Status
from app.extensions import db
from app.i18n import join_list
from app.kb.services import search_articles
from app.pagination import paginate, parse_page
from app.security import database_id
from app.staff.blueprint import bp, client_address
from app.staff.forms import ACTION_FORMS, PRIORITY_LABELS, BulkForm, ConfirmForm
from app.timeutil import aware, utcnow
from app.transparency import privacy, publishing

INLINE_TYPES = ("image/jpeg", "image/png", "image/webp")
RECENT_CHANGE = dt.timedelta(minutes=10)
REFUSALS = {
    "unknown_action": _l("不支持这个操作。"),
    "supervisor_only": _l("这个操作需要主管权限。"),
    "held_by_other": _l("这件投诉由 %(holder)s 负责，改派请找主管。"),
    "unknown_assignee": _l("找不到这个客服账号，或账号已停用。"),
    "outcome_required": _l("请选择处理结果。"),
    "amount_required": _l("部分退款请填写金额。"),
    "unknown_duplicate": _l("找不到要合并到的投诉编号（不能合并到自己）。"),
    "duplicate_of_merged": _l("那件投诉已合并到 %(target)s，请直接合并到 %(target)s。"),
    "bad_category": _l("请选择一个不同的问题类型。"),
    "bad_priority": _l("请选择一个不同的优先级。"),
    "body_required": _l("请填写内容。"),
    "reason_required": _l("请写明原因。"),
    "closed": _l("这件投诉已经结束。需要继续处理请先重新打开。"),
}
DONE = {
    "take": _l("已接手，状态为“处理中”。"), "assign": _l("已分配。"), "note": _l("内部备注已保存。"),
    "reply": _l("回复已发送给用户。"), "request_info": _l("已请用户补充信息，处理时限暂停。"),
    "resolve": _l("已办结。"), "reject": _l("已答复不予支持。"), "reopen": _l("已重新打开。"),
    "duplicate": _l("已合并，用户会收到通知。"), "set_category": _l("问题类型已修改。"),
    "set_priority": _l("优先级已修改。"),
}


@bp.get("")
def queue_page():
    """The queue: open cases by next deadline, with filters, counts and who is looking at what."""
    chosen = _queue_filter()
    page = paginate(queue.select_queue(chosen, current_user), parse_page(request.args.get("page")),
                    current_app.config["STAFF_QUEUE_PAGE_SIZE"])
    now = utcnow()
    return render_template("staff/queue.html", page=page, chosen=chosen, counts=queue.view_counts(chosen, current_user),
                           clocks={c.id: queue.clock(c, now) for c in page.items},
                           viewers=presence.viewers([c.id for c in page.items], exclude=current_user),
                           categories=CATEGORIES, priority_labels=PRIORITY_LABELS, bulk_form=_bulk_form(),
                           members=alerts.active_members(),
                           args={k: v for k, v in request.args.items() if k != "page"})


def _queue_filter():
    args = request.args
    view = args.get("view", "open")
    return queue.QueueFilter(view=view if view in queue.VIEWS else "open",
                             status=args.get("status") if args.get("status") in set(Status) else None,
                             category=args.get("category") if args.get("category") in CATEGORIES else None,
                             priority=args.get("priority") if args.get("priority") in PRIORITY_LABELS else None,
                             assignee_id=database_id(args.get("assignee")), q=args.get("q", "")[:100])


def _bulk_form():
    form = BulkForm()
    form.assignee.choices = _assignee_choices()
    return form


def _assignee_choices():
    return [(m.email, f"{m.display_name} · {m.email}") for m in alerts.active_members()]


@bp.post("/bulk")
def bulk():
    """Assign, set the priority of, or merge several cases at once."""
    form = _bulk_form()
    if not form.validate_on_submit():
        abort(400)
    chosen = [_split_selection(value) for value in request.form.getlist("selected")]
    chosen = [(complaint, seen) for complaint, seen in chosen if complaint is not None]
    if not chosen:
        flash(_("请先勾选投诉。"), "error")
        return redirect(url_for("staff.queue_page"))
    fields = {"assignee": form.assignee.data, "priority": form.priority.data, "of": form.of.data,
              "reason": _("批量操作")}
    done, skipped = casework.perform_bulk(chosen, current_user, form.bulk_action.data, fields, client_address())
    flash(_("已处理 %(done)d 件。", done=len(done)), "success")
    if skipped:
        flash(_("这些投诉没有处理（刚被别人改过，或这个操作不适用）：%(refs)s", refs=join_list(skipped)), "error")
    return redirect(url_for("staff.queue_page"))


def _split_selection(value):
    reference, _, version = value.partition("@")
    complaint = services.find_by_reference(reference)
    return (complaint, int(version)) if complaint is not None and version.isdigit() else (None, None)


@bp.get("/complaints/<reference>")
def case(reference):
    """Everything about one case: details, evidence, checklist, triage, duplicates, timeline, actions."""
    complaint = complaint_or_404(reference)
    presence.touch(current_user, complaint)
    return _case_page(complaint, revealed=False)


def complaint_or_404(reference):
    """The complaint with this reference (in any spelling), or 404."""
    try:
        canonical = refs.normalize_reference(reference)
    except refs.InvalidReference:
        abort(404)
    return services.find_by_reference(canonical) or abort(404)


def _case_page(complaint, revealed, forms=None, status=200, conflict=None):
    now = utcnow()
    kinds = {e.kind for e in complaint.evidence}
    template = _chosen_template(complaint)
    page = render_template(
        "staff/case.html", complaint=complaint, revealed=revealed, clock=queue.clock(complaint, now),
        assessment=completeness.assess(complaint.category, complaint.details or {}, kinds, complaint.description),
        duplicates=queue.possible_duplicates(complaint), events=complaint.events,
        owner_visible=followup.OWNER_VISIBLE_KINDS, category=CATEGORIES[complaint.category], fields=DETAIL_FIELDS,
        evidence_label=evidence_label, viewers=presence.viewers([complaint.id], exclude=current_user).get(complaint.id),
        recent_change=_recent_change(complaint, now), forms=_forms(complaint, forms, template),
        templates=replies.templates_for(complaint.category, current_app.config["CONTENT_DIR"]),
        articles=search_articles(complaint.description[:200], per_page=3).hits, outcome_labels=OUTCOME_LABELS,
        priority_labels=PRIORITY_LABELS, categories=CATEGORIES, chosen_template=template, conflict=conflict,
        base_url=current_app.config["PORTAL_BASE_URL"].rstrip("/"), has_hidden=_has_hidden(complaint),
        action_errors=[e for form in (forms or {}).values() for e in form.form_errors],
        summary=publishing.summary_for(complaint), summary_findings=_summary_findings(complaint))
    return page, status


def _summary_findings(complaint):
    """What the scrubber still finds in the complaint's draft summary, for the publishing panel."""
    summary = publishing.summary_for(complaint)
    if summary is None or summary.status == "withdrawn":
        return []
    return privacy.find(summary.text, publishing.known_values(complaint))


def _has_hidden(complaint):
    texts = [complaint.description, *map(str, (complaint.details or {}).values()), *(e.note or "" for e in complaint.events)]
    return any(sensitive.contains(text) for text in texts)


def _recent_change(complaint, now):
    """The latest staff step by someone else within the last few minutes, if any."""
    for event in reversed(complaint.events):
        if aware(event.at) < now - RECENT_CHANGE:
            return None
        if event.staff_id and event.staff_id != current_user.id:
            return event
    return None


def _forms(complaint, submitted, template):
    """One form per action, each carrying the version shown; a submitted form keeps what was typed."""
    forms = {}
    for action, form_class in ACTION_FORMS.items():
        form = form_class(formdata=None, version=complaint.version, action=action)
        forms[action] = form
    forms["assign"].assignee.choices = _assignee_choices()
    if template is not None:
        target = forms[template.action]
        target.body.data = template.render(complaint.language, _template_context(complaint))
        if template.outcome:
            target.outcome.data = template.outcome
    for action, form in (submitted or {}).items():
        form.version.data = complaint.version
        forms[action] = form
    return forms


def _chosen_template(complaint):
    chosen = request.args.get("template")
    found = replies.cached_replies(current_app.config["CONTENT_DIR"]).get(chosen) if chosen else None
    return found if found and found.applies_to(complaint.category) else None


def _template_context(complaint):
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    due = aware(casework.next_due(complaint)).astimezone(zone)
    amount = complaint.outcome_amount_cents or complaint.amount_cents
    return {"reference": complaint.reference, "category": complaint.category, "due_date": due,
            "amount": Decimal(amount) / 100 if amount else None, "agent": current_user.display_name}


@bp.post("/complaints/<reference>/actions")
def act(reference):
    """Apply one action (take, reply, resolve…) in one transaction; a stale version answers 409."""
    complaint = complaint_or_404(reference)
    action = request.form.get("action", "")
    form_class = ACTION_FORMS.get(action) or abort(400)
    form = form_class()
    if action == "assign":
        form.assignee.choices = _assignee_choices()
    if form.validate_on_submit() and _ready_to_send(form):
        try:
            casework.perform(complaint, current_user, action, form.fields(), form.version.data, client_address())
        except ActionRefused as exc:
            form.form_errors.append(refusal_message(exc))
        except InvalidTransition:
            form.form_errors.append(_("当前状态下不能进行这个操作。"))
        else:
            flash(DONE[action], "success")
            return redirect(url_for("staff.case", reference=complaint.reference))
    return _case_page(complaint, revealed=False, forms={action: form}, status=400)


def refusal_message(exc):
    """The agent-facing reason an action was refused."""
    message = REFUSALS.get(exc.reason, REFUSALS["unknown_action"])
    return message % exc.details if exc.details else str(message)


def _ready_to_send(form):
    """A reply still holding a template's fill-in marker is not sent."""
    body = getattr(form, "body", None)
    if body is not None and body.data and replies.find_markers(body.data):
        body.errors = [*body.errors, _("回复里还有待填写的内容（【请填写：…】），请先替换。")]
        return False
    return True


@bp.errorhandler(ComplaintChanged)
def _changed(exc):
    """Someone else changed the case first: show what changed, keep what the agent typed, apply nothing."""
    db.session.rollback()
    complaint = complaint_or_404(exc.reference)
    action = request.form.get("action", "")
    form_class = ACTION_FORMS.get(action)
    forms = {action: form_class()} if form_class else None
    if forms and action == "assign":
        forms[action].assignee.choices = _assignee_choices()
    since = utcnow() - RECENT_CHANGE
    changes = [e for e in complaint.events if aware(e.at) >= since] or complaint.events[-3:]
    return _case_page(complaint, revealed=False, forms=forms, status=409, conflict=changes)


@bp.post("/complaints/<reference>/reveal")
def reveal(reference):
    """Show card codes, ID and bank-card numbers unmasked, for this page view only; audited."""
    complaint = complaint_or_404(reference)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    audit.log("reveal", staff=current_user, complaint=complaint, client=client_address())
    return _case_page(complaint, revealed=True)


@bp.get("/complaints/<reference>/evidence/<int:evidence_id>")
def evidence(reference, evidence_id):
    """Open an evidence file: images inline, anything else as a download; every view is audited."""
    complaint = complaint_or_404(reference)
    item, path = followup.evidence_file(complaint, evidence_id) or abort(404)
    audit.log("evidence_view", staff=current_user, complaint=complaint, subject=item.original_name,
              client=client_address())
    inline = item.content_type in INLINE_TYPES
    response = send_file(path, mimetype=item.content_type, as_attachment=not inline,
                         download_name=item.original_name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@bp.post("/complaints/<reference>/presence")
def still_viewing(reference):
    """Heartbeat from the open case page (JavaScript), so colleagues see who has it open."""
    complaint = complaint_or_404(reference)
    presence.touch(current_user, complaint)
    viewers = presence.viewers([complaint.id], exclude=current_user).get(complaint.id, [])
    return {"viewers": viewers, "version": complaint.version}

