"""Sensitive personal information in complaint text (GB/T 35273): card codes, resident ID and bank-card numbers.

The staff console shows these masked until an agent reveals them, and every reveal is audited.
"""
import datetime as dt
import re
from dataclasses import dataclass

# A label such as 卡密 / 兑换码 / 卡号 followed by a code of letters, digits and dashes.
_CARD_CODE = re.compile(r"(?P<label>卡密|卡号|密码|兑换码|激活码|充值码|券码|card\s*code|pin)\s*(?:是|为|:|：)?\s*"
                        r"(?P<value>[A-Za-z0-9][A-Za-z0-9\-]{5,39})", re.IGNORECASE)
_ID_NUMBER = re.compile(r"(?<![A-Za-z0-9])(?P<value>\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx])"
                        r"(?![A-Za-z0-9])")
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9])(?P<value>\d(?:[ \-]?\d){15,18})(?![A-Za-z0-9])")


@dataclass(frozen=True)
class Span:
    kind: str  # card_code | id_number | bank_card
    start: int
    end: int


def find(text):
    """Return the non-overlapping sensitive spans in `text`, in order."""
    spans = [Span("card_code", m.start("value"), m.end("value")) for m in _CARD_CODE.finditer(text or "")]
    spans += [Span("id_number", m.start("value"), m.end("value")) for m in _ID_NUMBER.finditer(text or "")
              if _valid_birth_date(m.group("value"))]
    spans += [Span("bank_card", m.start("value"), m.end("value")) for m in _DIGIT_RUN.finditer(text or "")
              if luhn_ok(re.sub(r"\D", "", m.group("value")))]
    chosen = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not chosen or span.start >= chosen[-1].end:
            chosen.append(span)
    return chosen


def mask(text):
    """Replace each sensitive span with a masked form that keeps at most the last four characters."""
    if not text:
        return text
    pieces, position = [], 0
    for span in find(text):
        value = text[span.start:span.end]
        pieces += [text[position:span.start], _masked(span.kind, value)]
        position = span.end
    return "".join(pieces + [text[position:]])


def contains(text):
    """Tell whether `text` holds anything that `mask` would hide."""
    return bool(find(text))


def _masked(kind, value):
    if kind == "card_code":
        return "••••••"
    digits = re.sub(r"[^\dXx]", "", value)
    return "•" * (len(digits) - 4) + digits[-4:]


def _valid_birth_date(number):
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def luhn_ok(digits):
    """The Luhn check of bank-card numbers (ISO/IEC 7812), over a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
