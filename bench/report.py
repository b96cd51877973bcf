"""Render the benchmark results as docs/benchmarks.md and as a short stdout summary."""
import datetime as dt
import os
import platform
import sys
from pathlib import Path

GOALS = {"shipped": 25.0, "5k": 60.0}
QUALITY_GOALS = {"recall@3": 1.0, "recall@1": 0.9}


def machine():
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}


def _ms(value):
    return "–" if value is None else f"{value:.1f}"


def _rps(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _mark(ok):
    return "✅" if ok else "❌"


def goals(results):
    rows = []
    for corpus in results["corpora"]:
        limit = GOALS[corpus["key"]]
        p95 = corpus["inproc"]["latency"]["p95"]
        rows.append((f"In-process search p95 ({corpus['label']}, highlighting included) < {limit:.0f} ms",
                     f"{_ms(p95)} ms", p95 is not None and p95 < limit))
    measured = results.get("quality")
    if measured:
        overall = measured["all"]
        rows.append((f"Search quality recall@3 = 100% ({overall['n']} queries, `tests/data/search_quality.yaml`)",
                     f"{overall['recall@3']:.1%}", overall["recall@3"] >= QUALITY_GOALS["recall@3"]))
        rows.append(("Search quality recall@1 ≥ 90%", f"{overall['recall@1']:.1%}",
                     overall["recall@1"] >= QUALITY_GOALS["recall@1"]))
    preload = results.get("preload_check")
    if preload:
        rows.append(("jieba loaded once per server (`--preload`): workers share it instead of loading it again",
                     preload["evidence"], preload["ok"]))
    return rows


def quality_section(measured):
    """The search-quality table by kind of phrasing, and the queries whose answer did not come first."""
    if not measured:
        return []
    from bench.quality import DEPTH, table

    lines = ["", "## Search quality", "",
             "Each query of `tests/data/search_quality.yaml` lists the articles that answer it. recall@k: the share",
             "of queries with one of them in the first k hits; MRR: the mean of 1/rank of the first one",
             f"(within the top {DEPTH}).",
             "Run through `services.search_articles` on the shipped content, as the search page and the complaint",
             "form's suggestions call it (`python -m bench.quality` prints the same table).", ""]
    lines += table(measured)
    if measured["misses"]:
        lines += ["", "Not first:", ""]
        lines += [f"- {miss['kind']}: “{miss['q']}” at rank {miss['rank'] or '>' + str(DEPTH)} "
                  f"(first: {', '.join(miss['top3'][:1])})" for miss in measured["misses"]]
    return lines


def render(results):
    m = results["machine"]
    lines = [
        "# Search benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`); every number below comes from one run on the machine",
        "described here. These machines are noisy (repeat runs vary by roughly ±20%), so compare numbers",
        "from the same run (ratios), not with figures from another day.",
        "",
        f"- Date: {m['date']}",
        f"- Machine: {m['nproc']} CPUs, {m['cpu']}; {m['platform']}",
        f"- Python {m['python']}; gunicorn `{' '.join(results['gunicorn_args'])}`; load client: "
        f"{results['client']}",
        f"- Queries: {results['queries']} realistic queries from `tests/data/search_quality.yaml` (colloquial, "
        "long sentences, slang, traditional, pinyin with and without spaces, homophone typos, English)",
        f"- Total bench runtime: {results['runtime_s']:.0f} s (generating the corpus: {results['generate_s']:.0f} s)",
        "",
        "## Goals",
        "",
        "| Goal | Measured | Met |",
        "|---|---|---|",
    ]
    lines += [f"| {goal} | {measured} | {_mark(ok)} |" for goal, measured, ok in goals(results)]
    lines += quality_section(results.get("quality"))
    lines += ["", "## Index build", "", "| Corpus | Articles | Load + validate + render Markdown (s) | Index build (s) "
              "| gunicorn `--preload` start until /healthz (s) |",
              "|---|---|---|---|---|"]
    for c in results["corpora"]:
        r = c["inproc"]
        start = c.get("startup_s")
        lines.append(f"| {c['label']} | {r['articles']:,} | {r['kb_load_s']:.2f} | {r['build_s']:.2f} "
                     f"| {'–' if start is None else f'{start:.1f}'} |")
    lines += ["", "## Search latency in process",
              "",
              "`app.kb.services.search_articles` inside an app context, 10 results per page with highlighted",
              "snippets and category facets, as the search page calls it; one warm-up round first.",
              "\"Index search only\" calls `app.kb.search.search` with the already loaded articles, i.e. without",
              "the `knowledge_base()` lookup that starts every service call.",
              "",
              "| Corpus | Samples | p50 (ms) | p95 (ms) | p99 (ms) | Mean hits | `knowledge_base()` p50 (ms) "
              "| Index search only p50 / p95 (ms) |",
              "|---|---|---|---|---|---|---|---|"]
    for c in results["corpora"]:
        r = c["inproc"]
        lat, kb, core = r["latency"], r["kb_lookup"], r["core"]
        lines.append(f"| {c['label']} | {lat['n']} ({r['rounds']} rounds) | {_ms(lat['p50'])} | {_ms(lat['p95'])} "
                     f"| {_ms(lat['p99'])} | {r['mean_total_hits']:.0f} | {_ms(kb['p50'])} "
                     f"| {_ms(core['p50'])} / {_ms(core['p95'])} |")
    lines += ["", "## Over HTTP", "",
              f"Closed loop, concurrency {results['concurrency']}, {results['duration']:.0f} s per row after a "
              "1 s warm-up (3 s longer, after 2 s, for a corpus whose in-process p50 exceeds 100 ms); "
              "p50/p95 include queueing behind the other connections; the client shares the CPUs with the server. The ratio divides a row's requests/s by the "
              "bare Flask hello-world's (`bench/hello.py`) under the same gunicorn settings, in this run.", "",
              "| Server | Endpoint | Requests | Errors | p50 (ms) | p95 (ms) | Requests/s | ÷ hello-world |",
              "|---|---|---|---|---|---|---|---|"]
    hello_rps = results["hello"]["rps"] or 1
    for label, endpoint, r in results["http_rows"]:
        lines.append(f"| {label} | `{endpoint}` | {r['requests']:,} | {r['errors']} | {_ms(r['p50'])} "
                     f"| {_ms(r['p95'])} | {_rps(r['rps'])} | {r['rps'] / hello_rps:.4f} |")
    for note in results.get("wrk", []):
        lines.append(f"\nwrk: {note}")
    lines += ["", "## Memory", "",
              "RSS counts shared pages in every process; PSS divides them among the processes sharing them, so the",
              "PSS total is what the server really costs. Measured after the HTTP load.", "",
              "| Server | Process | PID | RSS (MB) | PSS (MB) | Shared (MB) | Private (MB) |",
              "|---|---|---|---|---|---|---|"]
    for label, mem in results["memory"]:
        for role, pid, v in mem["processes"]:
            lines.append(f"| {label} | {role} | {pid} | {v['rss']:.0f} | {v['pss']:.0f} | {v['shared']:.0f} "
                         f"| {v['private']:.0f} |")
        t = mem["total"]
        lines.append(f"| {label} | **total** | | {t['rss']:.0f} | **{t['pss']:.0f}** | {t['shared']:.0f} "
                     f"| {t['private']:.0f} |")
    j = results["jieba"]
    if "error" not in j:
        lines += ["", "One fresh interpreter (cold jieba cache), for context:", "",
                  "| Step | RSS (MB) | Time (s) |", "|---|---|---|",
                  f"| Python started | {j['baseline_mb']:.0f} | |",
                  f"| `import jieba` | {j['after_import_mb']:.0f} | {j['import_s']:.2f} |",
                  f"| `import opencc` + `OpenCC('t2s')` | {j['after_opencc_mb']:.0f} | |",
                  f"| `import pypinyin` + first `lazy_pinyin` | {j['after_pypinyin_mb']:.0f} | |",
                  f"| `import app.kb.analysis` (adds Flask, Whoosh, YAML) | {j['after_app_analysis_import_mb']:.0f} | |",
                  f"| `analysis.prepare_jieba()` (dictionary + domain words) | {j['after_prepare_mb']:.0f} "
                  f"| {j['prepare_s']:.2f} |",
                  "", f"jieba's dictionary (`prepare_jieba`) adds {j['after_prepare_mb'] - j['after_app_analysis_import_mb']:.0f} MB "
                  f"to one process; the whole search stack costs about {j['after_prepare_mb'] - j['baseline_mb']:.0f} MB RSS, "
                  "which `--preload` lets the workers share instead of loading it again."]
    if results.get("findings"):
        lines += ["", "## Findings", ""] + [f"- {item}" for item in results["findings"]]
    lines += ["", "## How to reproduce", "", "```sh", "make bench            # or: .venv/bin/python -m bench.run",
              "```", "",
              "Options: `--articles N` (size of the generated corpus, default 5000), `--duration S` (seconds per",
              "HTTP row, default 5), `--concurrency C` (default 8), `--rounds R` (in-process rounds, default 10),",
              "`--output PATH` (default docs/benchmarks.md). The generated corpus is deterministic (fixed seed,",
              "`bench/corpus.py`): FAQ files whose front matter is complete and whose bodies recombine sentences",
              "of the shipped articles. Everything (corpus, index, SQLite, jieba cache) lives in a temporary",
              "directory that is removed at the end; `instance/` is never touched.", ""]
    return "\n".join(lines)


def summary(results):
    out = [f"Search benchmarks ({results['machine']['nproc']} CPUs, Python {results['machine']['python']})"]
    for c in results["corpora"]:
        r = c["inproc"]
        out.append(f"  {c['label']:<16} build {r['build_s']:6.2f} s   in-process p50 {_ms(r['latency']['p50'])} ms "
                   f"p95 {_ms(r['latency']['p95'])} ms")
    hello_rps = results["hello"]["rps"] or 1
    for label, endpoint, r in results["http_rows"]:
        out.append(f"  HTTP {label:<16} {endpoint:<16} p50 {_ms(r['p50'])} ms p95 {_ms(r['p95'])} ms "
                   f"{_rps(r['rps']):>7} req/s ({r['rps'] / hello_rps:.4f} × hello)")
    for label, mem in results["memory"]:
        out.append(f"  memory {label}: PSS total {mem['total']['pss']:.0f} MB, RSS total {mem['total']['rss']:.0f} MB")
    measured = results.get("quality")
    if measured:
        overall = measured["all"]
        out.append(f"  quality: recall@1 {overall['recall@1']:.1%}, recall@3 {overall['recall@3']:.1%}, "
                   f"MRR {overall['mrr']:.3f} over {overall['n']} queries")
    for goal, measured, ok in goals(results):
        out.append(f"  {_mark(ok)} {goal}: {measured}")
    return "\n".join(out)


def write(results, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results), encoding="utf-8")
    print(summary(results), file=sys.stdout)
    print(f"Wrote {path}")
