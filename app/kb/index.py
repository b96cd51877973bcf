"""The search index: a derived cache of content/, rebuilt atomically, validated when opened, read-only for workers.

Layout under SEARCH_INDEX_DIR's parent: `<name>` is a symlink to `<name>.builds/<stamp>/`, so a rebuild
writes a new directory and swaps the link in one rename; a worker still reading the old build keeps its
open files. Each build records the size and hash of its files; a worker validates a build when it opens
it (at start and after every swap) and notices on every search when its files were deleted, rewritten or
truncated. An unusable index makes search fall back to scanning the articles (`degraded`) while one
background thread per worker rebuilds it, so the service recovers without a manual step.
"""
import fcntl
import hashlib
import html
import json
import logging
import os
import shutil
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.analysis import SimpleAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NGRAM, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term

from app.kb import analysis
from app.kb.scoring import PlanningView, PostingsCache
from app.timeutil import utcnow

logger = logging.getLogger("portal.search")

SCHEMA_VERSION = 5
META_FILE = "portal-meta.json"
PINYIN_FILE = "pinyin-map.json"
FIELD_BOOSTS = {"title": 4.0, "asked": 4.0, "keywords": 3.0, "summary": 2.0, "body": 1.0,
                "title_en": 3.0, "tags": 2.5, "summary_en": 1.5, "pinyin": 1.5}


class IndexUnusable(Exception):
    """The index is missing, broken or changed under us; the message says which."""


def build_schema():
    """The Whoosh schema of the help-center index."""
    chinese = analysis.chinese_analyzer()
    english = StemmingAnalyzer()
    return Schema(
        slug=ID(stored=True, unique=True), type=ID(stored=True), category=ID(stored=True),
        title=TEXT(analyzer=chinese, stored=True, chars=True, field_boost=FIELD_BOOSTS["title"]),
        asked=TEXT(analyzer=chinese, field_boost=FIELD_BOOSTS["asked"]),
        keywords=TEXT(analyzer=chinese, field_boost=FIELD_BOOSTS["keywords"]),
        summary=TEXT(analyzer=chinese, stored=True, chars=True, field_boost=FIELD_BOOSTS["summary"]),
        body=TEXT(analyzer=chinese, stored=True, chars=True, field_boost=FIELD_BOOSTS["body"]),
        title_en=TEXT(analyzer=english, stored=True, field_boost=FIELD_BOOSTS["title_en"]),
        summary_en=TEXT(analyzer=english, stored=True, chars=True, field_boost=FIELD_BOOSTS["summary_en"]),
        tags=TEXT(analyzer=english, field_boost=FIELD_BOOSTS["tags"], spelling=True),
        spell_en=TEXT(analyzer=SimpleAnalyzer(), spelling=True),
        pinyin=KEYWORD(lowercase=True, scorable=True, field_boost=FIELD_BOOSTS["pinyin"]),
        # Characters and character pairs of what an article is about: only for the category fallback.
        grams=NGRAM(minsize=1, maxsize=2),
        updated=STORED,
    )


# ---------------------------------------------------------------- building

def rebuild_index(knowledge_base, index_path):
    """Build a fresh index from `knowledge_base` and swap it in atomically; return the build dir."""
    index_path = Path(index_path)
    builds = index_path.parent / f"{index_path.name}.builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_dir = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{knowledge_base.content_hash[:8]}"
    build_dir.mkdir()
    started = time.perf_counter()
    _write_index(knowledge_base, build_dir)
    meta = {"content_hash": knowledge_base.content_hash, "schema": SCHEMA_VERSION,
            "articles": len(knowledge_base.articles), "built_at": utcnow().isoformat(),
            "build_seconds": round(time.perf_counter() - started, 3), "files": _fingerprint(build_dir)}
    (build_dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    _swap_in(index_path, build_dir)
    _remove_old_builds(builds, keep=build_dir)
    logger.info("search index rebuilt", extra={"fields": {k: v for k, v in meta.items() if k != "files"}})
    return build_dir


def _write_index(knowledge_base, build_dir):
    ix = FileStorage(str(build_dir)).create_index(build_schema())
    writer = ix.writer(procs=1, limitmb=256)
    pinyin_votes = {}
    for article in knowledge_base.articles.values():
        writer.add_document(**_document(article, pinyin_votes))
    writer.commit()
    # A pinyin stands for the word most articles use (kami -> 卡密, not the typo 卡蜜 one article lists).
    pinyin_map = {key: max(votes, key=lambda word: (votes[word], word)) for key, votes in pinyin_votes.items()}
    (build_dir / PINYIN_FILE).write_text(json.dumps(pinyin_map, ensure_ascii=False), encoding="utf-8")


def _document(article, pinyin_votes):
    vocabulary = set(analysis.words(" ".join([article.title, article.summary, *article.keywords, *article.asked_as])))
    pinyin_tokens = set()
    for word in vocabulary:
        keys = analysis.pinyin_keys(word)
        pinyin_tokens.update(keys)
        if keys and len(word) >= 2:
            votes = pinyin_votes.setdefault(keys[0], Counter())
            votes[word] += 1
    pinyin_tokens.update(k.lower() for k in article.keywords if k.isascii())
    return dict(slug=article.slug, type=article.type, category=article.category, title=article.title,
                asked="，".join(article.asked_as), keywords=" ".join(article.keywords), summary=article.summary,
                grams="，".join([article.title, *article.asked_as, *article.keywords, article.summary]),
                body=indexed_body(article),
                title_en=article.title_en, summary_en=article.summary_en, tags=" ".join(article.tags),
                spell_en=" ".join([article.title_en, article.summary_en, *article.tags]),
                pinyin=" ".join(sorted(pinyin_tokens)), updated=article.updated.isoformat())


def indexed_body(article):
    """The body text the index holds for `article` (its highlight offsets refer to this text)."""
    return html.unescape(article.text)


def _data_files(build_dir):
    # Whoosh leaves an empty MAIN_WRITELOCK behind; it holds no data.
    return sorted(p for p in Path(build_dir).iterdir() if p.is_file() and p.name != META_FILE
                  and not p.name.endswith("LOCK"))


def _fingerprint(build_dir):
    """{file name: [size, blake2b]} of a build's data files, to recognise random bytes or a truncated segment."""
    prints = {}
    for path in _data_files(build_dir):
        digest = hashlib.blake2b(digest_size=16)
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        prints[path.name] = [path.stat().st_size, digest.hexdigest()]
    return prints


def _swap_in(index_path, build_dir):
    if index_path.exists() and not index_path.is_symlink():
        shutil.rmtree(index_path)
    temporary_link = index_path.parent / f".{index_path.name}.{os.getpid()}.link"
    if temporary_link.is_symlink():
        temporary_link.unlink()
    temporary_link.symlink_to(build_dir.resolve(), target_is_directory=True)
    os.replace(temporary_link, index_path)


def _remove_old_builds(builds, keep, grace_seconds=300):
    # Old builds may still be open in other workers; keep them a few minutes.
    for path in builds.iterdir():
        if path != keep and time.time() - path.stat().st_mtime > grace_seconds:
            shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- checking

def read_meta(index_path):
    """Return the index's meta dict, or None when it is missing or unreadable."""
    try:
        return json.loads((Path(index_path) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def verify(target, meta):
    """Say why the build at `target` is unusable (files missing, truncated or changed, wrong schema), or None."""
    if meta is None:
        return "missing"
    if meta.get("schema") != SCHEMA_VERSION:
        return "stale"
    expected = meta.get("files") or {}
    if not expected or _fingerprint(target) != expected:
        return "corrupt"
    return None


def index_problem(knowledge_base, index_path):
    """Say why the index cannot serve `knowledge_base` (missing, stale, corrupt), or None."""
    target = os.path.realpath(index_path)
    meta = read_meta(target)
    problem = verify(target, meta)
    if problem is None and meta.get("content_hash") != knowledge_base.content_hash:
        problem = "stale"
    if problem is None:
        try:
            _open_generation(target, meta).close()
        except Exception:
            return "corrupt"
    return problem


_build_hashes = {}


def build_content_hash(index_path):
    """The content hash the index build now at `index_path` was made from, or None; read once per build."""
    target = os.path.realpath(index_path)
    found = _build_hashes.get(target)
    if found is None:
        found = (read_meta(target) or {}).get("content_hash")
        if found is not None:
            if len(_build_hashes) > 64:  # builds come and go; a long-lived worker must not collect them
                _build_hashes.clear()
            _build_hashes[target] = found
    return found


@contextmanager
def _build_lock(index_path):
    lock_path = Path(index_path).parent / f".{Path(index_path).name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_index(knowledge_base, index_path):
    """Rebuild the index when it is missing, stale or corrupt; return what was done (one build at a time)."""
    with _build_lock(index_path):
        problem = index_problem(knowledge_base, index_path)
        if problem is None:
            return "fresh"
        logger.warning("search index is %s; rebuilding", problem)
        rebuild_index(knowledge_base, index_path)
        return f"rebuilt ({problem})"


# ---------------------------------------------------------------- serving

@dataclass(eq=False)
class Generation:
    """One open, validated index build: the worker's shared searcher and everything derived from it.

    Whoosh readers are not safe to share between threads, so users hold `lock` while they touch `searcher`
    or `postings`. Searching is CPU-bound Python under the GIL anyway, so the lock costs almost nothing and
    one searcher per worker saves the ~22 MB each per-thread searcher cost.
    """
    target: str
    content_hash: str
    searcher: object
    pinyin_map: dict
    postings: PostingsCache
    planning: PlanningView
    files: dict
    lock: threading.Lock = field(default_factory=threading.Lock)
    # What searches derive from this build and may keep as long as it serves (facets, result cache).
    facts: dict = field(default_factory=dict)

    def changed(self):
        """Tell whether the build's files were deleted, replaced or truncated since it was opened."""
        return _stat_files(self.target, self.files) != self.files

    def doc_fields(self):
        """Which documents have which category and type, computed once per build (docnums never change)."""
        if "fields" not in self.facts:
            self.facts["fields"] = _doc_fields(self.searcher)
        return self.facts["fields"]

    def close(self):
        """Close the searcher's files."""
        self.searcher.close()


def _stat_files(target, files):
    signature = {}
    for name in files:
        try:
            stat = os.stat(os.path.join(target, name))
        except OSError:
            continue
        signature[name] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return signature


def _doc_fields(searcher):
    fields = {"category_of": {},
              "slug_of": {docnum: stored["slug"] for docnum, stored in searcher.reader().iter_docs()}}
    for name in ("category", "type"):
        fields[name] = {value: set(searcher.docs_for_query(Term(name, value)))
                        for value in searcher.reader().field_terms(name)}
    for value, docnums in fields["category"].items():
        fields["category_of"].update(dict.fromkeys(docnums, value))
    return fields


def _open_generation(target, meta):
    # Plain file reads, not mmap: a segment truncated while mapped kills the worker with SIGBUS on the next
    # read, where a short read only raises (and the search degrades).
    files = {name: None for name in meta["files"]}
    signature = _stat_files(target, files)
    ix = FileStorage(target, supports_mmap=False, readonly=True).open_index()
    searcher = ix.searcher()
    try:
        if searcher.doc_count() != meta["articles"]:
            raise IndexUnusable(f"index has {searcher.doc_count()} documents, its meta says {meta['articles']}")
        pinyin_map = json.loads((Path(target) / PINYIN_FILE).read_text(encoding="utf-8"))
    except Exception:
        searcher.close()
        raise
    return Generation(target=target, content_hash=meta.get("content_hash"), searcher=searcher,
                      pinyin_map=pinyin_map, postings=PostingsCache(searcher), planning=PlanningView(searcher),
                      files=signature)


class OpenIndex:
    """The worker's current index generation: opened and validated once per build, shared by its threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._current = None
        self._broken = {}
        self._rebuilding = None

    def current(self, index_path):
        """Return the validated Generation for `index_path`; raise IndexUnusable when it cannot serve."""
        target = os.path.realpath(index_path)
        current = self._current
        if current is not None and current.target == target and not current.changed():
            return current
        with self._lock:
            current = self._current
            if current is None or current.target != target or current.changed():
                self._current = None
                if current is not None:
                    with current.lock:  # let a search still running on the old build finish first
                        current.close()
                current = self._current = self._open(target)
            return current

    def serving(self, index_path):
        """The generation this worker serves `index_path` from, if it is open and unchanged; else None."""
        current = self._current
        if current is not None and current.target == os.path.realpath(index_path) and not current.changed():
            return current
        return None

    def _open(self, target):
        known = self._broken.get(target)
        if known is not None and known[0] == _stat_signature(target):
            raise IndexUnusable(known[1])
        meta = read_meta(target)
        problem = verify(target, meta)
        if problem is None:
            try:
                generation = _open_generation(target, meta)
            except Exception as exc:
                logger.warning("search index cannot be opened: %r", exc)
                problem = "corrupt"
        if problem is not None:
            # Remember it, so each search does not hash the files again until they change.
            self._broken[target] = (_stat_signature(target), f"search index {problem}")
            raise IndexUnusable(f"search index {problem}")
        self._broken.pop(target, None)
        return generation

    def rebuild_in_background(self, knowledge_base, index_path):
        """Start rebuilding the index in a daemon thread unless this worker already is; return the thread."""
        with self._lock:
            if self._rebuilding is None or not self._rebuilding.is_alive():
                self._rebuilding = threading.Thread(target=_rebuild_quietly, args=(knowledge_base, index_path),
                                                    name="search-index-rebuild", daemon=True)
                self._rebuilding.start()
            return self._rebuilding

    def wait_for_rebuild(self, timeout=None):
        """Wait until a background rebuild started by this worker has finished (what a test waits on)."""
        thread = self._rebuilding
        if thread is not None:
            thread.join(timeout)


def _stat_signature(target):
    try:
        return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in Path(target).iterdir()))
    except OSError:
        return None


def _rebuild_quietly(knowledge_base, index_path):
    try:
        logger.warning("search index unusable; rebuilding in the background: %s",
                       ensure_index(knowledge_base, index_path))
    except Exception:
        logger.exception("background rebuild of the search index failed")


open_index = OpenIndex()
