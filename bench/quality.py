"""Search quality over the team's query set: recall@1, recall@3 and MRR (over the top 10), split by kind.

`python -m bench.quality [QUERIES.yaml]` prints the table for the shipped content; `make bench` puts the
same numbers into docs/benchmarks.md.
"""
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
QUERIES_FILE = ROOT / "tests" / "data" / "search_quality.yaml"
DEPTH = 10


def load_cases(path=QUERIES_FILE):
    """The labelled queries: [{q, expect, kind}]."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def rank_of(slugs, expected):
    """1-based rank of the first expected article among `slugs`, or None."""
    return next((i for i, slug in enumerate(slugs, 1) if slug in expected), None)


def evaluate(cases, ranked_slugs):
    """Score `ranked_slugs(query) -> [slug, ...]` on `cases`; return {"kinds": {...}, "all": {...}, "misses": [...]}."""
    ranks = defaultdict(list)
    misses = []
    for case in cases:
        slugs = ranked_slugs(case["q"])[:DEPTH]
        rank = rank_of(slugs, set(case["expect"]))
        ranks[case["kind"]].append(rank)
        if rank != 1:
            misses.append({"q": case["q"], "kind": case["kind"], "rank": rank, "top3": slugs[:3]})
    every = [rank for kind_ranks in ranks.values() for rank in kind_ranks]
    return {"kinds": {kind: _metrics(r) for kind, r in sorted(ranks.items())}, "all": _metrics(every),
            "misses": misses}


def _metrics(ranks):
    n = len(ranks) or 1
    return {"n": len(ranks), "recall@1": sum(r == 1 for r in ranks) / n,
            "recall@3": sum(r is not None and r <= 3 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n}


def measure(app, cases):
    """Evaluate `cases` through `services.search_articles` in `app` (the path the search page and intake use)."""
    from app.kb import services

    with app.app_context():
        return evaluate(cases, lambda q: [hit.slug for hit in services.search_articles(q, per_page=DEPTH).hits])


def table(quality):
    """Markdown rows: kind, queries, recall@1, recall@3, MRR."""
    lines = ["| Kind | Queries | recall@1 | recall@3 | MRR |", "|---|---|---|---|---|"]
    rows = list(quality["kinds"].items()) + [("**all**", quality["all"])]
    for kind, m in rows:
        lines.append(f"| {kind} | {m['n']} | {m['recall@1']:.0%} | {m['recall@3']:.0%} | {m['mrr']:.3f} |")
    return lines


def main(argv=None):
    from bench import inproc

    argv = sys.argv[1:] if argv is None else argv
    cases = load_cases(argv[0] if argv else QUERIES_FILE)
    with tempfile.TemporaryDirectory(prefix="kameng-quality-") as tmp:
        app = inproc.make_app(ROOT / "content", tmp)
        from app.kb import index, services

        with app.app_context():
            index.rebuild_index(services.knowledge_base(), app.config["SEARCH_INDEX_DIR"])
        quality = measure(app, cases)
    print("\n".join(table(quality)))
    for miss in quality["misses"]:
        print(f"  {miss['kind']:<13} rank {miss['rank']}  {miss['q']}  -> {miss['top3']}")


if __name__ == "__main__":
    main()
