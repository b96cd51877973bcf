"""Oversight: the dashboard, the audit log (supervisors) and account management (admins)."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import alerts, audit, services as accounts
from app.complaints import queue, reference as refs, services
from app.contact import reports
from app.kb import services as kb_services
from app.pagination import paginate, parse_page
from app.security import database_id
from app.staff.access import admin_required, supervisor_required
from app.staff.blueprint import bp
from app.staff.forms import ROLE_LABELS, AccountForm, AccountUpdateForm, AuditFilterForm
from app.timeutil import utcnow

AUDIT_PAGE_SIZE = 50
HANDLING_WINDOW = dt.timedelta(days=30)


@bp.get("/dashboard")
def dashboard():
    """Backlog by status and age, what is overdue, per-agent load, and the help center's content gaps."""
    now = utcnow()
    return render_template(
        "staff/dashboard.html", backlog=queue.backlog_by_age(now), age_buckets=queue.AGE_BUCKETS,
        overdue=queue.overdue_count(now), unassigned=queue.unassigned_open(),
        new_today=queue.new_since(_local_midnight(now)), escalated=queue.escalated_open(),
        load=queue.agent_load(alerts.active_members(), now - HANDLING_WINDOW),
        unhelpful=kb_services.unhelpful_articles(), gaps=kb_services.zero_result_searches(),
        fake_reports=reports.open_report_count())


def _local_midnight(now):
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    local = now.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(), zone)


@bp.get("/audit")
@supervisor_required
def audit_log():
    """The append-only audit log, filtered by staff member, complaint and kind."""
    form = AuditFilterForm(request.args)
    form.staff.choices = [("", _("全部"))] + [(str(m.id), m.display_name) for m in accounts.all_members()]
    form.kind.choices = [("", _("全部"))] + [(k, k) for k in audit.kinds()]
    complaint = _filter_complaint(form.reference.data)
    query = audit.entries(staff_id=database_id(form.staff.data),
                          complaint_id=complaint.id if complaint else None, kind=form.kind.data or None)
    if form.reference.data and complaint is None:
        query = query.where(False)
    page = paginate(query, parse_page(request.args.get("page")), AUDIT_PAGE_SIZE)
    return render_template("staff/audit.html", form=form, page=page,
                           args={k: v for k, v in request.args.items() if k != "page"})


def _filter_complaint(text):
    if not text:
        return None
    try:
        return services.find_by_reference(refs.normalize_reference(text))
    except refs.InvalidReference:
        return None


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def account_list():
    """Every staff account; admins create new ones here (or with `flask staff create`)."""
    form = AccountForm()
    if form.validate_on_submit():
        try:
            accounts.create(form.email.data, form.role.data, form.password.data, form.display_name.data,
                            actor=current_user)
        except accounts.AccountError as exc:
            form.email.errors.append(exc.message)
        else:
            flash(_("账号已创建。请把初始密码当面或通过安全渠道告诉对方。"), "success")
            return redirect(url_for("staff.account_list"))
    return render_template("staff/accounts.html", form=form, members=accounts.all_members(), role_labels=ROLE_LABELS,
                           update_form=AccountUpdateForm), 400 if form.errors else 200


@bp.post("/accounts/<int:member_id>")
@admin_required
def account_update(member_id):
    """Change a member's role, disable them, require or reset their two-factor sign-in."""
    member = accounts.get(member_id) or abort(404)
    form = AccountUpdateForm()
    if not form.validate_on_submit():
        abort(400)
    if member.id == current_user.id and (not form.active.data or form.role.data != member.role):
        flash(_("不能停用自己或修改自己的角色，请让另一位管理员操作。"), "error")
        return redirect(url_for("staff.account_list"))
    accounts.update(member, current_user, role=form.role.data, active=form.active.data,
                    totp_required=form.totp_required.data, reset_totp=form.reset_totp.data)
    flash(_("账号设置已保存。"), "success")
    return redirect(url_for("staff.account_list"))
