"""Score queries from cached postings: each (field, term) is scored once per index build, a query is a weighted sum.

Whoosh scores an Or of terms by walking every matching document through pure-Python matchers, and its array
matcher cannot skip blocks, so asking for 10 results saves nothing (≈ 2,000 documents and 38 terms per query at
5,000 articles). A term's BM25F score in a document never changes within one build, so each term's postings
are read once, scored with Whoosh's own scorer, and every later query only adds them up with its boosts.
"""
import heapq
from array import array
from bisect import bisect_left

# Cached (document, score) pairs per index build, 12 bytes each: the shipped content needs about 50,000 and
# 5,000 articles about 600,000; past the limit the cache starts again rather than grow.
MAX_POSTINGS = 3_000_000
EMPTY = (array("i"), array("d"))


class PostingsCache:
    """The (document numbers, BM25F scores at boost 1) of each (field, token) asked for, read once per build.

    Not thread-safe on its own: the index generation that owns it serialises its users.
    """

    def __init__(self, searcher, limit=MAX_POSTINGS):
        self._searcher = searcher
        self._entries = {}
        self._size = 0
        self.limit = limit

    @property
    def size(self):
        """How many (document, score) pairs are cached."""
        return self._size

    def postings(self, fieldname, token):
        """Return (docnums, scores) of `token` in `fieldname`, ascending by docnum; empty when absent."""
        key = (fieldname, token)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._read(fieldname, token)
            if len(entry[0]) > self.limit:
                return entry
            if self._size + len(entry[0]) > self.limit:
                self._entries.clear()
                self._size = 0
            self._entries[key] = entry
            self._size += len(entry[0])
        return entry

    def contains(self, fieldname, token, docnum):
        """Tell whether document `docnum` contains `token` in `fieldname`."""
        docnums = self.postings(fieldname, token)[0]
        position = bisect_left(docnums, docnum)
        return position < len(docnums) and docnums[position] == docnum

    def _read(self, fieldname, token):
        searcher = self._searcher
        btext = searcher.schema[fieldname].to_bytes(token)
        reader = searcher.reader()
        if (fieldname, btext) not in reader:
            return EMPTY
        # The same scorer a Whoosh Term query uses (Term.matcher), so the sums equal Whoosh's own scores.
        matcher = searcher.postings(fieldname, btext, weighting=searcher.weighting)
        docnums, scores = array("i"), array("d")
        deletions = reader.has_deletions()
        while matcher.is_active():
            docnum = matcher.id()
            if not (deletions and reader.is_deleted(docnum)):
                docnums.append(docnum)
                scores.append(matcher.score())
            matcher.next()
        return docnums, scores


def weighted_scores(cache, terms):
    """Return {docnum: Σ boost × score} over `terms`, [(field, token, boost)]: every matching document."""
    totals = {}
    get = totals.get
    for fieldname, token, boost in terms:
        docnums, scores = cache.postings(fieldname, token)
        for docnum, score in zip(docnums, scores):
            totals[docnum] = get(docnum, 0.0) + score * boost
    return totals


def top(totals, limit, allowed=None):
    """The `limit` best (score, docnum) of `totals` among `allowed` docnums, best first; ties by docnum like Whoosh."""
    items = totals.items() if allowed is None else ((d, s) for d, s in totals.items() if d in allowed)
    best = heapq.nsmallest(limit, items, key=lambda item: (-item[1], item[0]))
    return [(score, docnum) for docnum, score in best]


class PlanningView:
    """The few searcher calls query planning makes (reader().doc_frequency, doc_count, schema, corrector), memoised.

    Planning looks up every token of a query in up to eight fields, about 100 lookups a query, each a walk
    through the term table on disk; within one build the answers never change. Same thread rule as above.
    """

    MAX_ENTRIES = 50_000

    def __init__(self, searcher):
        self._searcher = searcher
        self.schema = searcher.schema
        self._count = searcher.doc_count()
        self._frequencies = {}
        self._suggestions = {}

    def reader(self):
        """This view stands in for the reader too: planning only asks it for document frequencies."""
        return self

    def doc_count(self):
        """How many documents the build holds."""
        return self._count

    def doc_frequency(self, fieldname, token):
        """How many documents have `token` in `fieldname`."""
        key = (fieldname, token)
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) > self.MAX_ENTRIES:
                self._frequencies.clear()
            found = self._frequencies[key] = self._searcher.reader().doc_frequency(fieldname, token)
        return found

    def corrector(self, fieldname):
        """A spelling corrector for `fieldname` whose suggestions are remembered."""
        return _MemoCorrector(self, fieldname)

    def suggest(self, fieldname, word, **options):
        """Whoosh's spelling suggestions for `word` in `fieldname`, computed once per build."""
        key = (fieldname, word, tuple(sorted(options.items())))
        if key not in self._suggestions:
            if len(self._suggestions) > self.MAX_ENTRIES:
                self._suggestions.clear()
            self._suggestions[key] = self._searcher.corrector(fieldname).suggest(word, **options)
        return self._suggestions[key]


class _MemoCorrector:
    def __init__(self, view, fieldname):
        self._view, self._fieldname = view, fieldname

    def suggest(self, word, **options):
        return self._view.suggest(self._fieldname, word, **options)
