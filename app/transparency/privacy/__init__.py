"""Find personal data in complaint text and replace each kind with its own placeholder.

Detection runs on a *shadow* copy of the text: NFKC (full-width digits, letters and ＠), zero-width, bidi and
other format characters dropped, traditional characters simplified, and runs of Chinese numerals
(一三八 幺二三四) folded to digits. Each shadow character remembers the original character it came from, so
every finding indexes the ORIGINAL text and the scrubbed text keeps the writer's own characters elsewhere.

Before the finders run, what the public needs is blanked out of their view: amounts (299元, ¥65.5), dates and
times, small counts and durations, and service numbers (400/800 lines, 95xxx, 10086). Our own channels from
content/channels.yaml (hotline, official e-mail addresses and accounts) are dropped from the findings.

Finders propose hits with a rank; overlaps go to the lower rank, then to the longer hit (see `hits.resolve`).
jieba's part-of-speech tagger (for names and address edges) is loaded once per process, on first need.
"""
from dataclasses import dataclass

from app.transparency.privacy.kinds import PLACEHOLDERS, TYPES
from app.transparency.privacy.models import tagger
from app.transparency.privacy.hits import resolve
from app.transparency.privacy.shadow import Shadow
from app.transparency.privacy.known import known_hits, official, official_values
from app.transparency.privacy.numbers import number_hits
from app.transparency.privacy.formats import format_hits
from app.transparency.privacy.labels import label_hits
from app.transparency.privacy.names import name_hits
from app.transparency.privacy.addresses import address_hits

__all__ = ["PLACEHOLDERS", "TYPES", "Finding", "Scrubbed", "find", "load", "scrub"]


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
    shadow = Shadow(text)
    hits = known_hits(shadow, known)
    for finder in _FINDERS:
        hits.extend(finder(shadow))
    hits = [hit for hit in hits if hit.rank == 0 or not official(shadow.text[hit.start:hit.end])]
    found = []
    for hit in resolve(hits):
        finding = Finding(hit.type, *shadow.original(hit.start, hit.end))
        if not found or finding.start >= found[-1].end:  # two hits inside one expanded character (⑩ → 10)
            found.append(finding)
    return found


def load():
    """Load the part-of-speech tagger and the official channel values now rather than on first use."""
    tagger()
    official_values()


_FINDERS = (format_hits, number_hits, label_hits, name_hits, address_hits)
