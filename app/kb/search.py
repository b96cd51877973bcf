"""Search the help center: plan the query, score it from cached postings, rank, facet and highlight one page.

The index module owns the Whoosh build each worker serves from (`index.open_index`); this module only reads
it, under the generation's lock. Results are cached per build and normalised query, so popular questions
cost a dictionary lookup. If the index is missing or broken, `search()` scans the loaded articles instead
(slower, no highlighting, `degraded`) and, when allowed, has the index rebuilt in the background.
"""
import dataclasses
import logging
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from whoosh.searching import Results

from app.kb import analysis, index, ranking, scoring, snippets
from app.kb.index import IndexUnusable, open_index
from app.kb.search_query import MAX_QUERY_CHARS, plan_query
from app.pagination import Page, paginate_list

logger = logging.getLogger("portal.search")

HIGHLIGHT_FIELDS = ("body", "summary", "summary_en")
RESULT_CACHE_ENTRIES = 1024
SNIPPET_CACHE_ENTRIES = 4096


@dataclass
class Hit:
    slug: str
    type: str
    category: str
    title: str
    title_en: str
    url: str
    snippet: Markup
    score: float
    summary_en: str = ""


@dataclass
class SearchResults:
    query: str
    total: int = 0
    page: int = 1
    per_page: int = 10
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    suggestion: str | None = None
    degraded: bool = False
    # Set when nothing matched and the hits are the best category's articles instead ("did you mean" that category).
    category_suggestion: str | None = None

    @property
    def paging(self):
        """This page of hits as a pagination Page (for the page links)."""
        return Page(items=self.hits, page=self.page, per_page=self.per_page, total=self.total)


class ResultCache:
    """A bounded least-recently-used map of search results (or snippets), shared by a worker's threads.

    It lives in the index generation it was computed from, so a reindex (a new generation) starts empty.
    """

    def __init__(self, max_entries=RESULT_CACHE_ENTRIES):
        self.max_entries = max_entries
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        """Return the results stored under `key` (marking them recently used), or None."""
        with self._lock:
            results = self._entries.get(key)
            if results is not None:
                self._entries.move_to_end(key)
            return results

    def put(self, key, results):
        """Store `results`, evicting the least recently used entry beyond `max_entries`."""
        with self._lock:
            self._entries[key] = results
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def result_cache(generation):
    """The result cache of an index generation."""
    return generation.facts.setdefault("results", ResultCache())


def cache_key(knowledge_base, query, article_type, category, page, per_page):
    """What makes two searches the same: the normalised text, filters and page, on the same articles."""
    normalized = " ".join(analysis.normalize(query)[:MAX_QUERY_CHARS].split())
    return knowledge_base.content_hash, normalized, article_type, category, page, per_page


def search(knowledge_base, index_path, synonyms, query, *, article_type=None, category=None, page=1,
           per_page=10, rebuild=False, use_cache=True):
    """Search the help center; scan the articles instead (and rebuild if `rebuild`) when the index is unusable."""
    try:
        generation = open_index.current(index_path)
        key = cache_key(knowledge_base, query, article_type, category, page, per_page)
        results = result_cache(generation).get(key) if use_cache else None
        if results is None:
            with generation.lock:
                plan = plan_query(query, synonyms, generation.pinyin_map, generation.planning,
                                  knowledge_base.stop_phrases)
                results = _search_index(knowledge_base, generation, plan, article_type, category, page, per_page)
            result_cache(generation).put(key, results)
        # Callers get their own copy with their own spelling of the query; the cached one stays as it was.
        return dataclasses.replace(results, query=(query or "").strip(), hits=list(results.hits),
                                   facets=dict(results.facets))
    except Exception as exc:
        if isinstance(exc, IndexUnusable):  # already explained once, when it was found
            logger.warning("%s; falling back to scanning articles", exc)
        else:
            logger.exception("search index unusable; falling back to scanning articles")
        if rebuild:
            open_index.rebuild_in_background(knowledge_base, index_path)
        plan = plan_query(query, synonyms, {}, None, knowledge_base.stop_phrases)
        return _scan(knowledge_base, plan, article_type, category, page, per_page)


def _search_index(knowledge_base, generation, plan, article_type, category, page, per_page):
    results = SearchResults(query=plan.original, page=page, per_page=per_page, suggestion=plan.suggestion)
    if not plan.terms:
        return results
    fields = generation.doc_fields()
    type_docs = fields["type"].get(article_type, set()) if article_type else None
    # Every matching document's score in one pass over the cached postings: its keys give the category
    # facets (type filter only) and the total (type and category filters), its values the ranking.
    totals = scoring.weighted_scores(generation.postings, _terms(plan.query))
    facets = Counter(fields["category_of"].get(docnum) for docnum in totals
                     if type_docs is None or docnum in type_docs)
    facets.pop(None, None)
    results.facets = dict(facets)
    results.total = facets.get(category, 0) if category else sum(facets.values())
    if not results.facets:
        return _category_fallback(knowledge_base, generation.searcher, plan, results, type_docs)
    if not results.total:
        return results
    # Like Whoosh's search_page: a page past the end shows the last page.
    shown_page = results.page = min(page, results.paging.pages)
    start, end = (shown_page - 1) * per_page, shown_page * per_page
    top_n = scoring.top(totals, max(end, ranking.depth(plan)), _allowed_docs(fields, type_docs, category))
    top = Results(generation.searcher, plan.query, top_n, docset=set(totals))
    highlight_keys = _highlight_keys(plan.query)
    ranked, matched = ranking.rank(generation.postings, top, plan, also=highlight_keys)
    page_hits = ranked[start:end]
    docnums = [item.hit.docnum for item in page_hits]
    matched.update(ranking.matched_keys(generation.postings, highlight_keys,
                                        [d for d in docnums if d not in matched]))
    _record_matched_terms(top, generation.searcher, highlight_keys, matched, docnums)
    top.fragmenter, top.formatter = snippets.fragmenter(), snippets.formatter()
    # The articles hold the indexed texts unless the index is stale; then the stored ones must be read.
    same_texts = knowledge_base.content_hash == generation.content_hash
    snippet_cache = generation.facts.setdefault("snippets", ResultCache(SNIPPET_CACHE_ENTRIES))
    for item in page_hits:
        article = knowledge_base.get(fields["slug_of"][item.hit.docnum])
        if article is not None:
            snippet = _snippet(item.hit, article if same_texts else None, snippet_cache)
            results.hits.append(_hit(article, item.score, snippet))
    return results


def _terms(query):
    """The (field, token, boost) leaves of a planned query (an Or of Terms), or none."""
    return [] if query is None else [(leaf.field(), leaf.text, leaf.boost) for leaf in query.leaves()]


def _category_fallback(knowledge_base, searcher, plan, results, type_docs):
    """Nothing matched: offer the category whose articles look most like the query, with its best articles."""
    category, hits = ranking.fallback_category(searcher, plan.normalized, type_docs)
    articles = [a for a in (knowledge_base.get(hit["slug"]) for hit in hits) if a is not None]
    if articles:
        results.category_suggestion = category
        results.hits = [_hit(article, hit.score) for article, hit in zip(articles, hits)]
        results.total, results.facets, results.page = len(articles), {category: len(articles)}, 1
    return results


def _allowed_docs(fields, type_docs, category):
    """The docnums a hit may have, or None when nothing is filtered."""
    if category is None:
        return type_docs
    category_docs = fields["category"].get(category, set())
    return category_docs if type_docs is None else category_docs & type_docs


def _highlight_keys(query):
    """The (field, token) leaves of `query` worth marking in a snippet: words, not single common characters."""
    return {(leaf.field(), leaf.text) for leaf in query.leaves()
            if leaf.field() in HIGHLIGHT_FIELDS and snippets.highlights_word(leaf.text)}


def _record_matched_terms(top, searcher, highlight_keys, matched, docnums):
    """Give `top` the matched terms of the shown hits, as `search(terms=True)` would, for pinpoint highlighting.

    The highlighter only needs them for the few hits on the page, and `matched` already has them.
    """
    schema = searcher.schema
    docterms = {docnum: [] for docnum in docnums}
    termdocs = {}
    for docnum in docnums:
        for fieldname, token in sorted(matched.get(docnum, set()) & highlight_keys):
            key = (fieldname, schema[fieldname].to_bytes(token))
            docterms[docnum].append(key)
            termdocs.setdefault(key, []).append(docnum)
    top.docterms, top.termdocs = docterms, termdocs


def _snippet(hit, article, cache):
    """The highlighted fragments of a shown hit (body first), or None when none of its shown fields matched.

    With `article`, its texts are highlighted instead of reading the stored fields back from the index. A
    field's snippet depends only on the document and the words that matched in it (pinpoint highlighting from
    the indexed character positions), so `cache` keeps it per (document, field, words) for the generation.
    """
    matched = hit.matched_terms()
    for fieldname, fragments in (("body", 2), ("summary", 3), ("summary_en", 3)):
        words = frozenset(token for name, token in matched if name == fieldname)
        if not words:
            continue  # nothing to mark in this field: the highlighter would return ""
        key = (hit.docnum, fieldname, words)
        snippet = cache.get(key)
        if snippet is None:
            text = None if article is None else _highlighted_text(article, fieldname)
            snippet = hit.highlights(fieldname, text=text, top=fragments)
            cache.put(key, snippet)
        if snippet:
            return Markup(snippet)
    return None


def _highlighted_text(article, fieldname):
    return index.indexed_body(article) if fieldname == "body" else getattr(article, fieldname)


def _hit(article, score, snippet=None):
    """The one way a Hit is made: from the article, its score and its highlighted snippet (else its summary)."""
    return Hit(slug=article.slug, type=article.type, category=article.category, title=article.title,
               title_en=article.title_en, url=article.url_path, summary_en=article.summary_en,
               snippet=snippet if snippet is not None else escape(article.summary), score=round(score, 3))


def _scan(knowledge_base, plan, article_type, category, page, per_page):
    """Rank articles by weighted term occurrences: the fallback when the index is broken."""
    results = SearchResults(query=plan.original, page=page, per_page=per_page, degraded=True,
                            suggestion=plan.suggestion)
    scored = []
    for article in knowledge_base.articles.values():
        if article_type and article.type != article_type:
            continue
        score = _scan_score(article, plan.terms)
        if score > 0:
            scored.append((score, article))
    for _, article in scored:
        results.facets[article.category] = results.facets.get(article.category, 0) + 1
    scored = [(s, a) for s, a in scored if not category or a.category == category]
    scored.sort(key=lambda pair: (-pair[0], pair[1].slug))
    results.total = len(scored)
    results.hits = [_hit(article, float(score)) for score, article in paginate_list(scored, page, per_page).items]
    return results


def _scan_score(article, terms):
    fields = ((article.title.lower(), 4), (" ".join(article.asked_as).lower(), 4),
              (" ".join(article.keywords).lower(), 3), (article.summary, 2),
              (article.text, 1), (f"{article.title_en} {article.summary_en} {' '.join(article.tags)}".lower(), 2))
    return sum(weight * text.count(term) for term in terms for text, weight in fields)
