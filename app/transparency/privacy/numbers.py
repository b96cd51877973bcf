"""Numbers: phones, landlines, ID and bank-card numbers, long references."""
import datetime as dt
import re

from app.complaints.sensitive import luhn_ok
from app.transparency.privacy.hits import Hit


SEP = r"(?:[ \t]*[-.·][ \t]*|[ \t]{1,3}|杠)"
_RUN = re.compile(rf"(?<![0-9A-Za-z+])(?P<prefix>\+[ \t]?(?=8)|\(\+?86\)[ \t]?|\(0\d{{2,3}}\)[ \t]?)?"
                  rf"(?P<run>\d(?:{SEP}?\d)*(?:[Xx](?![A-Za-z]))?)(?![0-9A-Za-z])")
_GROUP = re.compile(r"\d+[Xx]?")
MOBILE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
LANDLINE = re.compile(r"0(?:10|2\d)[2-9]\d{7}|0[3-9]\d\d[2-9]\d{6,7}")
_CANONICAL_GROUPS = {(3, 4, 4), (2, 3, 4, 4), (4, 3, 4, 4), (4, 4, 4, 4), (4, 4, 4, 4, 3), (6, 8, 4), (4, 4, 3)}


def number_hits(shadow):
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
                yield Hit(kind, start, groups[j][1], rank)
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
    if MOBILE.fullmatch(digits):
        return "phone", 3
    if len(digits) == 18 and digits[0] in "12345678" and valid_birth(digits[6:14]):
        return "id_number", (2 if _id_check_ok(digits) else 3)
    if "X" in digits:
        return None
    if len(digits) == 15 and valid_birth("19" + digits[6:12]):
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
    if LANDLINE.fullmatch(digits):
        return "landline", 3
    return None


def valid_birth(yyyymmdd):
    if not yyyymmdd.isdigit():
        return False
    return valid_date(yyyymmdd[:4], yyyymmdd[4:6], yyyymmdd[6:8], earliest=1900)


def valid_date(year, month, day, earliest=1900):
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return earliest <= date.year <= dt.date.today().year + 1


def _id_check_ok(number):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights))
    return "10X98765432"[total % 11] == number[17]
