"""The staff blueprint and what every console request goes through: sign-in, idle sign-out, no caching."""
import time

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.accounts import alerts, services as accounts
from app.complaints import sensitive
from app.complaints.states import STATUS_LABELS
from app.staff.access import ENROLMENT_ENDPOINTS, PUBLIC_ENDPOINTS

bp = Blueprint("staff", __name__, url_prefix="/staff")
LAST_SEEN_KEY = "staff_last_seen"
# Sent by an open page's script, not by the member: they must not keep an unattended console signed in.
PASSIVE_ENDPOINTS = frozenset({"staff.still_viewing"})


def client_address():
    """The client address recorded in the audit log."""
    return request.remote_addr


@bp.before_request
def _require_sign_in():
    """Every console URL except the sign-in steps needs a signed-in, recently active member."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if _idle_too_long():
        accounts.end_session(current_user, client_address(), reason="idle_logout")
        logout_user()
        session.clear()
        flash(_("30 分钟没有操作，已自动退出。请重新登录。"), "info")
        # Only a page can be returned to: a form's POST URL answers GET with 405.
        back_to = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("staff.login", next=back_to))
    if request.endpoint not in PASSIVE_ENDPOINTS or LAST_SEEN_KEY not in session:
        session[LAST_SEEN_KEY] = int(time.time())
    if current_user.needs_totp and not current_user.totp_secret and request.endpoint not in ENROLMENT_ENDPOINTS:
        flash(_("你的角色需要先开启两步验证。"), "info")
        return redirect(url_for("staff.totp_setup"))
    return None


def _idle_too_long():
    last_seen = session.get(LAST_SEEN_KEY)
    return last_seen is not None and time.time() - last_seen > current_app.config["STAFF_IDLE_MINUTES"] * 60


@bp.after_request
def _no_store(response):
    """Console pages hold personal data: no cache or back-button history may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("staff_mask")
def staff_mask(text, revealed=False):
    """Card codes, ID and bank-card numbers stay masked until the agent reveals them (audited)."""
    return text if revealed else sensitive.mask(text)


@bp.context_processor
def _console_context():
    unread = alerts.unread_count(current_user) if current_user.is_authenticated else 0
    return {"status_labels": STATUS_LABELS, "unread_alerts": unread}

