"""Complaint reference numbers (投诉编号) and access codes, in Crockford base32.

A reference looks like ``TS-7K3M-9QXA-4HRT-C2V``: 14 random symbols (70 bits from `secrets`)
grouped 4-4-4-2, then one check symbol. People read these aloud and type them on phones, so
parsing forgives case, spaces, dashes, full-width characters, a missing ``TS-`` and the look-alikes
O→0 and I/L→1. U is not a Crockford symbol and is rejected.

The check symbol stays inside the 32-symbol alphabet (Crockford's mod-37 check would need the extra
symbols ``*~$=U``, which are awkward on a phone keyboard). A plain weighted sum modulo 32 cannot do
the job: catching every single substitution needs odd weights, and catching every adjacent swap
needs neighbouring weights whose difference is odd, which two odd weights never have. So the sum is
taken in the field GF(32) instead (symbols as polynomials over GF(2) modulo x^5 + x^2 + 1), with
weights a^k for a = x. This is Damm's check over the quasigroup u∘v = a·u + v:

* a substitution v → v' at weight a^k changes the sum by a^k·(v + v'), never 0 since a^k ≠ 0;
* swapping neighbours u, v changes it by a^k·(a + 1)·(u + v), never 0 since a ≠ 1 and u ≠ v.

The check symbol brings the weighted sum over all 15 symbols to 0, so it is protected too.
"""
import hmac
import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYMBOL_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
PREFIX = "TS"
REFERENCE_RANDOM_SYMBOLS = 14
ACCESS_CODE_SYMBOLS = 10
FIELD_POLYNOMIAL = 0b100101  # x^5 + x^2 + 1, primitive, so a = x generates GF(32)
# Anything longer than this is not a mistyped code, so don't spend NFKC on it.
MAX_INPUT_LENGTH = 64
SEPARATORS = re.compile(r"[\s\-_.·\u2010-\u2015\u2212]+")


class InvalidCode(ValueError):
    """A reference or access code that cannot be read; `reason` says why."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class InvalidReference(InvalidCode):
    """A complaint reference that is malformed ("format") or mistyped ("checksum")."""


class InvalidAccessCode(InvalidCode):
    """An access code that is malformed ("format")."""


def new_reference():
    """Return a fresh reference such as TS-7K3M-9QXA-4HRT-C2V."""
    body = _random_symbols(REFERENCE_RANDOM_SYMBOLS)
    return _format_reference(body + check_symbol(body))


def new_access_code():
    """Return a fresh access code of 10 symbols (50 bits) shown as XXXXX-XXXXX."""
    return _format_access_code(_random_symbols(ACCESS_CODE_SYMBOLS))


def normalize_reference(text):
    """Return the canonical form of a reference typed by a person, or raise InvalidReference."""
    symbols = _clean(text, InvalidReference)
    if len(symbols) == REFERENCE_RANDOM_SYMBOLS + 1 + len(PREFIX) and symbols.startswith(PREFIX):
        symbols = symbols[len(PREFIX):]
    if len(symbols) != REFERENCE_RANDOM_SYMBOLS + 1 or not _in_alphabet(symbols):
        raise InvalidReference("format")
    if check_symbol(symbols[:-1]) != symbols[-1]:
        raise InvalidReference("checksum")
    return _format_reference(symbols)


def normalize_access_code(text):
    """Return the canonical XXXXX-XXXXX form of a typed access code, or raise InvalidAccessCode."""
    symbols = _clean(text, InvalidAccessCode)
    if len(symbols) != ACCESS_CODE_SYMBOLS or not _in_alphabet(symbols):
        raise InvalidAccessCode("format")
    return _format_access_code(symbols)


def codes_match(given, expected):
    """Compare two access codes in constant time after normalizing; unreadable codes never match."""
    try:
        given, expected = normalize_access_code(given), normalize_access_code(expected)
    except InvalidAccessCode:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def check_symbol(symbols):
    """Return the symbol that brings the GF(32) weighted sum of `symbols` plus itself to zero."""
    total = 0
    for symbol in symbols:
        total = _times_a(total) ^ SYMBOL_VALUES[symbol]
    return ALPHABET[_times_a(total)]


def _times_a(value):
    """Multiply a GF(32) element by the generator a = x."""
    value <<= 1
    return value ^ FIELD_POLYNOMIAL if value & 0b100000 else value


def _random_symbols(count):
    return "".join(secrets.choice(ALPHABET) for _ in range(count))


def _clean(text, error):
    """Fold width, case, separators and look-alikes; raise `error` for non-strings or huge input."""
    if not isinstance(text, str) or len(text) > MAX_INPUT_LENGTH:
        raise error("format")
    text = unicodedata.normalize("NFKC", text).upper()
    return SEPARATORS.sub("", text).translate(LOOK_ALIKES)


def _in_alphabet(symbols):
    return all(symbol in SYMBOL_VALUES for symbol in symbols)


def _format_reference(symbols):
    groups = [symbols[0:4], symbols[4:8], symbols[8:12], symbols[12:15]]
    return "-".join([PREFIX, *groups])


def _format_access_code(symbols):
    return f"{symbols[:5]}-{symbols[5:]}"
