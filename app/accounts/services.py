"""Staff accounts: creation, sign-in with lockout, sessions that can be revoked, and TOTP two-factor."""
import datetime as dt
import secrets

import pyotp
import segno
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from app.accounts import audit
from app.accounts.models import Role, StaffMember
from app.extensions import db
from app.timeutil import aware, utcnow

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256
TOTP_ISSUER = "Kameng Help Portal"
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(Exception):
    """An account change was refused; `message` says why (shown to admins and on the CLI)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class LoginFailed(Exception):
    """Wrong email, wrong password, wrong code, disabled or locked: deliberately one answer."""


def normalize_email(email):
    """Lower-case and trim an email for lookups."""
    return (email or "").strip().lower()


def find(email):
    """Return the staff member with this email, or None."""
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.email == normalize_email(email)))


def get(member_id):
    """Return the staff member with this id, or None."""
    return db.session.get(StaffMember, member_id)


def check_password_rules(password):
    """Raise AccountError unless the password is long enough (length is what makes a password strong)."""
    if not PASSWORD_MIN_LENGTH <= len(password or "") <= PASSWORD_MAX_LENGTH:
        raise AccountError(f"密码至少 {PASSWORD_MIN_LENGTH} 个字符 / at least {PASSWORD_MIN_LENGTH} characters")


def create(email, role, password, display_name=None, actor=None, is_demo=False, now=None):
    """Create a staff account and commit it; raise AccountError when refused."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"邮箱格式不对 / invalid email: {exc}") from None
    if role not in set(Role):
        raise AccountError(f"角色只能是 {', '.join(Role)} / role must be one of {', '.join(Role)}")
    check_password_rules(password)
    if find(email):
        raise AccountError("这个邮箱已有账号 / an account with this email exists")
    name = (display_name or "").strip()[:40] or email.split("@")[0][:40]
    member = StaffMember(email=email, role=role, display_name=name, password_hash=_hasher.hash(password),
                         session_token=secrets.token_urlsafe(32), is_demo=is_demo, created_at=now or utcnow())
    db.session.add(member)
    db.session.flush()
    audit.record("account_create", staff=actor, subject=email, after={"role": role, "name": name}, now=now)
    db.session.commit()
    return member


def update(member, actor, role=None, active=None, totp_required=None, reset_totp=False, now=None):
    """Change an account's role, activity or two-factor settings; every change is audited."""
    before = _settings(member)
    if role is not None:
        member.role = Role(role)
    if active is not None:
        member.active = bool(active)
    if totp_required is not None:
        member.totp_required = bool(totp_required)
    if reset_totp:
        member.totp_secret, member.totp_last_step = None, None
    if member.active is False or reset_totp:
        member.session_token = secrets.token_urlsafe(32)  # signs the member out everywhere
    audit.record("account_update", staff=actor, subject=member.email, before=before, after=_settings(member), now=now)
    db.session.commit()


def _settings(member):
    return {"role": member.role, "active": member.active, "totp_required": member.totp_required,
            "totp_enrolled": member.totp_secret is not None}


def set_preferences(member, notify_by_email):
    """Choose whether alerts also come by email."""
    member.notify_by_email = bool(notify_by_email)
    db.session.commit()


def all_members():
    """Return every account, by name."""
    return db.session.scalars(sa.select(StaffMember).order_by(StaffMember.display_name)).all()


def load(user_id):
    """Flask-Login's loader: "id:token" names an active member whose session was not revoked."""
    member_id, _, token = (user_id or "").partition(":")
    member = db.session.get(StaffMember, int(member_id)) if member_id.isdigit() else None
    if member is None or not member.active or not token or not secrets.compare_digest(token, member.session_token or ""):
        return None
    return member


# ------------------------------------------------------------------ sign-in

def check_password(email, password, client=None, now=None):
    """Return the member when the password is right and the account usable; raise LoginFailed otherwise."""
    now = now or utcnow()
    member = find(email)
    password_ok = _verify(member.password_hash if member else _DUMMY_HASH, password or "")
    if member is None:
        _failed(None, email, client, now, "unknown_email")
    elif member.locked_until and aware(member.locked_until) > now:
        _failed(member, email, client, now, "locked")
    elif not password_ok or not member.active:
        _count_failure(member, now)
        _failed(member, email, client, now, "wrong_password" if member.active else "disabled")
    return member


def _verify(password_hash, password):
    try:
        return _hasher.verify(password_hash, password[:PASSWORD_MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(member, now):
    config = current_app.config
    member.failed_logins += 1
    if member.failed_logins >= config["STAFF_MAX_FAILED_LOGINS"]:
        member.locked_until = now + dt.timedelta(minutes=config["STAFF_LOCK_MINUTES"])
        member.failed_logins = 0


def _failed(member, email, client, now, reason):
    audit.record("login_failure", staff=member, subject=normalize_email(email)[:254], after={"reason": reason},
                 client=client, now=now)
    db.session.commit()
    raise LoginFailed()


def start_session(member, client=None, now=None):
    """Sign the member in: a fresh session token, failures cleared, the sign-in audited."""
    now = now or utcnow()
    member.session_token = secrets.token_urlsafe(32)
    member.failed_logins, member.locked_until, member.last_login_at = 0, None, now
    audit.record("login_success", staff=member, subject=member.email, client=client, now=now)
    db.session.commit()
    return member


def end_session(member, client=None, reason="logout", now=None):
    """Sign out: the old session token stops working on every device."""
    member.session_token = secrets.token_urlsafe(32)
    audit.record(reason, staff=member, subject=member.email, client=client, now=now)
    db.session.commit()


# ------------------------------------------------------------------ two-factor

def new_totp_secret():
    """Return a fresh base32 TOTP secret."""
    return pyotp.random_base32()


def totp_qr_svg(member, secret):
    """Return the enrolment QR code as inline SVG, drawn here (never by a third-party service)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=member.email, issuer_name=TOTP_ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff",
                                                 title=f"{TOTP_ISSUER}: {member.email}")


def enrol_totp(member, secret, code, client=None, now=None):
    """Save the secret once the member proves their app shows the right code; raise LoginFailed if not."""
    now = now or utcnow()
    step = _matching_step(secret, code, now)
    if step is None:
        raise LoginFailed()
    member.totp_secret, member.totp_last_step = secret, step
    audit.record("totp_enrol", staff=member, subject=member.email, client=client, now=now)
    db.session.commit()


def check_totp(member, code, client=None, now=None):
    """Accept a current, unused code; a wrong code counts towards the lockout like a wrong password."""
    now = now or utcnow()
    if not member.active:  # disabled between the password step and this one
        _failed(member, member.email, client, now, "disabled")
    if member.locked_until and aware(member.locked_until) > now:
        _failed(member, member.email, client, now, "locked")
    step = _matching_step(member.totp_secret, code, now)
    if step is None or (member.totp_last_step is not None and step <= member.totp_last_step):
        _count_failure(member, now)
        _failed(member, member.email, client, now, "wrong_totp")
    member.totp_last_step = step
    return member


def _matching_step(secret, code, now):
    """Return the time step whose code matches (one step of clock drift either way), else None."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not secret or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step - 1, step, step + 1):
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None
