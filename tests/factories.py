"""Persisted test objects with sane defaults."""
from app.complaints import services

VALID_COMPLAINT = {
    "category": "topup_not_arrived",
    "description": "昨天晚上充值了 100 元话费，到现在还没到账，订单显示已完成。",
    "details": {"order_number": "KM202611201234567890", "purchase_time": "2026-11-26T20:15",
                "topup_account": "13800138000"},
    "order_number": "KM202611201234567890",
    "contact_email": "user@example.com",
    "notify_via": "email",
}


def make_complaint(**overrides):
    """Create and commit a complaint; return (complaint, access_code)."""
    data = {**VALID_COMPLAINT, **overrides}
    language = data.pop("language", "zh")
    now, channel = data.pop("now", None), data.pop("channel", "web")
    return services.create_complaint(data, language=language, now=now, channel=channel)


def file_complaint(app, **overrides):
    """Create a complaint in its own app context; return (reference, access_code)."""
    with app.app_context():
        complaint, code = make_complaint(**overrides)
        return complaint.reference, code


def demo_agent(name="客服小李"):
    """Return the staff member with this display name, created on first use (inside an app context)."""
    import sqlalchemy as sa

    from app.accounts.models import StaffMember
    from app.extensions import db

    found = db.session.scalar(sa.select(StaffMember).where(StaffMember.display_name == name))
    return found or make_staff("agent", name=name)


def staff_act(app, reference, action, staff_name="客服小李", now=None, **fields):
    """Perform a console action (take, reply, request_info, resolve…) on the complaint with this reference."""
    from app.complaints import casework

    with app.app_context():
        complaint = services.find_by_reference(reference)
        return casework.perform(complaint, demo_agent(staff_name), action, fields, None, now=now)


def staff_act_on(complaint, action, staff_name="客服小李", now=None, **fields):
    """Perform a console action on a loaded complaint (inside an app context)."""
    from app.complaints import casework

    return casework.perform(complaint, demo_agent(staff_name), action, fields, None, now=now)

STAFF_PASSWORD = "correct horse battery staple"


def make_staff(role="agent", email=None, name=None, password=STAFF_PASSWORD, totp_secret=None):
    """Create and commit a staff account (call inside an app context)."""
    from app.accounts import services as accounts
    from app.extensions import db

    member = accounts.create(email or f"{role}-{accounts.secrets.token_hex(3)}@kameng.example", role, password,
                             display_name=name or {"agent": "客服阿杰", "supervisor": "主管小林", "admin": "管理员"}[role])
    if totp_secret:
        member.totp_secret = totp_secret
        db.session.commit()
    return member


def staff_login(client, email, password=STAFF_PASSWORD):
    """Sign in through the real form (CSRF is off in the testing config); return the response."""
    return client.post("/staff/login", data={"email": email, "password": password})
