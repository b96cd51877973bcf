"""Check whether a phone number, QQ, WeChat id, email or URL really is one of our official channels."""
import datetime as dt
import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.contact.channels import fail, read_yaml
from app.contact.models import FakeReport, ReportStatus
from app.extensions import db
from app.i18n import localized
from app.timeutil import aware

logger = logging.getLogger("portal.contact")

FAKES_FILE = "known_fakes.yaml"
FAKE_KINDS = ("phone", "qq", "wechat", "email", "url", "account")
MAX_VALUE_LENGTH = 200
# What normalize() calls a value, as a kind of known fake; a reported number may be a phone or a QQ number.
_FAKE_KIND = {"number": "phone", "email": "email", "url": "url", "account": "account"}
SCAM_PATTERNS = (
    _l("索要卡密、登录密码、支付密码或短信验证码"),
    _l("要求屏幕共享，或让你下载远程控制、会议类软件"),
    _l("发来“退款链接”或二维码，让你填写银行卡号"),
    _l("让你转账到个人账户，或以“解冻”“保证金”为名先付钱"),
    _l("主动加你 QQ、微信，自称“官方客服”催你马上操作"),
)
_EMAIL = re.compile(r"^[^@\s/]+@([a-z0-9-]+\.)+[a-z0-9-]{2,}$")
_DOMAIN = re.compile(r"^([a-z0-9-]+\.)+[a-z]{2,}(:\d+)?([/?#].*)?$")
_NUMBER_SEPARATORS = re.compile(r"[\s\-–—().·_/]")


@dataclass(frozen=True)
class KnownFake:
    """A fake customer-service contact that staff confirmed."""

    value: str
    kind: str
    reported: dt.date
    note: str
    note_en: str


@dataclass(frozen=True)
class Verdict:
    """The answer to "is this really customer service?"."""

    kind: str  # number | email | url | account
    key: str  # the normalised value that was compared
    official: bool
    channel: object = None  # the matching Channel, if any
    known_fake: KnownFake | None = None
    lookalike: bool = False  # not official, but borrows our name ("kameng")


_LABEL = re.compile(r"^(微信号?|公众号|微博|qq号?|电话|手机|热线|客服电话|邮箱|email|wechat|weibo|tel)\s*[:：]?\s*")
_EXTENSION = re.compile(r"\s*(转|ext\.?|分机)\s*\d{1,5}$")


def normalize(value):
    """Return (kind, key): full-width to half-width, lower case, numbers without spaces, dashes or +86."""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    for prefix in ("tel:", "mailto:", "weixin://", "wechat:"):
        text = text.removeprefix(prefix)
    # People paste what they were told: "微信 kameng_service", "电话：400-618-5200 转 1".
    text = _LABEL.sub("", text).strip()
    text = _EXTENSION.sub("", text).strip()
    if "@" in text[1:] and _EMAIL.match(re.sub(r"\s+", "", text)):
        return "email", re.sub(r"\s+", "", text)
    if text.startswith(("http://", "https://", "www.")) or _DOMAIN.match(text):
        return "url", _host(text)
    number = _NUMBER_SEPARATORS.sub("", text)
    if re.fullmatch(r"\+?\d{3,}", number):
        return "number", _strip_country_code(number)
    return "account", re.sub(r"\s+", "", text).lstrip("@")


def verify(value, directory, fakes):
    """Compare `value` with the official channels and the known fakes."""
    kind, key = normalize(value)
    if kind == "url" and _on_domains(key, directory.official_domains):
        return Verdict(kind, key, True, _official_index(directory).get(("url", key)))
    channel = _official_index(directory).get((kind, key))
    if channel is not None:
        return Verdict(kind, key, True, channel)
    fake = next((f for f in fakes if _matches_fake(kind, key, f)), None)
    return Verdict(kind, key, False, known_fake=fake, lookalike="kameng" in key or "卡盟" in key)


def warning_for(verdict):
    """Return the warning for a value that is not official (stronger for a known fake), else None."""
    if verdict.official:
        return None
    fake = verdict.known_fake
    if fake is not None:
        return _("警告：这是工作人员已确认的冒充客服联系方式（%(date)s 报告：%(note)s）。请立即停止联系，"
                 "不要提供卡密、密码或验证码，也不要转账；如已受骗，请拨打 110 或反诈专线 96110。",
                 date=fake.reported.isoformat(), note=localized(fake.note, fake.note_en))
    text = _("这不是卡盟的官方客服渠道。官方客服绝不会索要卡密、密码或验证码，不会要求屏幕共享，也不会发“退款链接”。")
    if verdict.lookalike:
        text += " " + _("它借用了卡盟的名字，很可能是仿冒的。")
    return text


def current_fakes():
    """Return the known fakes: content/known_fakes.yaml, then the values staff confirmed from visitors' reports."""
    return merge_fakes(load_known_fakes(current_app.config["CONTENT_DIR"]),
                       confirmed_fakes(ZoneInfo(current_app.config["PORTAL_TIMEZONE"])))


def merge_fakes(listed, confirmed):
    """Return `listed` (the YAML file) followed by each confirmed fake that no listed entry already covers."""
    return (*listed, *(fake for fake in confirmed
                       if not any(_matches_fake(*normalize(fake.value), entry) for entry in listed)))


def confirmed_fakes(zone):
    """Return the reported values staff confirmed, one per value, dated by its first report (one small query)."""
    rows = sa.select(FakeReport.kind, FakeReport.key, FakeReport.value, FakeReport.created_at,
                     FakeReport.decision_note).where(FakeReport.status == ReportStatus.CONFIRMED)
    try:
        found = db.session.execute(rows.order_by(FakeReport.created_at, FakeReport.id)).all()
    except sa.exc.SQLAlchemyError:
        # The verifier must keep answering from the YAML list even when the database does not.
        db.session.rollback()
        logger.exception("could not read the confirmed fake reports")
        return ()
    fakes = {}
    for kind, key, value, created_at, note in found:
        fakes.setdefault((kind, key), KnownFake(value, _FAKE_KIND[kind], aware(created_at).astimezone(zone).date(),
                                                note or "", ""))
    return tuple(fakes.values())


def load_known_fakes(content_dir):
    """Load known_fakes.yaml from `content_dir`, cached until the file changes."""
    path = Path(content_dir) / FAKES_FILE
    return _load_known_fakes(str(path), path.stat().st_mtime_ns if path.exists() else 0)


@functools.lru_cache(maxsize=8)
def _load_known_fakes(path, mtime):
    data = read_yaml(path) if mtime else {}
    items = (data or {}).get("fakes") or []
    if not isinstance(items, list):
        fail(f"{path}: fakes", "expected a list")
    return tuple(_fake(item, f"{path}: fakes[{i}]") for i, item in enumerate(items))


def _fake(item, where):
    if not isinstance(item, dict):
        fail(where, "expected a mapping")
    for key in ("value", "note", "note_en"):
        if not isinstance(item.get(key), (str, int)) or not str(item[key]).strip():
            fail(f"{where}.{key}", "required text is missing")
    if item.get("kind") not in FAKE_KINDS:
        fail(f"{where}.kind", f"expected one of {', '.join(FAKE_KINDS)}")
    if not isinstance(item.get("reported"), dt.date):
        fail(f"{where}.reported", "expected the date it was reported (YYYY-MM-DD)")
    return KnownFake(str(item["value"]), item["kind"], item["reported"], item["note"], item["note_en"])


@functools.lru_cache(maxsize=8)
def _official_index(directory):
    """Map (kind, normalised value) to the channel; the first channel listing a value wins."""
    index = {}
    for channel in directory.channels:
        for value in (channel.value, *channel.verify_values):
            index.setdefault(normalize(value), channel)
    return index


def _matches_fake(kind, key, fake):
    fake_kind, fake_key = normalize(fake.value)
    if kind == "url" and fake_kind == "url":
        return _on_domains(key, (fake_key,))
    return (kind, key) == (fake_kind, fake_key)


def _host(text):
    host = urlsplit(text if "://" in text else "//" + text).hostname or ""
    return host.removeprefix("www.")


def _on_domains(host, domains):
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _strip_country_code(number):
    """Drop +86 / 0086 / 86 before a 10-digit 400 number or an 11-digit mobile number."""
    number = number.lstrip("+")
    for prefix in ("0086", "86"):
        if number.startswith(prefix) and len(number) - len(prefix) in (10, 11):
            return number[len(prefix):]
    return number
