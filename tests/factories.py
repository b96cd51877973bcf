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
    now = data.pop("now", None)
    return services.create_complaint(data, language=language, now=now)


def file_complaint(app, **overrides):
    """Create a complaint in its own app context; return (reference, access_code)."""
    with app.app_context():
        complaint, code = make_complaint(**overrides)
        return complaint.reference, code


def act_on(app, reference, service, *args, **kwargs):
    """Call a complaint service (staff_reply, staff_set_status, ...) on the complaint with this reference."""
    with app.app_context():
        return service(services.find_by_reference(reference), *args, **kwargs)
