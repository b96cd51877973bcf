"""Create demo complaints that walk through the real services, spread over the last four weeks."""
import datetime as dt
import random
import secrets

import sqlalchemy as sa

from app.accounts import services as accounts
from app.accounts.models import Role
from app.complaints import casework, services
from app.complaints.models import Complaint
from app.demo.history import DEMO_LABEL
from app.demo.timing import FILING_HOURS, OFFICE_HOURS, within
from app.extensions import db
from app.timeutil import utcnow

STORIES = {
    "card_code_invalid": ["买的 50 元游戏点卡，卡密一输入就提示“已被使用”，我是刚提取的。",
                          "礼品卡卡密提示无效，核对了好几遍没有输错。"],
    "topup_not_arrived": ["给手机充了 100 元话费，订单显示成功，但运营商那边没到账。",
                          "游戏直充 648 元，角色里一直没收到，区服和账号都核对过。"],
    "paid_not_delivered": ["付款后订单一直是待发货，已经超过承诺的发货时间。"],
    "refund": ["申请退款三个工作日了还没退回支付宝，想知道进度。", "买错面值申请退款，卖家同意了但钱没退回来。"],
    "seller_fraud": ["卖家让我加微信私下交易，付款后就把我拉黑了。"],
    "account_security": ["账号被冻结，提示异常登录，我本人没有做违规操作。"],
    "payment": ["同一个订单被扣了两次钱，银行卡账单上有两笔。"],
    "other": ["希望平台能提供更多的支付方式。"],
}
OUTCOMES = ("resolved", "resolved", "resolved", "rejected", "in_review", "awaiting_user", "received", "withdrawn")
STAFF = ("客服小李", "客服小王", "客服阿杰")
# Ratings by outcome, as weights for 5, 4, 3, 2 and 1 points; some owners never rate.
RATING_WEIGHTS = {"resolved": (46, 30, 14, 6, 4), "rejected": (6, 12, 28, 26, 28)}
RATED_SHARE = 0.75
RATING_COMMENTS = {5: "处理很快，谢谢客服。", 4: "解决了，就是等得有点久。", 3: "结果还行，沟通可以更主动一点。",
                   2: "处理太慢，中间没人告诉我进度。", 1: "不认可这个结果。"}


class DemoRefused(Exception):
    """Demo data may not be written to this database."""


def seed(count=24, seed_value=2026, now=None):
    """Create `count` labelled demo complaints; return [(reference, access_code)]."""
    ensure_demo_only()
    rng = random.Random(seed_value)
    now = now or utcnow()
    created, team = [], demo_team()
    for index in range(count):
        category = rng.choice(list(STORIES))
        filed_at = within(now - dt.timedelta(days=rng.uniform(1, 28)), FILING_HOURS, rng)
        complaint, code = services.create_complaint(_data(rng, category, index), is_demo=True, now=filed_at)
        _progress(complaint, rng.choice(OUTCOMES), rng, filed_at, now, team)
        created.append((complaint.reference, code))
    return created


def has_complaints():
    """Tell whether the database already holds any complaint."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) > 0


def ensure_demo_only():
    """Raise DemoRefused when the database holds any complaint that is not demo data: it is no place for demo data."""
    if db.session.scalar(sa.select(Complaint.id).where(Complaint.is_demo.is_(False)).limit(1)) is not None:
        raise DemoRefused("This database holds real complaints; demo data is never mixed into it.")


def _data(rng, category, index):
    return {"category": category, "description": DEMO_LABEL + rng.choice(STORIES[category]),
            "details": {"order_number": f"KM2026{rng.randrange(10**13, 10**14)}"},
            "contact_email": f"demo{index}@demo.example", "notify_via": "email",
            "consent_publish": rng.random() < 0.6}


def _progress(complaint, outcome, rng, filed_at, now, team):
    """Walk the complaint towards `outcome` through the real services; a step not due by `now` is left out."""
    taken = within(filed_at + dt.timedelta(hours=rng.uniform(1, 20)), OFFICE_HOURS, rng)
    staff = rng.choice(team)
    if outcome == "received" or taken > now:
        return
    if outcome == "withdrawn":
        services.withdraw(complaint, "问题已经自行解决", now=within(taken, FILING_HOURS, rng))
        return
    casework.perform(complaint, staff, "take", {}, None, now=taken)
    if outcome == "awaiting_user":
        asked = within(taken + dt.timedelta(hours=rng.uniform(0.5, 3)), OFFICE_HOURS, rng)
        if asked <= now:
            casework.perform(complaint, staff, "request_info",
                             {"body": "请上传支付记录截图和订单详情截图，方便我们核实。"}, None, now=asked)
    elif outcome in ("resolved", "rejected"):
        decided = within(taken + dt.timedelta(days=rng.uniform(0.5, 4)), OFFICE_HOURS, rng)
        if decided > now:
            return
        fields = ({"outcome": "replacement", "body": "已核实，已为你补发卡密。"} if outcome == "resolved"
                  else {"body": "经核实卡密在提取后已被本人账号使用，无法退款。"})
        casework.perform(complaint, staff, "resolve" if outcome == "resolved" else "reject", fields, None,
                         now=decided)
        _rate(complaint, outcome, rng, decided, now)


def _rate(complaint, outcome, rng, decided, now):
    """Let most owners rate the outcome, with the spread real ratings have (resolved rate higher than rejected)."""
    rated = within(decided + dt.timedelta(hours=rng.uniform(1, 48)), FILING_HOURS, rng)
    if rng.random() > RATED_SHARE or rated > now:
        return
    score = rng.choices((5, 4, 3, 2, 1), weights=RATING_WEIGHTS[outcome])[0]
    services.rate(complaint, score, RATING_COMMENTS[score] if rng.random() < 0.5 else None, now=rated)


def demo_team(names=STAFF, kind="agent", role=Role.AGENT):
    """The labelled demo staff who handle the demo complaints; they have random passwords nobody knows."""
    team = []
    for index, name in enumerate(names):
        email = f"demo-{kind}{index}@demo.example"
        team.append(accounts.find(email) or accounts.create(email, role, secrets.token_urlsafe(24),
                                                            display_name=name, is_demo=True))
    return team


def demo_logins():
    """Labelled demo accounts to try the console with: [(role, email, password)] for those created now."""
    created = []
    for role in (Role.AGENT, Role.SUPERVISOR):
        email = f"demo-{role}@demo.example"
        if accounts.find(email):
            continue
        password = secrets.token_urlsafe(12)
        accounts.create(email, role, password, display_name=f"演示{'主管' if role == Role.SUPERVISOR else '客服'}",
                        is_demo=True)
        created.append((role, email, password))
    return created
