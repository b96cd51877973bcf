"""Sign-in (password, then a TOTP code when enrolled), sign-out and two-factor enrolment."""
import time
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts import alerts, services as accounts
from app.extensions import limiter
from app.staff.blueprint import bp, client_address
from app.staff.forms import ConfirmForm, LoginForm, PreferencesForm, TotpForm

PENDING_KEY = "staff_pending"  # a member who passed the password step and still owes a TOTP code
ENROL_KEY = "staff_totp_enrol"
LOGIN_LIMIT = "10 per minute;60 per hour"
PENDING_SECONDS = 300  # the code step must follow the password step within five minutes


def _login_failed_message():
    # One answer for unknown emails, wrong passwords, wrong codes and locked accounts.
    return _("邮箱、密码或验证码不正确。连续输错 5 次，账号会锁定 15 分钟。")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    """Step one: email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue_page"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            member = accounts.check_password(form.email.data, form.password.data, client_address())
        except accounts.LoginFailed:
            form.password.errors.append(_login_failed_message())
        else:
            if member.totp_secret:
                session[PENDING_KEY] = {"id": member.id, "next": _safe_next(), "at": int(time.time())}
                return redirect(url_for("staff.login_totp"))
            return _signed_in(member)
    return render_template("staff/login.html", form=form), 200 if not form.errors else 400


@bp.route("/login/totp", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login_totp():
    """Step two: the code from the member's authenticator app."""
    pending = session.get(PENDING_KEY)
    member = pending and time.time() - pending.get("at", 0) < PENDING_SECONDS and accounts.get(pending["id"])
    if not member:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("staff.login"))
    form = TotpForm()
    if form.validate_on_submit():
        try:
            accounts.check_totp(member, form.code.data, client_address())
        except accounts.LoginFailed:
            form.code.errors.append(_login_failed_message())
        else:
            return _signed_in(member, pending.get("next"))
    return render_template("staff/login_totp.html", form=form), 200 if not form.errors else 400


def _signed_in(member, next_url=None):
    next_url = next_url or _safe_next()
    accounts.start_session(member, client_address())
    # A fresh session: nothing a visitor set before signing in (or an attacker planted) survives.
    session.clear()
    login_user(member)
    return redirect(next_url or url_for("staff.queue_page"))


def _safe_next():
    """Only a path inside the console may be the place to return to after signing in."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    inside = parts.path == "/staff" or parts.path.startswith("/staff/")  # not /staffevil
    if parts.scheme or parts.netloc or not inside or "\\" in target:
        return None
    return target


@bp.post("/logout")
def logout():
    """Sign out here and on every other device."""
    if ConfirmForm().validate_on_submit():
        accounts.end_session(current_user, client_address())
        logout_user()
        session.clear()
        flash(_("已退出客服工作台。"), "success")
    return redirect(url_for("staff.login"))


@bp.route("/totp/setup", methods=["GET", "POST"])
def totp_setup():
    """Enrol an authenticator app: scan the QR code (drawn here, not by a third party), then confirm a code."""
    if current_user.totp_secret:
        # Replacing an enrolled second factor needs an admin's reset, never just a signed-in session.
        flash(_("两步验证已开启。以后登录时需要输入验证器上的验证码。"), "info")
        return redirect(url_for("staff.queue_page"))
    secret = session.get(ENROL_KEY) or accounts.new_totp_secret()
    session[ENROL_KEY] = secret
    form = TotpForm()
    if form.validate_on_submit():
        try:
            accounts.enrol_totp(current_user, secret, form.code.data, client_address())
        except accounts.LoginFailed:
            form.code.errors.append(_("验证码不对。请确认手机时间准确，并输入验证器当前显示的 6 位数字。"))
        else:
            session.pop(ENROL_KEY, None)
            flash(_("两步验证已开启。以后登录时需要输入验证器上的验证码。"), "success")
            return redirect(url_for("staff.queue_page"))
    return render_template("staff/totp_setup.html", form=form, secret=secret,
                           qr_svg=accounts.totp_qr_svg(current_user, secret)), 400 if form.errors else 200


@bp.get("/alerts")
def alert_list():
    """My alerts: answers from users, assignments, cases about to go overdue, escalations."""
    return render_template("staff/alerts.html", alerts=alerts.recent(current_user), form=ConfirmForm(),
                           preferences=PreferencesForm(notify_by_email=current_user.notify_by_email))


@bp.post("/alerts/read")
def alerts_read():
    """Mark all my alerts read."""
    if ConfirmForm().validate_on_submit():
        alerts.mark_read(current_user)
    return redirect(url_for("staff.alert_list"))


@bp.post("/preferences")
def preferences():
    """Choose email or console-only alerts."""
    form = PreferencesForm()
    if form.validate_on_submit():
        accounts.set_preferences(current_user, form.notify_by_email.data)
        flash(_("提醒方式已保存。"), "success")
    return redirect(url_for("staff.alert_list"))
