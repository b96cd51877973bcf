"""Normalise and validate complaint input; shared by the web journey and the API.

Each `clean_*` function returns the normalised value or raises ValueError with a localised message;
`complaint_data` checks everything a draft or an API request holds at once.
"""
import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.complaints import completeness
from app.complaints.categories import CATEGORIES, DETAIL_FIELDS
from app.i18n import join_list

NOTIFY_CHANNEL_NAMES = {"email": _l("邮件"), "sms": _l("短信")}
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 3000
TEXT_MAX = 200
MAX_AMOUNT = Decimal("1000000")
_SEPARATORS = re.compile(r"[\s\-–—_()()·.]+")
_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                     "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")


def _fold(value):
    if value is not None and not isinstance(value, (str, int, float)):
        raise ValueError(_l("格式不正确。"))
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _plain(text):
    """Drop control characters (NUL cannot even be stored by PostgreSQL) but keep line breaks and tabs."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def clean_order_number(value):
    """KM followed by 18 digits; spaces, dashes, lower case and full-width characters are forgiven."""
    folded = _SEPARATORS.sub("", _fold(value)).upper()
    if not re.fullmatch(r"KM\d{18}", folded):
        raise ValueError(_l("订单号应为 KM 开头加 18 位数字，可在“我的订单”中长按复制。"))
    return folded


def clean_phone(value):
    """A mainland mobile number; +86, 0086, spaces and dashes are forgiven."""
    digits = _SEPARATORS.sub("", _fold(value))
    digits = re.sub(r"^(\+86|0086|86)(?=1\d{10}$)", "", digits)
    if not re.fullmatch(r"1[3-9]\d{9}", digits):
        raise ValueError(_l("请填写 11 位中国大陆手机号，例如 138 0013 8000。"))
    return digits


def clean_email(value):
    """A syntactically valid email address, normalised to lower case so lookups ignore case."""
    try:
        return validate_email(_fold(value), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValueError(_l("邮箱格式不正确，例如 name@example.com。")) from None


def clean_amount(value):
    """An amount in yuan （¥, 元 and thousands separators forgiven）， returned in cents."""
    text = re.sub(r"[¥￥元\s]|rmb|cny", "", _fold(value).lower())
    if not re.fullmatch(r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", text):  # thousands separators only where they belong
        raise ValueError(_l("请填写金额数字，例如 100 或 99.50。"))
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(_l("请填写金额数字，例如 100 或 99.50。")) from None
    if not Decimal("0") < amount <= MAX_AMOUNT or amount.as_tuple().exponent < -2:
        raise ValueError(_l("金额应大于 0、不超过 100 万元，最多两位小数。"))
    return int(amount * 100)


def clean_datetime(value, now):
    """A purchase time not in the future; returns ISO text 'YYYY-MM-DDTHH:MM'."""
    text = _fold(value)
    for fmt in _DATETIME_FORMATS:
        try:
            moment = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise ValueError(_l("请按“年-月-日 时：分”填写，例如 2026-11-20 14:30。"))
    if moment.year < 2000:
        raise ValueError(_l("购买时间太早了，请检查年份。"))
    # Purchase times are typed in the portal's time (Beijing time); a few minutes of clock skew are forgiven.
    portal_zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    local_now = now.astimezone(portal_zone).replace(tzinfo=None) if now.tzinfo else now
    if moment > local_now + dt.timedelta(minutes=10):
        raise ValueError(_l("购买时间不能晚于现在。"))
    return moment.strftime("%Y-%m-%dT%H:%M")


def clean_text(value, max_length=TEXT_MAX):
    """Free text up to `max_length` characters, stripped."""
    text = _plain(_fold(value))
    if len(text) > max_length:
        raise ValueError(_l("最多 %(max)d 个字。", max=max_length))
    return text


def clean_description(value):
    """The problem description: long enough to act on, short enough to read."""
    if value is not None and not isinstance(value, str):
        raise ValueError(_l("格式不正确。"))
    text = _plain(value or "").strip()
    if len(text) < DESCRIPTION_MIN:
        raise ValueError(_l("请至少写 %(min)d 个字：发生了什么、什么时候、你希望怎么处理。", min=DESCRIPTION_MIN))
    if len(text) > DESCRIPTION_MAX:
        raise ValueError(_l("描述最多 %(max)d 个字，更多内容可以上传为文件。", max=DESCRIPTION_MAX))
    return text


def clean_detail(field_id, value, now):
    """Validate one category detail by its kind."""
    field = DETAIL_FIELDS[field_id]
    if field.kind == "order_number":
        return clean_order_number(value)
    if field.kind == "datetime":
        return clean_datetime(value, now)
    if field.kind == "amount":
        return clean_amount(value)
    if field.kind == "choice":
        if value not in {key for key, _ in field.choices}:
            raise ValueError(_l("请从列表中选择。"))
        return value
    return clean_text(value)


def clean_details(category_id, details, now):
    """Validate the details a category asks for; return (clean, errors)."""
    category = CATEGORIES[category_id]
    clean, errors = {}, {}
    for field_id in category.required + category.optional:
        raw = (details or {}).get(field_id)
        if raw in (None, ""):
            if field_id in category.required:
                errors[field_id] = _l("请填写%(label)s。", label=DETAIL_FIELDS[field_id].label)
            continue
        try:
            clean[field_id] = clean_detail(field_id, raw, now)
        except ValueError as exc:
            errors[field_id] = exc.args[0]
    return clean, errors


def clean_contact(email, phone, notify_via):
    """Validate contact details: at least one way to reach the user, matching the preferred one."""
    clean, errors = {"contact_email": None, "contact_phone": None, "notify_via": notify_via}, {}
    for key, raw, cleaner in (("contact_email", email, clean_email), ("contact_phone", phone, clean_phone)):
        if raw:
            try:
                clean[key] = cleaner(raw)
            except ValueError as exc:
                errors[key] = exc.args[0]
    if not (email or phone):
        errors["contact_email"] = _l("请至少留下邮箱或手机号中的一项，方便我们联系你。")
    if notify_via not in NOTIFY_CHANNEL_NAMES:
        errors["notify_via"] = _l("请选择通知方式。")
    elif notify_via not in current_app.config["NOTIFY_CHANNELS"]:  # e.g. SMS, when no gateway can send it
        errors["notify_via"] = _l("暂时不能通过%(channel)s通知你，请改用%(offered)s。",
                                  channel=NOTIFY_CHANNEL_NAMES[notify_via], offered=offered_channel_names())
    elif not errors and not clean["contact_email" if notify_via == "email" else "contact_phone"]:
        errors["notify_via"] = (_l("要用邮件通知你，请填写邮箱。") if notify_via == "email"
                                else _l("要用短信通知你，请填写手机号。"))
    return clean, errors


def offered_channel_names():
    """Name the notification channels this deployment can deliver, e.g. "邮件" or "邮件、短信"."""
    return join_list(NOTIFY_CHANNEL_NAMES[c] for c in current_app.config["NOTIFY_CHANNELS"])


def complaint_data(draft_data, evidence_kinds, now):
    """Validate everything a draft (or an API request) holds; return (data for create_complaint, errors by field).

    Every field is checked so one answer lists all problems; data is None when category or description is unusable.
    """
    errors = {}
    category = draft_data.get("category")
    if not isinstance(category, str) or category not in CATEGORIES:
        errors["category"], category = _l("请选择问题类型。"), None
    try:
        description = clean_description(draft_data.get("description"))
    except ValueError as exc:
        errors["description"], description = exc.args[0], None
    details = {}
    if category:
        details, detail_errors = clean_details(category, draft_data.get("details", {}), now)
        errors.update(detail_errors)
    contact, contact_errors = clean_contact(draft_data.get("contact_email"), draft_data.get("contact_phone"),
                                            draft_data.get("notify_via"))
    errors.update(contact_errors)
    if not draft_data.get("consent_privacy"):
        errors["consent_privacy"] = _l("需要同意隐私说明才能提交投诉。")
    if category is None or description is None:
        return None, errors
    score = completeness.assess(category, details, evidence_kinds, description).score
    data = {"category": category, "description": description, "details": details, **contact,
            "order_number": details.get("order_number"), "amount_cents": details.get("amount"),
            "consent_publish": bool(draft_data.get("consent_publish")), "completeness": score}
    return data, errors
