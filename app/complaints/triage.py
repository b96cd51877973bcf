"""Automatic triage: suggested category, priority, scam signals and duplicate detection."""
import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.extensions import db

URGENT_CATEGORIES = ("seller_fraud",)
# How many of a contact's most recent complaints a new one is compared with when looking for a duplicate.
DUPLICATE_CANDIDATES = 50
URGENT_WORDS = ("诈骗", "被骗", "骗子", "被盗", "盗号", "未成年", "小孩", "孩子", "报警", "盗刷")
CATEGORY_WORDS = {
    "card_code_invalid": ("卡密", "无效", "已被使用", "已使用", "用不了", "充不进", "卡号", "兑换码"),
    "topup_not_arrived": ("没到账", "未到账", "不到账", "没到", "到账", "话费", "直充"),
    "paid_not_delivered": ("不发货", "没发货", "未发货", "没给货", "待发货"),
    "refund": ("退款", "退钱", "退回", "退费"),
    "seller_fraud": ("卖家", "商家", "跑路", "假货", "骗"),
    "account_security": ("冻结", "被盗", "盗号", "登录不了", "登不上", "封号", "异地登录"),
    "payment": ("扣款", "扣了两次", "重复扣", "多扣", "扣费", "发票"),
}
SCAM_PATTERNS = {
    "asks_for_codes": (r"(客服|工作人员|官方).{0,12}(要|索要|让我|叫我|发).{0,8}(卡密|密码|验证码)",
                       _l("对方以客服名义索要卡密、密码或验证码")),
    "screen_sharing": (r"屏幕共享|共享屏幕|远程(控制|协助|操作)|向日葵|todesk|teamviewer|会议软件|腾讯会议",
                       _l("对方要求屏幕共享或下载远程控制软件")),
    "private_deal": (r"(加|私聊|联系).{0,4}(qq|微信|vx|wx)|私下交易|站外交易|线下交易", _l("对方要求加 QQ / 微信私下交易")),
    "off_platform_transfer": (r"转账到|转到.{0,6}(个人|私人)|私人账户|对公账户|保证金.{0,6}转|解冻费|手续费.{0,6}转",
                              _l("对方要求转账到个人账户或交“解冻费”")),
    "order_brushing": (r"刷单|刷信誉|做任务.{0,6}返|返利|垫付", _l("刷单、做任务返利")),
    "refund_link": (r"(退款|理赔|赔付|补偿).{0,6}(链接|网址|二维码)|点击链接.{0,8}退款", _l("对方发来“退款链接”或二维码")),
}


@dataclass
class Triage:
    priority: str = "normal"
    suggested_category: str | None = None
    reasons: list = field(default_factory=list)
    duplicate_of_id: int | None = None


def scam_signals(text):
    """Return [(signal_id, description)] for known scam scripts found in `text`."""
    lowered = (text or "").lower()
    return [(signal, label) for signal, (pattern, label) in SCAM_PATTERNS.items() if re.search(pattern, lowered)]


def suggest_category(chosen, description):
    """Return a better-fitting category when the text clearly says something else, else None."""
    scores = {cat: sum(word in description for word in words) for cat, words in CATEGORY_WORDS.items()}
    best = max(scores, key=scores.get)
    if scores[best] >= 2 and scores[best] > scores.get(chosen, 0) + 1 and best != chosen:
        return best
    return None


def priority_for(description, amount_cents, repeat_contacts, reopened=False, category=None):
    """Return (priority, reasons): fraud, theft and minors are urgent; then amount, repeats and reopening."""
    reasons = [f"keyword:{w}" for w in URGENT_WORDS if w in (description or "")]
    reasons += [f"scam:{signal}" for signal, _ in scam_signals(description)]
    if category in URGENT_CATEGORIES:
        reasons.append(f"category:{category}")
    if reasons:
        return "urgent", reasons
    if amount_cents and amount_cents >= current_app.config["COMPLAINT_HIGH_AMOUNT_CENTS"]:
        reasons.append("amount")
    if repeat_contacts:
        reasons.append("repeat_contact")
    if reopened:
        reasons.append("reopened")
    return ("high" if reasons else "normal"), reasons


def same_order(model, order_number, since):
    """The id of the first complaint since `since` about the same order, or None."""
    if not order_number:
        return None
    return db.session.scalar(sa.select(model.id).where(
        model.created_at >= since, model.order_number == order_number).order_by(model.created_at).limit(1))


def similar_text(recent, description):
    """The id of the oldest of `recent` ((id, description) pairs) whose text is like `description`, or None."""
    for other_id, other_description in reversed(recent):  # oldest first: point at the first of a series
        if difflib.SequenceMatcher(None, other_description, description).ratio() >= 0.6:
            return other_id
    return None


def recent_by_contact(model, email, phone, since, limit):
    """The (id, description) of this contact's latest `limit` complaints since `since` (same email or same
    phone), newest first; empty when the complaint gave no contact.

    Only that many are compared, so someone who files hundreds does not make each new one slower to accept:
    each contact field is read newest first from its (field, filing time) index and stops at `limit`.
    """
    found = {}
    for column, value in ((model.contact_email, email), (model.contact_phone, phone)):
        if value:
            found.update((row.id, row) for row in db.session.execute(
                sa.select(model.id, model.description, model.created_at)
                .where(column == value, model.created_at >= since).order_by(model.created_at.desc()).limit(limit)))
    newest = sorted(found.values(), key=lambda row: (row.created_at, row.id), reverse=True)[:limit]
    return [(row.id, row.description) for row in newest]


def triage(model, data, now):
    """Triage validated complaint `data` (dict) at time `now`.

    A duplicate is a recent complaint about the same order, or else one from the same contact with a similar
    text. One query reads the contact's recent complaints: any at all makes a repeat contact, and their texts
    are the candidates (one row is enough once the order matched).
    """
    since = now - dt.timedelta(days=current_app.config["COMPLAINT_DUPLICATE_WINDOW_DAYS"])
    duplicate = same_order(model, data.get("order_number"), since)
    recent = recent_by_contact(model, data.get("contact_email"), data.get("contact_phone"), since,
                               limit=1 if duplicate else DUPLICATE_CANDIDATES)
    priority, reasons = priority_for(data["description"], data.get("amount_cents"), len(recent),
                                     category=data["category"])
    return Triage(priority=priority, reasons=reasons,
                  suggested_category=suggest_category(data["category"], data["description"]),
                  duplicate_of_id=duplicate or similar_text(recent, data["description"]))
