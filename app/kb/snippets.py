"""Search snippets: highlight words (not stray characters) in fragments that start and end on clause boundaries.

Whoosh's PinpointFragmenter cuts a fixed number of characters around the matches and, with autotrim, trims
at spaces; Chinese text has spaces only around numbers, so a snippet would end on "银行卡 3–7" and lose
"个工作日". Here each fragment grows (or, when that is too far, shrinks) to the nearest clause boundary.
"""
import re

from whoosh.highlight import Fragment, HtmlFormatter, PinpointFragmenter

BOUNDARIES = frozenset("。！？；，、：\n")
SENTENCE_ENDS = frozenset("。！？；")
REACH = 40
_RUN = re.compile(r"[0-9A-Za-z%.–\-:/@_]")


def fragmenter():
    """The fragmenter for result snippets."""
    return ClauseFragmenter(maxchars=120, surround=40, autotrim=True)


def formatter():
    """The formatter for result snippets: <mark> around matched words.

    One term class for every word (Whoosh numbers them in the order one formatter meets them), so a snippet
    is the same whatever was highlighted before it and can be cached.
    """
    return HtmlFormatter(tagname="mark", between=" … ", maxclasses=1)


def highlights_word(token):
    """Tell whether a matched token is worth marking: a word, not a single common character such as 买 or 后."""
    return len(token) >= 2


class ClauseFragmenter(PinpointFragmenter):
    """A pinpoint fragmenter whose fragments start and end on clause boundaries, never inside a number or word."""

    def fragment_matches(self, text, tokens):
        merged = []
        for fragment in super().fragment_matches(text, tokens):
            # Grown to clause boundaries, neighbours may now overlap: show the text once.
            if merged and fragment.startchar <= merged[-1].endchar:
                merged[-1] = Fragment(text, merged[-1].matches + fragment.matches, merged[-1].startchar,
                                      max(merged[-1].endchar, fragment.endchar))
            else:
                merged.append(fragment)
        return iter(merged)

    def _autotrim(self, fragment):
        text, first, last = fragment.text, fragment.matches[0], fragment.matches[-1]
        fragment.startchar = clause_start(text, min(fragment.startchar, first.startchar), first.startchar)
        fragment.endchar = clause_end(text, max(fragment.endchar, last.endchar), last.endchar)


def clause_start(text, start, first_match):
    """Start at the first clause that begins at or after `start` (before the match), else at the clause's start
    up to REACH characters earlier, else at least not inside a number or a Latin word."""
    for position in range(start, first_match + 1):
        if position == 0 or text[position - 1] in BOUNDARIES:
            return _skip_space(text, position)
    for position in range(start - 1, max(0, start - REACH) - 1, -1):
        if position == 0 or text[position - 1] in BOUNDARIES:
            return _skip_space(text, position)
    while start > 0 and _RUN.match(text[start - 1]) and _RUN.match(text[start]):
        start -= 1
    return start


def clause_end(text, end, last_match):
    """End at the last clause boundary at or before `end` (after the match), else at the clause's end up to
    REACH characters later, else at least not inside a number or a Latin word."""
    for position in range(end, last_match - 1, -1):
        if position == len(text) or text[position] in BOUNDARIES:
            return _through_sentence_end(text, position)
    for position in range(end + 1, min(len(text), end + REACH) + 1):
        if position == len(text) or text[position] in BOUNDARIES:
            return _through_sentence_end(text, position)
    while end < len(text) and _RUN.match(text[end - 1]) and _RUN.match(text[end]):
        end += 1
    return end


def _through_sentence_end(text, position):
    return position + (position < len(text) and text[position] in SENTENCE_ENDS)


def _skip_space(text, position):
    while position < len(text) and text[position].isspace():
        position += 1
    return position
