"""`make bench`: search latency, index build time, HTTP throughput and worker memory -> docs/benchmarks.md.

Steps: generate a large corpus next to the shipped content, build an index for each and time searches
in process, serve each with gunicorn (and a bare Flask hello-world, in the same run) under a closed-loop
load, read the servers' memory, and write the report. All data lives in a temporary directory.
"""
import argparse
import atexit
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from bench import corpus, http, inproc, memory, quality, report

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "content"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="size of the generated corpus")
    parser.add_argument("--rounds", type=int, default=10, help="in-process rounds over the query list")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per HTTP measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    return parser.parse_args(argv)


def server_env(content_dir, data_dir):
    env = dict(os.environ, PORTAL_DATA_DIR=str(data_dir), PORTAL_CONTENT_DIR=str(content_dir),
               RATELIMIT_ENABLED="false", PORTAL_ENV="development", SECRET_KEY=secrets.token_hex(32))
    env.pop("DATABASE_URL", None)
    return env


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="kameng-bench-"))
    servers = []

    def cleanup():
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    atexit.register(cleanup)
    try:
        results = run(args, tmp, servers)
        results["runtime_s"] = time.perf_counter() - started
        report.write(results, args.output)
    finally:
        cleanup()
        atexit.unregister(cleanup)


def run(args, tmp, servers):
    queries = inproc.load_queries()
    results = {"machine": report.machine(), "queries": len(queries), "duration": args.duration,
               "concurrency": args.concurrency, "gunicorn_args": http.GUNICORN_ARGS,
               "client": f"Python threads + http.client keep-alive, {args.concurrency} connections in 2 processes",
               "corpora": [], "http_rows": [], "memory": [], "findings": []}
    print("measuring jieba's cost in a fresh process…", flush=True)
    results["jieba"] = memory.jieba_cost(SHIPPED)

    print(f"generating a {args.articles:,}-article corpus…", flush=True)
    t0 = time.perf_counter()
    generated = corpus.generate(SHIPPED, tmp / "content-generated", args.articles)
    results["generate_s"] = time.perf_counter() - t0
    corpora = [("shipped", "shipped content", SHIPPED),
               ("5k", f"{args.articles:,} articles", generated)]
    for key, label, content_dir in corpora:
        print(f"[{label}] index build and in-process latency…", flush=True)
        data_dir = tmp / f"data-{key}"
        app = inproc.make_app(content_dir, data_dir)
        measured = inproc.measure(app, queries, rounds=args.rounds,
                                  budget_seconds=25.0 if key == "shipped" else 35.0)
        if key == "shipped":
            print(f"[{label}] search quality over the query set…", flush=True)
            results["quality"] = quality.measure(app, quality.load_cases())
        inproc.migrate(app)
        results["corpora"].append({"key": key, "label": label, "content_dir": content_dir, "data_dir": data_dir,
                                   "inproc": measured})

    print("HTTP: bare Flask hello-world…", flush=True)
    hello = http.Server("bench.hello:app", dict(os.environ), tmp / "hello.log")
    servers.append(hello)
    with hello:
        results["hello"] = http.load(hello.port, ["/"], args.duration, args.concurrency)
    results["http_rows"].append(("Flask hello-world", "/", results["hello"]))

    for c in results["corpora"]:
        print(f"HTTP: portal on {c['label']}…", flush=True)
        server = http.Server("wsgi:app", server_env(c["content_dir"], c["data_dir"]), tmp / f"portal-{c['key']}.log")
        servers.append(server)
        with server:
            c["startup_s"] = server.startup_s
            # Slow searches need a longer window for a meaningful number of samples.
            slow = c["inproc"]["latency"]["p50"] > 100
            duration, warmup = (args.duration + 3, 2.0) if slow else (args.duration, 1.0)
            for endpoint in ("/api/v1/search", "/search"):
                measured = http.load(server.port, http.search_paths(endpoint, queries), duration,
                                     args.concurrency, warmup=warmup)
                results["http_rows"].append((f"portal, {c['label']}", f"{endpoint}?q=…", measured))
            results["memory"].append((f"portal --preload, {c['label']}", memory.server_memory(server)))

    print("memory: portal without --preload, for comparison…", flush=True)
    shipped = results["corpora"][0]
    no_preload = http.Server("wsgi:app", server_env(shipped["content_dir"], shipped["data_dir"]),
                             tmp / "portal-no-preload.log", preload=False)
    servers.append(no_preload)
    with no_preload:
        http.load(no_preload.port, http.search_paths("/api/v1/search", queries), 2.0, args.concurrency, warmup=2.0)
        results["memory"].append(("portal without --preload, shipped content", memory.server_memory(no_preload)))
    results["preload_check"] = preload_check(results)
    results["findings"] = findings(results)
    return results


def preload_check(results):
    with_preload = results["memory"][0][1]
    without = results["memory"][-1][1]
    jieba = results["jieba"]
    jieba_mb = jieba.get("after_prepare_mb", 0) - jieba.get("after_app_analysis_import_mb", 0)
    workers = [v for role, _, v in with_preload["processes"] if role == "worker"]
    worker_private = max((v["private"] for v in workers), default=0.0)
    ok = bool(workers) and worker_private < jieba_mb and with_preload["total"]["pss"] < without["total"]["pss"]
    evidence = (f"PSS total {with_preload['total']['pss']:.0f} MB with `--preload` vs {without['total']['pss']:.0f} MB "
                f"without (shipped content); each worker's private memory ≤ {worker_private:.0f} MB while jieba's "
                f"dictionary alone costs one process ≈ {jieba_mb:.0f} MB")
    return {"ok": ok, "evidence": evidence}


def findings(results):
    notes = []
    for c in results["corpora"]:
        r = c["inproc"]
        kb_p50, total_p50 = r["kb_lookup"]["p50"], r["latency"]["p50"]
        if kb_p50 and total_p50 and kb_p50 > 0.2 * total_p50:
            notes.append(f"{c['label']}: `services.knowledge_base()` takes {kb_p50:.1f} ms of the {total_p50:.1f} ms "
                         "median search: `content.cached_knowledge_base` re-reads and hashes every content file on "
                         "every call. Checking file mtimes (or re-hashing at most every few seconds) would remove "
                         "almost all of it.")
    for c in results["corpora"]:
        core, limit = c["inproc"]["core"], report.GOALS[c["key"]]
        if core["p95"] and core["p95"] >= limit:
            notes.append(f"{c['label']}: even without the `knowledge_base()` lookup the index search alone has p95 "
                         f"{core['p95']:.0f} ms (goal {limit:.0f} ms). Most of it is Whoosh scoring the top hits: "
                         "the query is an Or of every token in 7 fields plus synonyms and pinyin (about 25 terms "
                         "that exist in the index), wrapped in a coordination matcher, so pure-Python union "
                         "matchers visit almost every document for common words such as 客服, 投诉 or 退款.")
    for c in results["corpora"]:
        rows = [r for label, endpoint, r in results["http_rows"] if label.endswith(c["label"])]
        inproc_p50 = c["inproc"]["latency"]["p50"]
        if rows and inproc_p50 and rows[0]["p50"] and rows[0]["p50"] > 3 * inproc_p50:
            notes.append(f"{c['label']}: over HTTP the API's p50 is {rows[0]['p50']:.0f} ms against {inproc_p50:.0f} ms "
                         f"in process. With {results['concurrency']} connections on 2 workers some queueing is "
                         "expected, but the per-request content re-hash makes it worse: each file read releases "
                         "the GIL and then waits for the threads busy scoring, so I/O-bound and CPU-bound threads "
                         "in one worker slow each other down.")
    hello = results["hello"]["rps"] or 1
    api = [r for label, endpoint, r in results["http_rows"] if endpoint.startswith("/api/") and "shipped" in label]
    if api:
        notes.append(f"Over HTTP the search API serves {api[0]['rps'] / hello:.1%} of the hello-world's requests/s "
                     "on the shipped content: search is CPU-bound Python, so each worker serves one search at "
                     "a time (the GIL), whatever the thread count.")
    return notes


if __name__ == "__main__":
    main()
