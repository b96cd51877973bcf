"""Bench section `load`: complaint submissions from 50 clients, and reads while they run, on SQLite and PostgreSQL.

Each client is a thread with its own keep-alive connection that sends its next request as soon as the last
one answered (closed loop). The submissions are the API's JSON POST; the reads cycle through search,
articles and statistics. PostgreSQL is measured when BENCH_DATABASE_URL names a database the bench may wipe.
"""
import http.client
import json
import os
import threading
import time
import urllib.parse

from bench import http as bench_http
from bench.stats import summary_ms

READ_PATHS = ["/search?q=" + urllib.parse.quote("充值没到账"), "/help/faq/account-frozen",
              "/api/v1/search?q=" + urllib.parse.quote("卡密"), "/transparency", "/api/v1/stats"]


def complaint_body(n):
    """A valid API complaint, different for each `n` (so no two look like duplicates)."""
    return json.dumps({
        "category": "topup_not_arrived", "consent_privacy": True, "notify_via": "email",
        "description": f"第 {n} 位用户：昨天晚上充值了 100 元话费，到现在还没到账，订单显示已完成。",
        "details": {"order_number": f"KM2026112{n:011d}", "purchase_time": "2026-11-26T20:15",
                    "topup_account": "13800138000"},
        "contact_email": f"load{n}@example.com"}, ensure_ascii=False).encode()


class _Client(threading.Thread):
    """One closed-loop connection: take the next job from `next_job`, send it, record (seconds, status, body)."""

    def __init__(self, port, next_job, samples):
        super().__init__(daemon=True)
        self.port, self.next_job, self.samples = port, next_job, samples

    def run(self):
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while (job := self.next_job()) is not None:
            started = time.perf_counter()
            try:
                status, payload = self._send(*job)
            except (OSError, http.client.HTTPException) as exc:
                status, payload = 0, repr(exc).encode()
            self.samples.append((time.perf_counter() - started, status, payload))
        self.connection.close()

    def _send(self, method, path, body):
        headers = {"Content-Type": "application/json"} if body else {}
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed this idle keep-alive connection before reading the request (as browsers do,
            # send it again on a new one); a request the server had read would have had an answer.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        payload = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, payload


def _counter(total, make):
    lock, issued = threading.Lock(), [0]

    def next_job():
        with lock:
            if issued[0] >= total:
                return None
            issued[0] += 1
            return make(issued[0])
    return next_job


def submissions(port, total=500, concurrency=50, reads=0, read_paths=READ_PATHS):
    """Send `total` submissions from `concurrency` clients, with `reads` read clients running meanwhile."""
    submitted, read_samples, done = [], [], threading.Event()
    cycle = _counter(10 ** 9, lambda n: None if done.is_set() else ("GET", read_paths[n % len(read_paths)], None))
    readers = [_Client(port, cycle, read_samples) for _ in range(reads)]
    submit = _counter(total, lambda n: ("POST", "/api/v1/complaints", complaint_body(n)))
    writers = [_Client(port, submit, submitted) for _ in range(concurrency)]
    started = time.perf_counter()
    for client in readers + writers:
        client.start()
    for client in writers:
        client.join(timeout=300)
    wall = time.perf_counter() - started
    done.set()
    for client in readers:
        client.join(timeout=30)
    return {"submissions": submitted, "reads": read_samples, "wall_s": wall}


def summarise(samples, ok):
    """Latency percentiles (ms) and the count of answers whose status is not in `ok`."""
    result = summary_ms([seconds for seconds, _, _ in samples])
    result["errors"] = sum(1 for _, status, _ in samples if status not in ok)
    result["server_errors"] = sum(1 for _, status, _ in samples if status >= 500 or status == 0)
    return result


def _engines(tmp):
    yield "SQLite", None
    if os.environ.get("BENCH_DATABASE_URL"):
        yield "PostgreSQL", os.environ["BENCH_DATABASE_URL"]


def _portal(tmp, key, database_url, log):
    env = bench_http.server_env(bench_http.ROOT / "content", tmp / f"load-data-{key}")
    env.update(NOTIFY_BACKGROUND="false", OVERSIGHT_BACKGROUND="false")
    if database_url:
        _reset_postgresql(database_url)
        env["DATABASE_URL"] = database_url
    _migrate(env)
    return bench_http.Server("wsgi:app", env, log)


def _migrate(env):
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=bench_http.ROOT, env=env,
                   check=True, capture_output=True)


def _reset_postgresql(url):
    import sqlalchemy as sa

    from config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(url))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def measure(args, tmp, servers):
    """Submissions at 50 clients, then reads during submissions, per engine, with the hello-world around them."""
    result = {"hello": [], "rows": [], "total": getattr(args, "submissions", 500), "concurrency": 50}
    result["hello"].append(_hello(tmp, servers, args))
    for engine, url in _engines(tmp):
        key = engine.lower()
        server = _portal(tmp, key, url, tmp / f"load-{key}.log")
        servers.append(server)
        with server:
            run = submissions(server.port, result["total"], result["concurrency"])
            result["rows"].append((engine, f"{result['total']} submissions, 50 clients",
                                   summarise(run["submissions"], (201,)), len(run["submissions"]) / run["wall_s"]))
            run = submissions(server.port, result["total"] // 5, 4, reads=4)
            result["rows"].append((engine, "reads (4 clients: search, article, statistics) while 4 clients submit",
                                   summarise(run["reads"], (200,)), len(run["reads"]) / run["wall_s"]))
    result["hello"].append(_hello(tmp, servers, args))
    return result


def _hello(tmp, servers, args):
    hello = bench_http.Server("bench.hello:app", dict(os.environ), tmp / "load-hello.log")
    servers.append(hello)
    with hello:
        return bench_http.load(hello.port, ["/"], getattr(args, "duration", 5.0), 8)


def render(result):
    """The section's markdown."""
    hello_rps = sum(h["rps"] for h in result["hello"]) / len(result["hello"])
    lines = ["## Load: submissions and reads (`bench/load.py`)", "",
             "Goals: zero 5xx, submission p95 under 1 s at 50 clients on SQLite, read p95 under 100 ms while "
             "submissions run (tests/load/ checks the counts and the read goal on every run).", "",
             f"gunicorn `{' '.join(bench_http.GUNICORN_ARGS)}` on 127.0.0.1, clients in the same machine. Bare Flask "
             f"hello-world before/after: {result['hello'][0]['rps']:.0f} / {result['hello'][-1]['rps']:.0f} req/s "
             "(8 connections).", "",
             "| Engine | Load | p50 ms | p95 ms | p99 ms | errors | 5xx | req/s | vs hello req/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for engine, load, stats, rps in result["rows"]:
        lines.append(f"| {engine} | {load} | {stats['p50']:.0f} | {stats['p95']:.0f} | {stats['p99']:.0f} | "
                     f"{stats['errors']} | {stats['server_errors']} | {rps:.0f} | {rps / hello_rps:.1%} |")
    return "\n".join(lines) + "\n"
