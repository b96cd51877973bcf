"""Turn what a user typed into a Whoosh query: normalised script, synonyms, pinyin and spelling fixes."""
import re
from dataclasses import dataclass, field

from whoosh.query import Or, Term

from app.kb import analysis

MAX_QUERY_CHARS = 200
MAX_TERMS = 240
CHINESE_FIELDS = ("title", "keywords", "summary", "body")
ENGLISH_FIELDS = ("title_en", "summary_en", "tags")
EXPANSION_WEIGHT = 0.7
CORRECTION_WEIGHT = 0.9
PINYIN_WEIGHT = 0.6
COMMON_BODY_SHARE = 0.25


@dataclass
class QueryPlan:
    original: str
    normalized: str
    terms: list = field(default_factory=list)
    query: object = None
    suggestion: str | None = None


def plan_query(raw, synonyms, pinyin_map, searcher):
    """Plan a search for `raw`; `searcher` may be None (fallback scan: no Whoosh query is built)."""
    normalized = analysis.normalize(raw)[:MAX_QUERY_CHARS]
    plan = QueryPlan(original=(raw or "").strip(), normalized=normalized)
    if not normalized:
        return plan
    corrected = _corrected(normalized, pinyin_map, searcher)
    if corrected != normalized:
        plan.suggestion = corrected
    expansions = analysis.expand_synonyms(" ".join({normalized, corrected}), synonyms)
    texts = [(normalized, 1.0)] + ([(corrected, CORRECTION_WEIGHT)] if plan.suggestion else [])
    texts += [(phrase, EXPANSION_WEIGHT) for phrase in expansions]
    plan.terms = list(dict.fromkeys(w for text, _ in texts for w in analysis.words(text)))
    if searcher is not None:
        plan.query = _whoosh_query(texts, normalized, searcher)
    return plan


def _whoosh_query(texts, normalized, searcher):
    boosts = {}
    common = _common_body_terms(searcher)
    for text, weight in texts:
        for fieldname in _fields_for(text, weight):
            for token in searcher.schema[fieldname].process_text(text, mode="query"):
                if fieldname == "body" and common(token):
                    continue
                key = (fieldname, token)
                boosts[key] = max(boosts.get(key, 0), weight)
    for key in _pinyin_keys(normalized, searcher.reader()):
        boosts[("pinyin", key)] = max(boosts.get(("pinyin", key), 0), PINYIN_WEIGHT)
    if not boosts:
        return None
    terms = sorted(boosts.items(), key=lambda item: -item[1])[:MAX_TERMS]
    query = Or([Term(fieldname, token, boost=weight) for (fieldname, token), weight in terms])
    # Whoosh's default binary tree of union matchers costs ~0.3 s per query at 5,000 articles in pure Python;
    # pre-loading each term's postings into one score array is several times faster for these wide ORs.
    query.matcher_type = Or.ARRAY_MATCHER
    return query


def _common_body_terms(searcher):
    """Return a test for body words found in most articles (投诉 in a complaints help center).

    Their BM25 weight is close to zero, yet scoring them means visiting nearly every article; they still
    count where they are rare and telling: in titles, keywords and summaries.
    """
    reader, limit = searcher.reader(), COMMON_BODY_SHARE * searcher.doc_count()
    return lambda token: reader.doc_frequency("body", token) > limit


def _fields_for(text, weight):
    """Pick the fields worth searching for one phrasing; every extra term costs a pass over its postings."""
    fields = CHINESE_FIELDS if weight == 1.0 else CHINESE_FIELDS[:-1]  # synonyms: not in the body
    return fields + ENGLISH_FIELDS if re.search(r"[a-z]", text) else fields


def _pinyin_keys(text, reader):
    """Pinyin of unknown 2–4 character windows and of joined Latin words: 退宽 -> tuikuan, 'tui kuan' -> tuikuan.

    Windows the articles already contain (投诉) are matched as words; their pinyin would only add work.
    """
    keys = {analysis.pinyin_of(window) for window in analysis.han_windows(text) if not _is_known(reader, window)}
    latin = re.findall(r"[a-z]+", text)
    for size in (1, 2, 3):
        keys.update("".join(latin[i:i + size]) for i in range(len(latin) - size + 1))
    return {key for key in keys if len(key) >= 2}


def _corrected(text, pinyin_map, searcher):
    """Replace homophone typos, pinyin and misspelt English words with the words our articles use."""
    if not pinyin_map:
        return text
    reader = searcher.reader() if searcher is not None else None
    # Characters inside a real word are not typos (充值能 must not become 充只能, 还是未 not 还视为).
    protected = [w for w in analysis.words(text) if len(w) >= 2 and (analysis.is_dictionary_word(w)
                                                                      or _is_known(reader, w))]
    for window in sorted(set(analysis.han_windows(text)), key=len, reverse=True):
        word = pinyin_map.get(analysis.pinyin_of(window))
        if word and word != window and window in text and not _overlaps(window, text, protected) \
                and not _is_known(reader, window):
            text = text.replace(window, word)
    return re.sub(r"[a-z]+(?:\s+[a-z]+)*", lambda m: _correct_latin(m.group(0), pinyin_map, searcher), text)


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
    return reader is not None and any(reader.doc_frequency(f, word) for f in ("title", "keywords", "summary"))


def _correct_latin(phrase, pinyin_map, searcher):
    joined = phrase.replace(" ", "")
    if joined in pinyin_map:
        return pinyin_map[joined]
    if searcher is None:
        return phrase
    reader = searcher.reader()
    corrector = searcher.corrector("spell_en")
    fixed = []
    for word in phrase.split():
        known = len(word) < 4 or reader.doc_frequency("spell_en", word) or word in pinyin_map
        # Short words have many neighbours at distance 2 (late -> page), so only fix one-letter slips there;
        # typing slips rarely hit the first letter, so a suggestion must keep it (late is not rate).
        suggestions = [] if known else corrector.suggest(word, limit=3, maxdist=1 if len(word) < 6 else 2)
        fixed.append(next((s for s in suggestions if s[0] == word[0]), word))
    return " ".join(fixed)
