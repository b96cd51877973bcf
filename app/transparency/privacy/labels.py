"""Values after a label: QQ 12345678, V信 abc_123, 卡密 XXXX, 订单号 ..., 账号 ...."""
import re

from app.complaints.sensitive import luhn_ok
from app.transparency.privacy.hits import Hit
from app.transparency.privacy.numbers import LANDLINE, MOBILE, SEP, valid_birth


def _ascii_words(*words):
    return "(?<![A-Za-z])(?:" + "|".join(words) + ")(?![A-Za-z])"


_LABEL_TAIL = r"(?:号码|号|码)?(?:\s*\d{1,2}(?=\s*[:：]))?\s*(?:[:：=#]|是|为)?\s*(?:是|为)?\s*"


def _digits(least, most):
    """A number of `least`..`most` digits, spaced or not, that is not the start of a longer one."""
    return rf"\d(?:{SEP}?\d){{{least - 1},{most - 1}}}(?!\d)"


_GROUP_CONTINUES = r"(?:[ \t](?=[A-Za-z]*\d|[A-Z0-9]{3,}(?![a-z]))[A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9])){2,})"
_CODE = rf"[A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9]))*{_GROUP_CONTINUES}*"
_HANDLE = r"[A-Za-z][A-Za-z0-9_\-]{3,19}(?![A-Za-z0-9_\-])|\d{5,11}(?![\d□])"
_ACCOUNT = r"[A-Za-z0-9][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*"
_UNIT_AFTER = re.compile(r"\s*(?:元|块|天|月|日|号(?!码)|年|次|个(?!人)|%|分(?!享)|小时|折|倍)")
_ENGLISH_WORDS = frozenset("""pay app apps group official account wallet support service transfer chat call video
scan code message moments friends login mini program store shop order refund qrcode steam""".split())
_LABELS = [
    # (type, rank, labels, value pattern, minimum compact length)
    ("bank_card", 1.5, r"银行卡|储蓄卡|信用卡|借记卡|银行账号|银行账户|" + _ascii_words(r"bank\s*card(?:\s*no\.?)?"),
     _digits(12, 19), 12),
    ("id_number", 1.5, r"身份证|身份号码|" + _ascii_words(r"id\s*card(?:\s*no\.?)?"),
     rf"\d(?:{SEP}?\d){{13,16}}(?:{SEP}?[\dXx])(?![\dA-Za-z])", 15),
    ("passport", 1.6, r"护照|通行证|回乡证|台胞证|证件|" + _ascii_words(r"passport(?:\s*no\.?)?"),
     r"[A-Za-z]{0,2}\d{6,10}(?![A-Za-z0-9])", 7),
    ("card_code", 1.6, r"卡号|卡密|密码|兑换码|激活码|充值码|券码|序列号|提货码|" + _ascii_words(
        r"cdk(?:ey)?", r"pin(?:\s*code)?", "password", "passwd", "pwd", "passcode", r"redeem\s*code",
        r"gift\s*card\s*code", r"card\s*(?:no\.?|number|code|pin|password)"), _CODE, 6),
    ("qq", 1.6, r"扣扣|抠抠|企鹅号?|球球|" + _ascii_words(r"qq群?", r"q(?=号)", r"(?<=加)\s*q", r"q(?=\s*[:：])"),
     _digits(5, 11), 5),
    ("wechat", 1.6, r"(?:微信|绿泡泡)(?:\s*id|搜索?)?|加微(?!信)|威信|薇信|徽信|维信|微心|v信|卫星号|" + _ascii_words(
        "vx", "wx", "weixin", r"wechat(?:\s*id)?", r"(?<=加)\s*v", r"(?<=\+)\s*v", r"v(?=\s*[:：])"), _HANDLE, 5),
    ("phone", 1.7, r"手机|电话|联系方式|座机|固话|" + _ascii_words("tel", "phone", "mobile", "cell"), _digits(7, 13), 7),
    ("order_number", 1.8, r"订单编号|订单|单号|流水号|交易号|交易单号|商户单号|" + _ascii_words(
        r"order(?:\s*(?:no\.?|number|id|#))?", r"transaction(?:\s*(?:id|no\.?))?", r"trade\s*no\.?", r"txn\s*id"),
     _CODE, 6),
    ("account", 1.9, r"账号|帐号|账户|帐户|用户名|登录名|会员号|会员名|(?:玩家|角色|游戏|用户|会员)\s*id|" + _ascii_words(
        "uid", "id", r"steam\s*id", r"user\s*name", "username", r"user\s*id", r"account(?:\s*(?:id|name))?", "login"),
     rf"{_digits(5, 20)}|{_ACCOUNT}", 5),
]
_LABEL_PATTERNS = [(kind, rank, re.compile(rf"(?P<label>(?i:{labels})){_LABEL_TAIL}(?P<v>{value})"), minimum)
                   for kind, rank, labels, value, minimum in _LABELS]


def label_hits(shadow):
    text = shadow.visible
    for kind, rank, pattern, minimum in _LABEL_PATTERNS:
        for match in pattern.finditer(text):
            value, end = match["v"], match.end("v")
            compact = re.sub(r"[\s\-.·杠]", "", value)
            if len(compact) < minimum or not _plausible(kind, compact, match["label"]) or \
                    (compact[-1].isdigit() and _UNIT_AFTER.match(text, end)):
                continue
            yield Hit(_refine(kind, compact), match.start("v"), end, rank)


def _plausible(kind, compact, label):
    if kind in ("card_code", "order_number", "passport") and not re.search(r"\d", compact):
        return kind == "card_code" and compact.isupper() and len(compact) >= 8
    if kind in ("order_number", "account") and len(compact) == 8 and valid_birth(compact):
        return False  # 订单 20261120 is a date written without separators
    if kind == "qq":
        return compact[0] != "0" and len(compact) <= 11
    if kind == "wechat":
        return compact.lower() not in _ENGLISH_WORDS
    if kind == "account":  # after a bare "ID" an English word is just English: "my ID please"
        english_label = label.isascii() and not re.match(r"(?i)user|login", label)
        return compact.lower() not in _ENGLISH_WORDS and not (english_label and compact.isalpha())
    if kind == "phone":
        local = re.fullmatch(r"[2-9]\d{6,7}", compact)  # 座机 62345678, without the area code
        return bool(MOBILE.fullmatch(compact) or LANDLINE.fullmatch(compact) or local)
    return True


def _refine(kind, compact):
    """Name a labelled value by what it is when its format says so: 账号 13912345678 is a phone number."""
    if kind == "phone" and not MOBILE.fullmatch(compact):
        return "landline"
    if kind == "account" and compact.isdigit():
        if MOBILE.fullmatch(compact):
            return "phone"
        if 16 <= len(compact) <= 19 and compact[0] in "3456" and luhn_ok(compact):
            return "bank_card"
    return kind
