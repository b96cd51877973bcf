"""Exact values: the complaint's own (order number, contact, account) and our official channels."""
import functools
import re

from app.transparency.privacy.kinds import PLACEHOLDERS, TYPES
from app.transparency.privacy.models import content_dir
from app.transparency.privacy.hits import Hit
from app.transparency.privacy.shadow import HAN, compact_form
from app.transparency.privacy.numbers import valid_birth


def official(value):
    """Tell whether a found value is one of our own published channels (hotline, e-mail, WeChat id)."""
    compact = compact_form(value)
    values, domains = official_values()
    return compact in values or (compact.partition("@")[2] in domains)


@functools.lru_cache(maxsize=1)
def official_values():
    from app.contact.channels import load_directory

    directory = load_directory(content_dir())
    values = set()
    for channel in directory.channels:
        values.update(compact_form(v) for v in channel.verify_values)
        if channel.kind in ("phone", "email"):
            values.add(compact_form(channel.value))
        if channel.kind == "social":  # 卡盟服务中心（微信号 kameng_service）
            values.update(compact_form(v) for v in re.findall(r"[A-Za-z][A-Za-z0-9_\-]{4,}", channel.value))
    return frozenset(values), frozenset(compact_form(domain) for domain in directory.official_domains)


def known_hits(shadow, known):
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
        key = compact_form(value)
        if len(key) < (2 if HAN.search(key) else 4):  # a name has two characters; "12" is no identifier
            continue
        kind = kind or _guess_type(key)
        for match in re.finditer(re.escape(key), compact):
            a, b = match.start(), match.end()
            if _glued(compact, positions, a - 1, a) or _glued(compact, positions, b - 1, b):
                continue
            hits.append(Hit(kind, positions[a], positions[b - 1] + 1, 0))
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
    if re.fullmatch(r"\d{17}[\dx]", key) and valid_birth(key[6:14]):
        return "id_number"
    if re.fullmatch(r"\d{16,19}", key):
        return "bank_card"
    return "account"
