"""Turn what a user typed into a Whoosh query: normalised script, noise dropped, synonyms, pinyin and spelling fixes.

Besides the query, the plan lists the query's concepts (its words, each with what counts as covering it and a
weight from its rarity in our index), so the ranking can prefer articles that cover more of what was asked.
"""
import itertools
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.query import Or, Term

from app.kb import analysis

MAX_QUERY_CHARS = 200
MAX_TERMS = 240
# Per-term bounds on expansion, so no one word of a query fans out into dozens of lookups: the other phrasings
# of one synonym group (its first members: the articles' own terms come first), and the pinyin keys tried.
MAX_SYNONYMS_PER_GROUP = 8
MAX_PINYIN_KEYS = 48
CHINESE_FIELDS = ("title", "asked", "keywords", "summary", "body")
ENGLISH_FIELDS = ("title_en", "summary_en", "tags")
EXPANSION_WEIGHT = 0.7
CORRECTION_WEIGHT = 0.9
PINYIN_WEIGHT = 0.6
COMMON_BODY_SHARE = 0.25
# A query of more words than this is a sentence typed around the point. Its key terms are the words some
# article is about (found in a title, asked_as phrasing or keyword); words only ever met in article bodies
# (昨天, 说, 出来) are incidental there and count for INCIDENTAL_WEIGHT of a key term, and get no synonyms.
LONG_QUERY_WORDS = 6
INCIDENTAL_WEIGHT = 0.3
EVERYDAY_FREQUENCY = 5000
TOPIC_FIELDS = ("title", "asked", "keywords", "summary")
KEY_FIELDS = ("title", "asked", "keywords")


@dataclass(frozen=True)
class Concept:
    """One word of the query: the (field, token) pairs that cover it and its weight (rarity in our index)."""
    word: str
    weight: float
    keys: frozenset


@dataclass
class QueryPlan:
    original: str
    normalized: str
    terms: list = field(default_factory=list)
    query: object = None
    suggestion: str | None = None
    concepts: list = field(default_factory=list)


def plan_query(raw, synonyms, pinyin_map, searcher, stop_phrases=()):
    """Plan a search for `raw` against `searcher` (a Whoosh searcher or the build's memoising PlanningView).

    `searcher` may be None (fallback scan: no Whoosh query is built).
    """
    normalized = analysis.normalize(raw)[:MAX_QUERY_CHARS]
    plan = QueryPlan(original=(raw or "").strip(), normalized=normalized)
    if not normalized:
        return plan
    cleaned = analysis.strip_stop_phrases(normalized, stop_phrases)
    corrected = _corrected(cleaned, pinyin_map, searcher)
    if corrected != cleaned:
        plan.suggestion = " ".join(corrected.split())
    sentence = len(set(analysis.words(corrected))) > LONG_QUERY_WORDS
    incidental = _incidental_words(corrected, searcher) if sentence else frozenset()
    matches = _synonym_matches(" ".join({cleaned, corrected}), synonyms, incidental)
    texts = [(cleaned, 1.0)] + ([(corrected, CORRECTION_WEIGHT)] if plan.suggestion else [])
    texts += [(phrase, EXPANSION_WEIGHT) for _, others in matches for phrase in others]
    plan.terms = list(dict.fromkeys(w for text, _ in texts for w in analysis.words(text)))
    if searcher is not None:
        leaves, tokens_of = _leaves(texts, searcher, incidental)
        plan.concepts = _concepts(corrected, matches, leaves, tokens_of, searcher, incidental)
        plan.query = _whoosh_query(leaves, normalized, searcher, sentence)
    return plan


def _synonym_matches(text, synonyms, incidental):
    """The synonym groups `text` mentions, but not through incidental words alone (no 电话 for 打电话 in a story)."""
    return [(mentioned, others[:MAX_SYNONYMS_PER_GROUP]) for mentioned, others in analysis.synonym_matches(text, synonyms)
            if any(word not in incidental for member in mentioned for word in analysis.words(member))]


def _incidental_words(text, searcher):
    """The words of a long query that no article is about (in no title, asked_as or keyword)."""
    if searcher is None:
        return frozenset()
    reader = searcher.reader()
    return frozenset(w for w in analysis.words(text) if not any(reader.doc_frequency(f, w) for f in KEY_FIELDS))


def _leaves(texts, searcher, incidental):
    """Return ({(field, token): [boost, doc frequency]} for the terms the index has, {text: its tokens}).

    Each phrasing is analysed once per kind of field (the Chinese fields share one analyzer, the English
    ones another); terms missing from the index are left out, so nothing downstream looks them up again.
    """
    reader, leaves, tokens_of = searcher.reader(), {}, {}
    common_limit = COMMON_BODY_SHARE * searcher.doc_count()
    for text, weight in texts:
        tokens_of[text] = set()
        for fields in _fields_for(text, weight):
            tokens = set(searcher.schema[fields[0]].process_text(text, mode="query"))
            tokens_of[text] |= tokens
            for fieldname in fields:
                for token in tokens:
                    boost = weight * (INCIDENTAL_WEIGHT if token in incidental else 1.0)
                    key = (fieldname, token)
                    if key in leaves:
                        leaves[key][0] = max(leaves[key][0], boost)
                        continue
                    frequency = reader.doc_frequency(fieldname, token)
                    # Body words found in most articles (投诉 here) weigh close to nothing in BM25, yet scoring
                    # them visits nearly every article; they still count in titles, keywords and summaries.
                    if frequency and not (fieldname == "body" and frequency > common_limit):
                        leaves[key] = [boost, frequency]
    return leaves, tokens_of


def _concepts(text, matches, leaves, tokens_of, searcher, incidental):
    """Each word of `text` with the query terms covering it, its synonyms' included, weighted by rarity.

    Rarity counts the articles whose title, asked_as, keywords or summary have the word (or a synonym):
    a word most articles are about (投诉 here) tells them apart less than one few are about (冻结).
    """
    by_token = {}
    for fieldname, token in leaves:
        by_token.setdefault(token, []).append(fieldname)
    total, concepts, english = searcher.doc_count(), [], searcher.schema[ENGLISH_FIELDS[0]]
    for word in dict.fromkeys(analysis.words(text)):
        tokens = {word} | set(english.process_text(word, mode="query") if word.isascii() else ())
        for mentioned, others in matches:
            if any(word in member for member in mentioned):
                tokens.update(token for other in others for token in tokens_of.get(other, ()))
        keys = frozenset((fieldname, token) for token in tokens for fieldname in by_token.get(token, ()))
        frequency = max((leaves[key][1] for key in keys), default=0)
        if frequency:
            topical = max((leaves[key][1] for key in keys if key[0] in TOPIC_FIELDS), default=0) or frequency
            weight = math.log(1 + (total - topical + 0.5) / (topical + 0.5)) * _everyday_discount(word)
            concepts.append(Concept(word, weight * (INCIDENTAL_WEIGHT if word in incidental else 1.0), keys))
    return concepts


def _everyday_discount(word):
    """Less weight for words everyone uses everywhere (知道, 以后, 说), by their frequency in jieba's dictionary.

    Rarity in 43 articles alone would make any word they seldom use (不想, 一点) look telling; the dictionary's
    counts, already in memory, say how common a word is in Chinese at large. Domain words stay near 1.
    """
    return 1 / (1 + math.log10(1 + analysis.everyday_frequency(word) / EVERYDAY_FREQUENCY))


def _whoosh_query(leaves, normalized, searcher, sentence=False):
    boosts = {key: boost for key, (boost, _) in leaves.items()}
    reader = searcher.reader()
    for key in _pinyin_keys(normalized, reader, sentence):
        if reader.doc_frequency("pinyin", key):
            boosts[("pinyin", key)] = max(boosts.get(("pinyin", key), 0), PINYIN_WEIGHT)
    if not boosts:
        return None
    terms = sorted(boosts.items(), key=lambda item: -item[1])[:MAX_TERMS]
    query = Or([Term(fieldname, token, boost=weight) for (fieldname, token), weight in terms])
    # Whoosh's default binary tree of union matchers costs ~0.3 s per query at 5,000 articles in pure Python;
    # pre-loading each term's postings into one score array is several times faster for these wide ORs.
    query.matcher_type = Or.ARRAY_MATCHER
    return query


def _fields_for(text, weight):
    """Pick the fields worth searching for one phrasing, by kind; every extra term costs a pass over its postings."""
    fields = [CHINESE_FIELDS if weight == 1.0 else CHINESE_FIELDS[:-1]]  # synonyms: not in the body
    return fields + [ENGLISH_FIELDS] if re.search(r"[a-z]", text) else fields


def _pinyin_keys(text, reader, sentence=False):
    """Pinyin of unknown 2–4 character windows and of joined Latin words: 退宽 -> tuikuan, 'tui kuan' -> tuikuan.

    Windows the articles already contain (投诉) are matched as words; their pinyin would only add work. So would
    the windows of a whole sentence: its typos are fixed by `_corrected`, and the rest is chance (的话 -> dehua).
    """
    windows = () if sentence else dict.fromkeys(analysis.han_windows(text))
    unknown = (analysis.pinyin_of(window) for window in windows if not _is_known(reader, window))
    latin = re.findall(r"[a-z]+", text)
    joined = ("".join(latin[i:i + size]) for size in (1, 2, 3) for i in range(len(latin) - size + 1))
    keys = {}
    for key in itertools.chain(unknown, joined):
        if len(keys) == MAX_PINYIN_KEYS:
            break
        if len(key) >= 2:
            keys[key] = None
    return list(keys)


def _corrected(text, pinyin_map, searcher):
    """Replace homophone typos, pinyin and misspelt English words with the words our articles use."""
    if not pinyin_map:
        return text
    reader = searcher.reader() if searcher is not None else None
    # Characters inside a real word are not typos (充值能 must not become 充只能, 还是未 not 还视为), unless
    # the word is unknown to our articles and sounds exactly like one of theirs (假克服 -> 假客服).
    protected = [w for w in analysis.segments(text) if len(w) >= 2 and (
        w in analysis.STOP_WORDS or _is_known(reader, w)
        or (analysis.is_dictionary_word(w) and pinyin_map.get(analysis.pinyin_of(w)) in (None, w)))]
    for window in sorted(set(analysis.han_windows(text)), key=len, reverse=True):
        word = pinyin_map.get(analysis.pinyin_of(window))
        if word and word != window and window in text and not _overlaps(window, text, protected) \
                and not _is_known(reader, window):
            text = text.replace(window, word)
    return re.sub(r"[a-z]+(?:\s+[a-z]+)*", lambda m: _correct_latin(m.group(0), pinyin_map, searcher), text)


def _pinyin_words(joined, pinyin_map, longest=24):
    """Split run-together pinyin into the fewest words our articles use: kamiwuxiao -> [卡密, 无效], or None.

    Filler words (the pinyin of stop words: zenme, de) may sit between them and are dropped, and a short
    unknown piece (a one-syllable word: kai) is kept as typed, at twice the cost of a known word, as long as
    known words make up most of the letters: fapiaozenmekai -> [发票, kai].
    """
    filler = _filler_pinyin()
    best = [None] * (len(joined) + 1)  # best[i]: (cost, unknown letters, words) for joined[:i]
    best[0] = (0, 0, [])
    for end in range(1, len(joined) + 1):
        for start in range(max(0, end - longest), end):
            if best[start] is None:
                continue
            piece, (cost, unknown, words) = joined[start:end], best[start]
            if piece in pinyin_map:
                candidate = (cost + 1, unknown, words + [pinyin_map[piece]])
            elif piece in filler:
                candidate = (cost + 1, unknown, words)
            elif 2 <= len(piece) <= 6:
                candidate = (cost + 2, unknown + len(piece), words + [piece])
            else:
                continue
            if best[end] is None or candidate[:2] < best[end][:2]:
                best[end] = candidate
    if best[-1] is None or 2 * best[-1][1] >= len(joined) or best[-1][1] == len(joined):
        return None
    return best[-1][2] or None


@lru_cache(maxsize=1)
def _filler_pinyin():
    return frozenset(analysis.pinyin_of(word) for word in analysis.STOP_WORDS if analysis.has_han(word))


def _overlaps(window, text, protected):
    start = text.find(window)
    span = set(range(start, start + len(window)))
    for word in protected:
        position = text.find(word)
        while position != -1:
            if span & set(range(position, position + len(word))):
                return True
            position = text.find(word, position + 1)
    return False


def _is_known(reader, word):
    return reader is not None and any(reader.doc_frequency(f, word) for f in TOPIC_FIELDS)


def _correct_latin(phrase, pinyin_map, searcher):
    joined = phrase.replace(" ", "")
    if joined in pinyin_map:
        return pinyin_map[joined]
    if searcher is None:
        return phrase
    reader = searcher.reader()
    pieces = _pinyin_words(joined, pinyin_map)
    if pieces and not all(reader.doc_frequency("spell_en", word) for word in phrase.split()):
        return " ".join(pieces)
    corrector = searcher.corrector("spell_en")
    fixed = []
    for word in phrase.split():
        known = len(word) < 4 or reader.doc_frequency("spell_en", word) or word in pinyin_map
        # Short words have many neighbours at distance 2 (late -> page), so only fix one-letter slips there;
        # typing slips rarely hit the first letter, so a suggestion must keep it (late is not rate).
        suggestions = [] if known else corrector.suggest(word, limit=3, maxdist=1 if len(word) < 6 else 2)
        fixed.append(next((s for s in suggestions if s[0] == word[0]), word))
    return " ".join(fixed)
