"""In-process measurements: knowledge-base load, index build and search latency through the service layer."""
import gc
import time
from pathlib import Path

import yaml

from bench.stats import summary_ms

QUERIES_FILE = Path(__file__).resolve().parent.parent / "tests" / "data" / "search_quality.yaml"


def load_queries():
    """The realistic query catalogue of the search-quality test (colloquial, traditional, pinyin, typo, English)."""
    return [case["q"] for case in yaml.safe_load(QUERIES_FILE.read_text(encoding="utf-8"))]


def make_app(content_dir, data_dir):
    """A portal app on `content_dir` whose data (index, jieba cache, SQLite) lives in `data_dir`."""
    from app import create_app

    return create_app("testing", DATA_DIR=Path(data_dir), CONTENT_DIR=Path(content_dir).resolve(),
                      SEARCH_AUTO_REINDEX=False, LOG_LEVEL="WARNING")


def migrate(app):
    """Create the database tables, so the HTTP server started on the same data dir is complete."""
    import contextlib
    import io
    import logging

    from flask_migrate import upgrade

    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade()
    # Alembic's fileConfig reconfigures logging; keep the bench output quiet.
    logging.getLogger("portal").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def measure(app, queries, rounds=10, budget_seconds=30.0, min_rounds=3):
    """Build the index, then time `search_articles` over `queries` for up to `rounds` rounds.

    After the first round `search_articles` answers repeated queries from the result cache; "core" times
    never-seen queries (each query with a number no search carried before) through `search.search`.
    Rounds stop early once `budget_seconds` is spent (after at least `min_rounds`), so a slow search
    cannot blow the total runtime; the number of samples is reported.
    """
    from app.kb import analysis, index, search, services
    from app.kb.content import load_knowledge_base

    result = {"queries": len(queries)}
    with app.app_context():
        # create_app already loaded the articles (cached); time one more load on its own.
        started = time.perf_counter()
        load_knowledge_base(app.config["CONTENT_DIR"])
        result["kb_load_s"] = time.perf_counter() - started
        kb = services.knowledge_base()
        result["articles"] = len(kb.articles)
        gc.collect()
        started = time.perf_counter()
        index.rebuild_index(kb, app.config["SEARCH_INDEX_DIR"])
        result["build_s"] = time.perf_counter() - started

        started = time.perf_counter()
        for query in queries:  # warm-up (opens the searcher, fills caches), at most a few seconds
            services.search_articles(query)
            if time.perf_counter() - started > 4.0:
                break
        samples, hits, done = [], [], 0
        started = time.perf_counter()
        for _ in range(rounds):
            for query in queries:
                t0 = time.perf_counter()
                results = services.search_articles(query)
                samples.append(time.perf_counter() - t0)
                hits.append(results.total)
            done += 1
            if done >= min_rounds and time.perf_counter() - started > budget_seconds:
                break
        result["rounds"] = done
        result["latency"] = summary_ms(samples)
        result["mean_total_hits"] = sum(hits) / len(hits)
        result["degraded"] = any(services.search_articles(q).degraded for q in queries[:3])

        # Where the time goes: the knowledge-base lookup every search starts with, versus the index search
        # itself for a never-seen query (result cache bypassed: planning, scoring, facets, highlighting).
        kb_samples = []
        for _ in range(10):
            t0 = time.perf_counter()
            services.knowledge_base()
            kb_samples.append(time.perf_counter() - t0)
        result["kb_lookup"] = summary_ms(kb_samples)
        synonyms = analysis.load_synonyms(app.config["CONTENT_DIR"])
        core, core_cpu, started = [], [], time.perf_counter()
        for done in range(1, rounds + 1):
            for number, query in enumerate(queries):
                # A number no other search carried (as people paste order numbers): new to every cache.
                unseen = f"{query} {done}{number:04d}"
                t0, cpu0 = time.perf_counter(), time.thread_time()
                search.search(kb, app.config["SEARCH_INDEX_DIR"], synonyms, unseen, use_cache=False)
                core.append(time.perf_counter() - t0)
                core_cpu.append(time.thread_time() - cpu0)
            if done >= min_rounds and time.perf_counter() - started > budget_seconds / 2:
                break
        result["core"], result["core_cpu"] = summary_ms(core), summary_ms(core_cpu)
        result["memory"] = _cache_memory(app.config["SEARCH_INDEX_DIR"])
    return result


def _cache_memory(index_dir):
    """How much the worker's per-build caches hold after the runs: cached postings and result entries."""
    from app.kb import index, search

    generation = index.open_index.serving(index_dir)
    if generation is None:
        return {}
    return {"postings_pairs": generation.postings.size, "postings_mb": generation.postings.size * 12 / 1e6,
            "result_entries": len(search.result_cache(generation))}
