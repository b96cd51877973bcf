"""Formats that speak for themselves."""
import ipaddress
import re

from app.transparency.privacy.hits import Hit


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


def format_hits(shadow):
    text = shadow.visible
    for pattern, kind in ((_EMAIL, "email"), (_SPELLED_EMAIL, "email"), (_KM_ORDER, "order_number"),
                          (_WXID, "wechat")):
        yield from (Hit(kind, m.start(), m.end(), 1) for m in pattern.finditer(text))
    yield from (Hit("ip", m.start(), m.end(), 1) for m in _IPV4.finditer(text)
                if _is_ip(m.group(), 4) and not _VERSION_BEFORE.search(text[max(0, m.start() - 8):m.start()])
                and not text.startswith(("版", " 版"), m.end()))
    yield from (Hit("ip", m.start(), m.end(), 1) for m in _IPV6.finditer(text) if _is_ip(m.group(), 6))
    yield from (Hit("plate", m.start(), m.end(), 3) for m in _PLATE.finditer(text)
                if sum(ch.isdigit() for ch in m["tail"]) >= 3)
    yield from (Hit("passport", m.start(), m.end(), 3) for m in _PASSPORT.finditer(text))


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
