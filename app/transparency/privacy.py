"""Find personal data in complaint text and replace each kind with its own placeholder.

Detection runs on a *shadow* copy of the text: NFKC (full-width digits, letters and ＠), zero-width, bidi and
other format characters dropped, traditional characters simplified, and runs of Chinese numerals
(一三八 幺二三四) folded to digits. Each shadow character remembers the original character it came from, so
every finding indexes the ORIGINAL text and the scrubbed text keeps the writer's own characters elsewhere.

Before the finders run, what the public needs is blanked out of their view: amounts (299元, ¥65.5), dates and
times, small counts and durations, and service numbers (400/800 lines, 95xxx, 10086). Our own channels from
content/channels.yaml (hotline, official e-mail addresses and accounts) are dropped from the findings.

Finders propose hits with a rank; overlaps go to the lower rank, then to the longer hit (see `_resolve`).
jieba's part-of-speech tagger (for names and address edges) is loaded once per process, on first need.
"""
import bisect
import datetime as dt
import functools
import ipaddress
import re
import threading
import unicodedata
from dataclasses import dataclass

from app.complaints.sensitive import luhn_ok

PLACEHOLDERS = {
    "phone": "[手机号]", "landline": "[电话]", "id_number": "[身份证号]", "bank_card": "[银行卡号]", "qq": "[QQ]",
    "wechat": "[微信]", "email": "[邮箱]", "name": "[姓名]", "address": "[地址]", "card_code": "[卡密]",
    "order_number": "[订单号]", "account": "[账号]", "ip": "[IP]", "plate": "[车牌]", "passport": "[证件号]",
}
TYPES = tuple(PLACEHOLDERS)


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its type and where it sits in the original text."""

    type: str
    start: int
    end: int


@dataclass(frozen=True)
class Scrubbed:
    """The text with every finding replaced by its placeholder, and the findings (original offsets)."""

    text: str
    found: list


def scrub(text, known=()):
    """Return `text` with personal data replaced by placeholders such as [手机号], and what was found."""
    text = text or ""
    found = find(text, known)
    pieces, position = [], 0
    for finding in found:
        pieces += [text[position:finding.start], PLACEHOLDERS[finding.type]]
        position = finding.end
    return Scrubbed("".join(pieces + [text[position:]]), found)


def find(text, known=()):
    """Return the personal data in `text` as non-overlapping findings in order; `known` adds exact values.

    `known` holds the complaint's own values (order number, contact e-mail and phone, account): plain strings,
    or (type, value) pairs. They are matched in any spacing, width or case.
    """
    if not text:
        return []
    shadow = _Shadow(text)
    hits = _known_hits(shadow, known)
    for finder in _FINDERS:
        hits.extend(finder(shadow))
    hits = [hit for hit in hits if hit.rank == 0 or not _official(shadow.text[hit.start:hit.end])]
    found = []
    for hit in _resolve(hits):
        finding = Finding(hit.type, *shadow.original(hit.start, hit.end))
        if not found or finding.start >= found[-1].end:  # two hits inside one expanded character (⑩ → 10)
            found.append(finding)
    return found


def load():
    """Load the part-of-speech tagger and the official channel values now rather than on first use."""
    _tagger()
    _official_values()


# --- The shadow copy ------------------------------------------------------------------------------------------

# Variation selectors, the keycap mark (1️⃣ is a plain 1) and, through their category, format characters
# (zero-width, bidi) and symbols such as emoji, which people put inside numbers and words to get past filters.
_DROPPED = {"\ufe0e", "\ufe0f", "\u20e3"}
_NUMERALS = dict(zip("零〇○一幺壹二两贰三叁四肆五伍六陆七柒八捌九玖", "000111222334455667788899"))
_NUMERAL = "[" + "".join(_NUMERALS) + "]"
_NUMERAL_CHUNK = re.compile(rf"(?:\d|{_NUMERAL})(?:[ \-]?(?:\d|{_NUMERAL}))*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_BLANK = "□"


class _Shadow:
    """The normalised text the finders read, with the original span of every character."""

    def __init__(self, original):
        chars, origin = [], []
        for index, char in enumerate(original):
            if char in _DROPPED or unicodedata.category(char) in ("Cf", "So") and char not in _NUMERALS:  # 威❤信
                continue
            for folded in unicodedata.normalize("NFKC", char):
                chars.append(folded)
                origin.append(index)
        self.text = _fold_numerals(_simplified("".join(chars)))
        self._origin = origin

    @functools.cached_property
    def visible(self):
        """The shadow text with amounts, dates, counts and service numbers blanked: what the finders read."""
        return _blank_public_values(self.text)

    def original(self, start, end):
        """Map a shadow span to the original text (a dropped character inside a number is included)."""
        return self._origin[start], self._origin[end - 1] + 1

    @functools.cached_property
    def tokens(self):
        """jieba (word, flag, start, end) over the shadow text; computed once, only when a finder asks."""
        tokens, position = [], 0
        for word, flag in _tagger().cut(self.text):
            tokens.append((word, flag, position, position + len(word)))
            position += len(word)
        return tokens

    @functools.cached_property
    def token_starts(self):
        """Index into `tokens` by start offset."""
        return {token[2]: index for index, token in enumerate(self.tokens)}

    def words_from(self, position, count):
        """The (word, flag) pairs from `position` on: the text's own tokens when one starts there."""
        index = self.token_starts.get(position)
        if index is not None:
            return [(word, flag) for word, flag, _, _ in self.tokens[index:index + count]]
        return [(word, flag) for word, flag in _tagger().cut(self.text[position:position + 10])][:count]


def _simplified(text):
    if not _HAN.search(text):
        return text
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase conversion changed the length: convert character by character so offsets still line up.
    return "".join(c if len(c := _converter().convert(ch)) == 1 else ch for ch in text)


def _fold_numerals(text):
    """Fold Chinese numerals to digits where they spell a number (一三八 幺二三四), not in words (一直, 两个)."""
    def fold(match):
        chunk = match.group()
        items = [i for i, ch in enumerate(chunk) if ch not in " -"]
        numerals = [i for i in items if chunk[i] in _NUMERALS]
        if not numerals:
            return chunk
        has_digits = len(numerals) < len(items)
        if len(numerals) >= 3 or (has_digits and len(numerals) >= 2):
            chosen = set(numerals)
        elif has_digits:  # a lone numeral between digits (138零0138000), not at the edge (充了100一直没到)
            chosen = {i for i in numerals if items[0] < i < items[-1]}
        else:
            return chunk
        return "".join(_NUMERALS[ch] if i in chosen else ch for i, ch in enumerate(chunk))
    return _NUMERAL_CHUNK.sub(fold, text)


# --- What stays: amounts, dates, counts, service numbers, our own channels ------------------------------------

_NO_DIGIT_BEFORE = r"(?<![\dA-Za-z.,])"
_PUBLIC_VALUES = re.compile("|".join([
    r"(?:[¥$]|(?<![A-Za-z])(?:RMB|CNY|rmb)\s*)\s*\d[\d,]*(?:\.\d+)?",
    _NO_DIGIT_BEFORE + r"\d[\d,]*(?:\.\d+)?\s*(?:元|块钱|块|圆|毛钱|毛|角|万元|万|人民币|美元|美金|"
                       r"(?:RMB|rmb|CNY)(?![A-Za-z]))",
    _NO_DIGIT_BEFORE + r"(?P<year>(?:19|20)\d\d)\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*"
                       r"(?P<day>\d{1,2})(?!\d)\s*[日号]?",
    _NO_DIGIT_BEFORE + r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]|(?:19|20)\d\d\s*年(?:\s*\d{1,2}\s*月)?",
    r"(?<![\dA-Za-z:])\d{1,2}\s*[:：]\s*\d\d(?:\s*[:：]\s*\d\d)?(?![\dA-Za-z:])",
    _NO_DIGIT_BEFORE + r"\d{1,2}\s*点(?:\s*\d{1,2}\s*分|半)?",
    _NO_DIGIT_BEFORE + r"\d{1,4}(?:\.\d+)?\s*(?:个多?小时|小时|分钟|秒钟?|天|周|星期|个多?月|月|年|岁|次|张|个|笔|"
                       r"单(?!元)|件|位|条|人|倍|折|%|级|星)",
    _NO_DIGIT_BEFORE + r"\d[\d,]*(?:\.\d+)?\s*(?:积分|点券|钻石|金币|[Qq]币|元宝|水晶|结晶|创世结晶|原石)",  # in-game currency
    # 400/800 service lines (ours and other companies'), then 95188, 10086, 12315 and the like
    r"(?<![0-9A-Za-z_])(?<!\d[ \-.])[48]00(?:[ \-]?\d){7}(?![0-9A-Za-z_])(?![ \-.]?\d)",
    r"(?<![0-9A-Za-z_·•])(?<!\d[ \-.])(?:9[56]\d{3}|1(?:0\d|23)\d\d)(?![0-9A-Za-z_])(?![ \-.]?\d)",
]))


def _blank_public_values(text):
    """Hide the digits of amounts, dates, counts and service numbers from the finders (same length)."""
    def blank(match):
        if match.group("year") and not _valid_date(match.group("year"), match.group("month"), match.group("day")):
            return match.group()
        return re.sub(r"[\d¥$.,:：]", _BLANK, match.group())
    return _PUBLIC_VALUES.sub(blank, text)


def _official(value):
    """Tell whether a found value is one of our own published channels (hotline, e-mail, WeChat id)."""
    compact = _compact(value)
    values, domains = _official_values()
    return compact in values or (compact.partition("@")[2] in domains)


@functools.lru_cache(maxsize=1)
def _official_values():
    from app.contact.channels import load_directory

    directory = load_directory(_content_dir())
    values = set()
    for channel in directory.channels:
        values.update(_compact(v) for v in channel.verify_values)
        if channel.kind in ("phone", "email"):
            values.add(_compact(channel.value))
        if channel.kind == "social":  # 卡盟服务中心（微信号 kameng_service）
            values.update(_compact(v) for v in re.findall(r"[A-Za-z][A-Za-z0-9_\-]{4,}", channel.value))
    return frozenset(values), frozenset(_compact(domain) for domain in directory.official_domains)


def _content_dir():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["CONTENT_DIR"]
    from config import Config

    return Config.CONTENT_DIR


# --- Hits and their resolution -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Hit:
    type: str
    start: int
    end: int
    rank: float  # 0 known values, 1 unmistakable formats, 1.5-1.9 labelled values, 2-3.5 bare numbers, 4 the rest


def _resolve(hits):
    """Keep the best of overlapping hits: lower rank first, then the longer one."""
    starts, chosen = [], []  # both sorted by start; chosen hits never overlap
    for hit in sorted(hits, key=lambda h: (h.rank, h.start - h.end, h.start)):
        index = bisect.bisect_right(starts, hit.start)
        if (index and chosen[index - 1].end > hit.start) or (index < len(chosen) and chosen[index].start < hit.end):
            continue
        starts.insert(index, hit.start)
        chosen.insert(index, hit)
    return chosen


def _compact(value):
    """The comparable form of a value: normalised, separators removed, lower case."""
    return re.sub(r"[\s\-.·_()（）]", "", _Shadow(str(value)).text).lower()


# --- Known values -----------------------------------------------------------------------------------------------

def _known_hits(shadow, known):
    if not known:
        return []
    letters, positions = [], []
    for index, char in enumerate(shadow.text):
        if not re.match(r"[\s\-.·_()（）]", char):
            letters.append(char.lower())
            positions.append(index)
    compact = "".join(letters)
    hits = []
    for item in known:
        kind, value = item if isinstance(item, (tuple, list)) else (None, item)
        if kind is not None and kind not in PLACEHOLDERS:
            raise ValueError(f"unknown personal-data type {kind!r}; expected one of {', '.join(TYPES)}")
        key = _compact(value)
        if len(key) < (2 if _HAN.search(key) else 4):  # a name has two characters; "12" is no identifier
            continue
        kind = kind or _guess_type(key)
        for match in re.finditer(re.escape(key), compact):
            a, b = match.start(), match.end()
            if _glued(compact, positions, a - 1, a) or _glued(compact, positions, b - 1, b):
                continue
            hits.append(_Hit(kind, positions[a], positions[b - 1] + 1, 0))
    return hits


def _glued(compact, positions, left, right):
    """Tell whether two compact neighbours were adjacent ASCII alphanumerics in the text (one longer value)."""
    if left < 0 or right >= len(compact):
        return False
    both = compact[left].isascii() and compact[left].isalnum() and compact[right].isascii() and compact[right].isalnum()
    return both and positions[right] == positions[left] + 1


def _guess_type(key):
    if "@" in key:
        return "email"
    if re.fullmatch(r"(?:\+?86|0086)?1[3-9]\d{9}", key):
        return "phone"
    if re.fullmatch(r"km\d{18}|\d{20,32}", key):
        return "order_number"
    if re.fullmatch(r"\d{17}[\dx]", key) and _valid_birth(key[6:14]):
        return "id_number"
    if re.fullmatch(r"\d{16,19}", key):
        return "bank_card"
    return "account"


# --- Numbers: phones, landlines, ID and bank-card numbers, long references ---------------------------------------

_SEP = r"(?:[ \t]*[-.·][ \t]*|[ \t]{1,3}|杠)"
_RUN = re.compile(rf"(?<![0-9A-Za-z+])(?P<prefix>\+[ \t]?(?=8)|\(\+?86\)[ \t]?|\(0\d{{2,3}}\)[ \t]?)?"
                  rf"(?P<run>\d(?:{_SEP}?\d)*(?:[Xx](?![A-Za-z]))?)(?![0-9A-Za-z])")
_GROUP = re.compile(r"\d+[Xx]?")
_MOBILE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0(?:10|2\d)[2-9]\d{7}|0[3-9]\d\d[2-9]\d{6,7}")
_CANONICAL_GROUPS = {(3, 4, 4), (2, 3, 4, 4), (4, 3, 4, 4), (4, 4, 4, 4), (4, 4, 4, 4, 3), (6, 8, 4), (4, 4, 3)}


def _number_hits(shadow):
    for match in _RUN.finditer(shadow.visible):
        groups = [(g.start() + match.start("run"), g.end() + match.start("run")) for g in _GROUP.finditer(match["run"])]
        yield from _split_run(shadow.visible, groups, match["prefix"] or "", match.start())


def _split_run(text, groups, prefix, run_start):
    """Classify the longest leading groups that form one number, then carry on after them."""
    i = 0
    while i < len(groups):
        for j in range(min(len(groups), i + 20) - 1, i - 1, -1):
            pieces = [text[a:b] for a, b in groups[i:j + 1]]
            seps = [text[groups[k][1]:groups[k + 1][0]].strip() or " " for k in range(i, j)]
            hit = _classify(pieces, seps, prefix if i == 0 else "")
            if hit:
                kind, rank = hit
                start = run_start if i == 0 and prefix else groups[i][0]
                yield _Hit(kind, start, groups[j][1], rank)
                i = j + 1
                break
        else:
            i += 1


def _classify(pieces, seps, prefix):
    digits = "".join(pieces).upper()
    sizes = tuple(len(p) for p in pieces)
    mixed = len(set(seps[1:] if digits.startswith(("86", "0086")) else seps)) > 1
    if mixed and sizes not in _CANONICAL_GROUPS:
        return None  # 13.5 19.9 20.0 15.8 is a list of prices, not a phone number
    if prefix.startswith("(0"):
        digits = re.sub(r"\D", "", prefix) + digits
    if prefix.startswith("+") and not digits.startswith("86"):
        return None
    if _MOBILE.fullmatch(digits):
        return "phone", 3
    if len(digits) == 18 and digits[0] in "12345678" and _valid_birth(digits[6:14]):
        return "id_number", (2 if _id_check_ok(digits) else 3)
    if "X" in digits:
        return None
    if len(digits) == 15 and _valid_birth("19" + digits[6:12]):
        return "id_number", 3
    if 16 <= len(digits) <= 19:
        card_like = len(pieces) == 1 or all(size == 4 for size in sizes[:-1])
        if luhn_ok(digits) and card_like:
            return "bank_card", 2
        if card_like and len(pieces) > 1 or digits.startswith("62"):
            return "bank_card", 3
        return ("order_number", 3.5) if len(pieces) == 1 else None
    if 20 <= len(digits) <= 32:
        return "order_number", 2
    if _LANDLINE.fullmatch(digits):
        return "landline", 3
    return None


def _valid_birth(yyyymmdd):
    if not yyyymmdd.isdigit():
        return False
    return _valid_date(yyyymmdd[:4], yyyymmdd[4:6], yyyymmdd[6:8], earliest=1900)


def _valid_date(year, month, day, earliest=1900):
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return earliest <= date.year <= dt.date.today().year + 1


def _id_check_ok(number):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights))
    return "10X98765432"[total % 11] == number[17]


# --- Formats that speak for themselves ---------------------------------------------------------------------------

_TLDS = r"com(?:\.cn)?|cn|net|org|edu|gov|io|me|co|info|top|xyz|vip|hk|tw|jp|uk|us|de"
_AT = r"\s*(?:艾特|爱特|(?<![A-Za-z])at(?![A-Za-z])|[(\[【]\s*at\s*[)\]】]|#|圈a|@)\s*"
_DOT = r"\s*(?:\.|点|。|(?<![A-Za-z])dot(?![A-Za-z])|[(\[【]\s*dot\s*[)\]】])\s*"
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*"
                    r"\.[A-Za-z]{2,}")
_SPELLED_EMAIL = re.compile(rf"(?<![A-Za-z0-9._\-])[A-Za-z0-9][A-Za-z0-9._\-]*(?i:{_AT})[A-Za-z0-9\-]+"
                            rf"(?:(?i:{_DOT})[A-Za-z0-9\-]+)*?(?i:{_DOT})(?i:{_TLDS})(?![A-Za-z])")
_KM_ORDER = re.compile(r"(?<![A-Za-z0-9])[Kk][Mm](?:[ \t\-]*\d){18}(?!\d)")
_WXID = re.compile(r"(?<![A-Za-z0-9])wxid_[A-Za-z0-9]{4,24}(?![A-Za-z0-9])", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\dA-Za-z.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
_VERSION_BEFORE = re.compile(r"(?:版本号?|(?i:version|ver\.?|build|v))\s*[:：]?\s*$")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"(?<![A-Za-z0-9])[{_PROVINCES}][A-HJ-NP-Z][ ·•]?(?P<tail>[A-HJ-NP-Z0-9]{{6}}|[A-HJ-NP-Z0-9]{{4}}"
                    r"[A-HJ-NP-Z0-9挂学警港澳])(?![A-Za-z0-9])")
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])(?:E[A-Z0-9]\d{7}|[GDS]\d{8}|C[A-Z0-9]\d{7}|[HM]\d{8}(?:\d\d)?"
                       r"|[A-Z]{1,2}\d{6}\([0-9A]\))(?![A-Za-z0-9])")  # …, and Hong Kong identity cards A123456(7)


def _format_hits(shadow):
    text = shadow.visible
    for pattern, kind in ((_EMAIL, "email"), (_SPELLED_EMAIL, "email"), (_KM_ORDER, "order_number"),
                          (_WXID, "wechat")):
        yield from (_Hit(kind, m.start(), m.end(), 1) for m in pattern.finditer(text))
    yield from (_Hit("ip", m.start(), m.end(), 1) for m in _IPV4.finditer(text)
                if _is_ip(m.group(), 4) and not _VERSION_BEFORE.search(text[max(0, m.start() - 8):m.start()])
                and not text.startswith(("版", " 版"), m.end()))
    yield from (_Hit("ip", m.start(), m.end(), 1) for m in _IPV6.finditer(text) if _is_ip(m.group(), 6))
    yield from (_Hit("plate", m.start(), m.end(), 3) for m in _PLATE.finditer(text)
                if sum(ch.isdigit() for ch in m["tail"]) >= 3)
    yield from (_Hit("passport", m.start(), m.end(), 3) for m in _PASSPORT.finditer(text))


def _is_ip(value, version):
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    if version == 4:
        return address.version == 4 and not value.startswith("0.")
    groups = [g for g in value.split(":") if g]
    return address.version == 6 and (value.count(":") == 7 or len(groups) >= 2 and
                                      any(len(g) >= 3 or re.search(r"[A-Fa-f]", g) for g in groups))


# --- Values after a label: QQ 12345678, V信 abc_123, 卡密 XXXX, 订单号 ..., 账号 ... ---------------------------------

def _ascii_words(*words):
    return "(?<![A-Za-z])(?:" + "|".join(words) + ")(?![A-Za-z])"


_LABEL_TAIL = r"(?:号码|号|码)?(?:\s*\d{1,2}(?=\s*[:：]))?\s*(?:[:：=#]|是|为)?\s*(?:是|为)?\s*"


def _digits(least, most):
    """A number of `least`..`most` digits, spaced or not, that is not the start of a longer one."""
    return rf"\d(?:{_SEP}?\d){{{least - 1},{most - 1}}}(?!\d)"


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
     rf"\d(?:{_SEP}?\d){{13,16}}(?:{_SEP}?[\dXx])(?![\dA-Za-z])", 15),
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


def _label_hits(shadow):
    text = shadow.visible
    for kind, rank, pattern, minimum in _LABEL_PATTERNS:
        for match in pattern.finditer(text):
            value, end = match["v"], match.end("v")
            compact = re.sub(r"[\s\-.·杠]", "", value)
            if len(compact) < minimum or not _plausible(kind, compact, match["label"]) or \
                    (compact[-1].isdigit() and _UNIT_AFTER.match(text, end)):
                continue
            yield _Hit(_refine(kind, compact), match.start("v"), end, rank)


def _plausible(kind, compact, label):
    if kind in ("card_code", "order_number", "passport") and not re.search(r"\d", compact):
        return kind == "card_code" and compact.isupper() and len(compact) >= 8
    if kind in ("order_number", "account") and len(compact) == 8 and _valid_birth(compact):
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
        return bool(_MOBILE.fullmatch(compact) or _LANDLINE.fullmatch(compact) or local)
    return True


def _refine(kind, compact):
    """Name a labelled value by what it is when its format says so: 账号 13912345678 is a phone number."""
    if kind == "phone" and not _MOBILE.fullmatch(compact):
        return "landline"
    if kind == "account" and compact.isdigit():
        if _MOBILE.fullmatch(compact):
            return "phone"
        if 16 <= len(compact) <= 19 and compact[0] in "3456" and luhn_ok(compact):
            return "bank_card"
    return kind


# --- Names ---------------------------------------------------------------------------------------------------------

_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路"
    "游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储栗燕楚鄢"
    "劳谌奚皮粟冼蔺楼盘满闻厉伊仝郜阚花权帅屠朴盖练廉禹井祖漆巴丰支卿狄计索宣晋相初云容敬扈晁芮普阙浦戈伏鹿薄邸雍"
    "辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇哈湛宾戎勾茅利於呼居揭干但尉冶斯束檀衣展阴昝智幸奉植衡富尧")
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 百里 呼延 澹台 "
    "太史 申屠 钟离 闻人 赫连 万俟 濮阳 司空 宗政 公冶 淳于 单于 太叔 拓跋 第五 东郭 左丘 谷梁 公羊 闾丘 梁丘".split())
_HONORIFICS = ("先生", "女士", "小姐", "老师", "师傅", "经理", "同学", "阿姨", "大姐", "大哥", "总")
_STRONG_CONTEXT = ("我叫", "我的名字叫", "名字叫", "名字是", "名叫", "叫做", "真实姓名", "姓名", "收货人", "收件人",
                   "联系人", "持卡人", "开户名", "开户人", "户名", "机主", "实名人", "署名", "落款", "收款人", "付款人",
                   "汇款人", "投诉人", "举报人", "申请人", "当事人", "被投诉人")
_WEAK_CONTEXT = ("我是", "本人是", "本人", "卖家", "买家", "商家", "店家", "店主", "老板", "骗子", "对方", "客服", "业务员",
                 "经理", "主管", "专员", "员工", "代理", "商户", "群主", "中介", "主播", "号主", "快递员", "自称", "他叫",
                 "她叫", "叫", "老公", "老婆", "儿子", "女儿", "孩子", "爸爸", "妈妈", "朋友", "同学", "同事", "男朋友",
                 "女朋友", "表哥", "表姐", "室友")
_NAME_CONTEXT = re.compile(rf"(?P<context>{'|'.join(sorted(_STRONG_CONTEXT + _WEAK_CONTEXT, key=len, reverse=True))})"
                           r"\s*(?:[:：]|是|为|叫)?\s*[“\"'「『]?")
_NOT_NAME_FLAGS = ("c", "p", "r", "d", "u", "v", "y", "e", "m", "q")
# Places jieba tags as person names (我是张家界人).
_NOT_NAMES = frozenset("张家界 马鞍山 黄山 白山 钟山 高邮 江阴 常熟 昆山 石狮 龙岩 韶山 秦岭".split())
_ENGLISH_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}")
_ENGLISH_NAME_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:(?i:my name is|name\s*[:：]|mr|mrs|ms|miss|dr)\.?\s+(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})"
    r"|(?i:seller|buyer|agent|contact(?: person)?|cardholder)\s*[:：]?\s+(?P<full>[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}))")


def _name_hits(shadow):
    text = shadow.visible
    if not _HAN.search(text) and not _ENGLISH_NAME_CONTEXT.search(text):
        return
    for match in _ENGLISH_NAME_CONTEXT.finditer(text):
        group = "name" if match["name"] else "full"
        yield _Hit("name", match.start(group), match.end(group), 4)
    for match in _NAME_CONTEXT.finditer(text):
        strong = match["context"] in _STRONG_CONTEXT or "叫" in match.group()
        span = _name_after(shadow, match.end(), strong)
        if span:
            yield _Hit("name", *span, 4)
    if any(h in text for h in _HONORIFICS):
        yield from _honorific_hits(shadow)


def _name_after(shadow, position, strong):
    """Return the span of a name that starts at `position` (just after a context word), or None."""
    window = shadow.text[position:position + 10]
    english = _ENGLISH_NAME.match(window)
    if english and (strong or " " in english.group()):
        return position, position + english.end()
    tokens = shadow.words_from(position, 3)
    length = _name_length(tokens, strong) if tokens and _HAN.match(tokens[0][0]) else 0
    name = window[:length]
    if not length or name in _NOT_NAMES or name in _PLACES or window[length:length + 1] == "人":
        return None  # 我是张家界人: a place, not a person
    for honorific in _HONORIFICS:  # 王先生 comes back as one token: keep the title
        if name.endswith(honorific) and len(name) > len(honorific):
            length -= len(honorific)
    return position, position + length


def _name_length(tokens, strong):
    (word, flag), rest = tokens[0], tokens[1:]
    following = rest[0][0] if rest else ""
    if word in _SURNAMES and following in ("某", "某某"):
        return 1 + len(following)  # 张某某: half-anonymised already, but the surname still says something
    if word in ("小", "老", "阿") and len(following) == 1 and following in _SURNAMES:
        return 2  # 小 / 李
    if word in _COMPOUND_SURNAMES and _HAN.match(following) and len(following) <= 2:
        return len(word) + len(following)  # 欧阳 / 娜娜
    if flag.startswith("nr") and 2 <= len(word) <= 4 and _looks_like_name(word, strong):
        return len(word)
    if word in _SURNAMES and _HAN.match(following) and (
            len(following) == 1 and flag.startswith("nr") or len(following) == 2 and rest[0][1].startswith("nr")):
        return 1 + len(following)  # 周 / 杰, 张 / 大伟
    if strong and word in _SURNAMES and flag.startswith("nr") and not _HAN.match(following):
        return 1  # 联系人王，电话…
    return 0


def _looks_like_name(word, strong):
    if word[:2] in _COMPOUND_SURNAMES or word[0] in _SURNAMES:
        return True
    return strong or (word[0] in "小老阿" and word[1:2] in _SURNAMES)


def _honorific_hits(shadow):
    """Names before a title: 王先生, 张伟先生, 刘 / 经理, 欧阳 / 娜娜 / 女士 (the title stays)."""
    tokens = shadow.tokens
    for index, (word, flag, start, end) in enumerate(tokens):
        for honorific in _HONORIFICS:
            surname = word[:-len(honorific)]
            if word.endswith(honorific) and flag.startswith("nr") and _is_surname(surname):
                yield _Hit("name", start, start + len(surname), 4)
        if index + 1 == len(tokens) or tokens[index + 1][0] not in _HONORIFICS:
            continue
        previous = tokens[index - 1][0] if index else ""
        if previous in _COMPOUND_SURNAMES and _HAN.match(word) and len(word) <= 2:
            yield _Hit("name", tokens[index - 1][2], end, 4)
        elif _titled_name(word, flag):
            yield _Hit("name", start, end, 4)


def _titled_name(word, flag):
    if word in _NOT_NAMES:
        return False
    if word in _COMPOUND_SURNAMES:
        return True
    if len(word) == 1:  # 刘/zg 经理, 高/a 老师; but 和/c 先生 is "and my husband"
        return word in _SURNAMES and not flag.startswith(_NOT_NAME_FLAGS)
    return flag.startswith("nr") and len(word) <= 4 and _looks_like_name(word, False)


def _is_surname(word):
    return word in _SURNAMES or word in _COMPOUND_SURNAMES


# --- Street addresses below the city level -----------------------------------------------------------------------

_STOP = "我你他她它们的了在住是到于给把从往寄送说与及或也都就还又很太被让要想去来这那些哪谁啥吗呢吧啊呀跟对址市省"
_H = rf"(?:(?![{_STOP}])[\u4e00-\u9fff])"
_NUM = r"(?:(?<!\d)\d{1,6}|[一二三四五六七八九十百零两]{1,4})"  # bounded: a long digit run is no house number
_COMPONENTS = re.compile("|".join([
    rf"(?P<estate>{_H}{{1,8}}?(?:小区|花园|家园|新村|公寓|大厦|苑|社区|宿舍|园区|广场|大楼))",
    rf"(?P<village>{_H}{{1,5}}?村)",
    rf"(?P<town>{_H}{{1,6}}?(?:街道|镇|乡))",
    rf"(?P<street>{_H}{{1,7}}?(?:大道|大街|路|街|巷|胡同|里弄|弄)(?:[一二三四五六七八九十\d东西南北中]段)?)",
    rf"(?P<district>{_H}{{1,6}}?(?:新区|区|县|旗))",
    rf"(?P<unit>{_NUM}(?:-{_NUM}){{0,3}}\s*(?P<suffix>号楼|号院|号|栋|幢|座|单元|层|楼|室|户|组|弄)|[A-Za-z]\s*(?P<letter>座|栋))",
]))
_CONTINUATION = re.compile(r"[A-Za-z]{2,10}[\u4e00-\u9fff]{0,4}?(?=\d)|\d{2,5}(?!\d)")
_ADDRESS_GAP = re.compile(r"[ \t,，]?")
_ADDRESS_CUE = re.compile(r"(?:地址|住址|住在|家住|家在|现住|居住在|寄到|寄往|送到|发到|户籍地?)\s*[:：]?\s*(?:是|为|在)?\s*$")
_BUILDING_UNITS = ("栋", "幢", "单元", "室", "号楼", "座", "层", "楼", "户")
_PLACES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 "
    "甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 广州 深圳 珠海 汕头 佛山 东莞 中山 惠州 江门 湛江 茂名 肇庆 梅州 清远 "
    "韶关 揭阳 潮州 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 台州 丽水 衢州 舟山 南京 苏州 无锡 常州 徐州 南通 扬州 镇江 泰州 盐城 淮安 "
    "连云港 宿迁 成都 绵阳 德阳 宜宾 南充 泸州 乐山 武汉 宜昌 襄阳 荆州 黄冈 十堰 长沙 株洲 湘潭 衡阳 岳阳 常德 郴州 郑州 洛阳 开封 "
    "新乡 南阳 许昌 周口 商丘 信阳 驻马店 安阳 焦作 平顶山 西安 咸阳 宝鸡 渭南 榆林 延安 济南 青岛 烟台 潍坊 临沂 淄博 济宁 泰安 "
    "威海 日照 德州 聊城 菏泽 东营 石家庄 唐山 保定 邯郸 廊坊 沧州 邢台 秦皇岛 张家口 承德 衡水 太原 大同 沈阳 大连 鞍山 抚顺 锦州 "
    "长春 哈尔滨 大庆 齐齐哈尔 合肥 芜湖 蚌埠 安庆 阜阳 福州 厦门 泉州 漳州 莆田 南昌 赣州 九江 上饶 南宁 柳州 桂林 北海 海口 "
    "三亚 贵阳 遵义 昆明 大理 丽江 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 包头 鄂尔多斯".split())
_PLACES_LONGEST_FIRST = sorted(_PLACES, key=len, reverse=True)
_NOT_PLACE_FLAGS = ("v", "vn", "vd", "r", "p", "d", "c", "u", "y", "e", "l", "t", "m")


def _address_hits(shadow):
    text = shadow.visible
    first = _COMPONENTS.search(text)
    while first:
        parts = _address_parts(text, first)
        start, end = parts[0][1], parts[-1][2]
        after_city = start > 0 and text[start - 1] in "市县区" and parts[0][0] in ("town", "village")
        if _strong_address(parts) or after_city or _ADDRESS_CUE.search(text[max(0, start - 10):start]):
            start = _trim_address_start(shadow, parts)
            if start < end:
                yield _Hit("address", start, end, 4)
        first = _COMPONENTS.search(text, end)


def _address_parts(text, first):
    """Read the components from `first` on, as long as they follow each other: [(kind, start, end, suffix)]."""
    parts = [_part(first)]
    while True:
        gap = _ADDRESS_GAP.match(text, parts[-1][2]).end()
        if match := _COMPONENTS.match(text, gap):
            parts.append(_part(match))
        elif follow := _CONTINUATION.match(text, gap):
            parts.append(("continuation", follow.start(), follow.end(), ""))
        else:
            return parts


def _part(match):
    kind = match.lastgroup if match.lastgroup not in ("suffix", "letter") else "unit"
    return kind, match.start(), match.end(), match["suffix"] or match["letter"] or ""


def _strong_address(parts):
    """Tell whether the components describe a place below the city: 路…号, 小区…栋…室, 村…组, district plus street."""
    kinds = [part[0] for part in parts]
    for (kind, *_), (next_kind, _s, _e, suffix) in zip(parts, parts[1:]):
        if kind == "street" and next_kind == "unit" and suffix in ("号", "弄", "号院", "号楼"):
            return True
        if kind in ("district", "town") and next_kind in ("street", "estate", "village", "town"):
            return True
        if kind == "village" and next_kind == "unit" and suffix == "组":
            return True
    building = [part for part in parts if part[0] == "unit" and part[3] in _BUILDING_UNITS]
    named = [kind for kind in kinds if kind in ("estate", "street", "village", "district")]
    return bool(building) and (bool(named) or len([k for k in kinds if k == "unit"]) >= 2)


def _trim_address_start(shadow, parts):
    """Keep the city or province and the words before the address out of it (北京朝阳区… → 朝阳区…)."""
    kind, start, end, _ = parts[0]
    if kind == "unit":
        return start
    # 北京路 and 中山北路 are streets, 北京朝阳区 and 广州天河路 are a city and then the address.
    name_end = end - (1 if kind != "street" else 2)
    trimmed = True
    while trimmed:
        trimmed = False
        for place in _PLACES_LONGEST_FIRST:
            if shadow.text.startswith(place, start) and start + len(place) < name_end:
                start, trimmed = start + len(place), True
                break
    while (index := shadow.token_starts.get(start)) is not None:  # 投诉/科技园路18号: the verb is no address
        _, flag, _, token_end = shadow.tokens[index]
        if token_end >= end or not flag.startswith(_NOT_PLACE_FLAGS):
            break
        start = token_end
    return start


_FINDERS = (_format_hits, _number_hits, _label_hits, _name_hits, _address_hits)


# --- Lazily loaded models -----------------------------------------------------------------------------------------

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _tagger():
    """jieba's part-of-speech tagger with the portal's domain words, loaded once per process."""
    with _lock:
        return _load_tagger()


@functools.lru_cache(maxsize=1)
def _load_tagger():
    import jieba.posseg
    from app.kb.analysis import prepare_jieba

    prepare_jieba(_content_dir(), _jieba_cache_dir())
    return jieba.posseg.dt


def _jieba_cache_dir():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["DATA_DIR"] / "jieba-cache"
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / "kameng-jieba-cache"
