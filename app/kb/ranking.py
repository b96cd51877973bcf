"""Ranking beyond BM25: prefer articles that cover more of the query, and fall back to the best category.

BM25 adds up whatever matched, so an article matching one word of a long question many times (客服 in
the hotline article) can beat the article matching most of its words once. The top hits are therefore
re-scored by how much of the query's weighted concepts they cover, counting a match in the title or the
"also asked as" phrasings above one in the body.
"""
from dataclasses import dataclass

from whoosh.query import Or, Term

from app.kb import analysis

RERANK_DEPTH = 10
# How much a concept counts when an article covers it only in this field (title and asked_as count fully).
FIELD_COVERAGE = {"title": 1.0, "asked": 1.0, "keywords": 1.0, "summary": 0.8, "body": 0.6,
                  "title_en": 1.0, "summary_en": 0.8, "tags": 1.0}
# An article covering nothing of the query keeps this share of its score; one covering everything keeps all.
COVERAGE_FLOOR = 0.2
FALLBACK_FIELD = "grams"
FALLBACK_HITS = 3
FALLBACK_COMMON_SHARE = 0.25


@dataclass
class Ranked:
    hit: object
    score: float


def matched_keys(postings, keys, docnums):
    """Return {docnum: {(field, token), ...}}: which of `keys` (terms the index has) each of `docnums` contains."""
    return {docnum: {key for key in keys if postings.contains(key[0], key[1], docnum)} for docnum in docnums}


def coverage(concepts, keys):
    """The weighted share of `concepts` an article with these matched `keys` covers (1.0 when nothing to cover)."""
    total = sum(concept.weight for concept in concepts)
    if not total:
        return 1.0
    covered = 0.0
    for concept in concepts:
        fields = [FIELD_COVERAGE.get(fieldname, 0.0) for fieldname, _ in concept.keys & keys]
        covered += concept.weight * max(fields, default=0.0)
    return covered / total


def depth(plan):
    """How many BM25 hits to re-rank: none when the query has a single concept (coverage cannot differ much)."""
    return RERANK_DEPTH if len(plan.concepts) > 1 else 0


def rank(postings, top, plan, also=frozenset()):
    """Re-score the first `depth(plan)` hits of `top` by coverage; the rest keep their BM25 order below them.

    Return the ranked hits and {docnum: matched keys} of the re-scored ones, `also` keys included (one pass
    over the postings serves the coverage and the highlighting).
    """
    head = top[:depth(plan)]
    matched = matched_keys(postings, {key for concept in plan.concepts for key in concept.keys} | set(also),
                           [hit.docnum for hit in head])
    ranked = [Ranked(hit, hit.score * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR)
                                       * coverage(plan.concepts, matched[hit.docnum]))) for hit in head]
    ranked.sort(key=lambda item: -item.score)
    return ranked + [Ranked(hit, hit.score) for hit in top[len(head):]], matched


def fallback_category(searcher, text, allowed=None):
    """The category whose articles share the most characters with `text`, and its best hits; or (None, []).

    Only used when nothing matched: the query's Chinese characters and character pairs are looked up in
    what the articles are about (title, asked_as, keywords, summary). A hit must share more than half of
    the query's characters, one of them a telling one (a pair, or a character in at most
    FALLBACK_COMMON_SHARE of the articles), so common characters alone (钱, 卡) suggest nothing.
    """
    reader, limit = searcher.reader(), FALLBACK_COMMON_SHARE * searcher.doc_count()
    grams = {token for token in searcher.schema[FALLBACK_FIELD].process_text(text, mode="index")
             if _is_han(token) and token not in analysis.STOP_WORDS}
    characters = {gram for gram in grams if len(gram) == 1}
    telling = {gram for gram in grams if len(gram) > 1 or reader.doc_frequency(FALLBACK_FIELD, gram) <= limit}
    if not telling:
        return None, []
    top = searcher.search(Or([Term(FALLBACK_FIELD, gram) for gram in sorted(grams)]), limit=10, filter=allowed,
                          terms=True)
    hits = [hit for hit in top if 2 * len(_characters_of(hit) & characters) > len(characters)
            and _grams_of(hit) & telling]
    totals = {}
    for hit in hits:
        totals[hit["category"]] = totals.get(hit["category"], 0.0) + hit.score
    if not totals:
        return None, []
    best = max(totals, key=lambda category: (totals[category], category))
    return best, [hit for hit in hits if hit["category"] == best][:FALLBACK_HITS]


def _grams_of(hit):
    return {gram.decode("utf-8") for _, gram in hit.matched_terms()}


def _characters_of(hit):
    return {char for gram in _grams_of(hit) for char in gram}


def _is_han(token):
    return all("\u4e00" <= char <= "\u9fff" for char in token)
