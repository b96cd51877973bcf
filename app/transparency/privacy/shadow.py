"""The shadow copy."""
import functools
import re
import unicodedata

from app.transparency.privacy.models import converter, tagger
from app.transparency.privacy.public import blank_public_values


# Variation selectors, the keycap mark (1️⃣ is a plain 1) and, through their category, format characters
# (zero-width, bidi) and symbols such as emoji, which people put inside numbers and words to get past filters.
_DROPPED = {"\ufe0e", "\ufe0f", "\u20e3"}
_NUMERALS = dict(zip("零〇○一幺壹二两贰三叁四肆五伍六陆七柒八捌九玖", "000111222334455667788899"))
_NUMERAL = "[" + "".join(_NUMERALS) + "]"
_NUMERAL_CHUNK = re.compile(rf"(?:\d|{_NUMERAL})(?:[ \-]?(?:\d|{_NUMERAL}))*")
HAN = re.compile(r"[\u4e00-\u9fff]")


class Shadow:
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
        return blank_public_values(self.text)

    def original(self, start, end):
        """Map a shadow span to the original text (a dropped character inside a number is included)."""
        return self._origin[start], self._origin[end - 1] + 1

    @functools.cached_property
    def tokens(self):
        """jieba (word, flag, start, end) over the shadow text; computed once, only when a finder asks."""
        tokens, position = [], 0
        for word, flag in tagger().cut(self.text):
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
        return [(word, flag) for word, flag in tagger().cut(self.text[position:position + 10])][:count]


def _simplified(text):
    if not HAN.search(text):
        return text
    converted = converter().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase conversion changed the length: convert character by character so offsets still line up.
    return "".join(c if len(c := converter().convert(ch)) == 1 else ch for ch in text)


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


def compact_form(value):
    """The comparable form of a value: normalised, separators removed, lower case."""
    return re.sub(r"[\s\-.·_()（）]", "", Shadow(str(value)).text).lower()
