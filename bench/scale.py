"""`scale` section of `make bench`: the public statistics at 10k, 100k and 1M complaints, SQLite and PostgreSQL.

Cold: the figures computed from nothing (an empty cache) inside the app, page render or JSON included, five
times per size. Cached: gunicorn under a closed-loop load, next to a bare Flask hello-world in the same run.
Seeded databases are kept between runs in BENCH_SCALE_DIR (default $TMPDIR/kameng-bench-scale) and, for
PostgreSQL (only when BENCH_DATABASE_URL is set), in one database per size named after it (<name>_scale_1m);
they are reseeded when the size differs (delete them after changing bench/scale_data.py).
BENCH_SCALE_SIZES overrides the sizes.
"""
import contextlib
import io
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench import http
from bench.http import server_env
from bench.report import _mark, _ms, _rps

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000, 1_000_000)
COLD_ROUNDS = 5
GOALS = {"cold_ms": 300.0, "cached_ms": 20.0, "cached_ratio": 0.5, "cached_p99_ms": 50.0}
PATHS = ("/transparency", "/api/v1/stats")


def _sizes():
    text = os.environ.get("BENCH_SCALE_SIZES")
    return tuple(int(n) for n in text.split(",")) if text else SIZES


def _label(count):
    return f"{count // 1_000_000}M" if count >= 1_000_000 else f"{count // 1000}k"


def _engines():
    """[(engine, url for a size)]: SQLite files in the cache directory, PostgreSQL databases when configured."""
    cache_dir = Path(os.environ.get("BENCH_SCALE_DIR") or Path(tempfile.gettempdir()) / "kameng-bench-scale")
    cache_dir.mkdir(parents=True, exist_ok=True)
    engines = [("SQLite", lambda n: f"sqlite:///{cache_dir / f'scale-{_label(n)}.db'}")]
    base = os.environ.get("BENCH_DATABASE_URL")
    if base:
        from sqlalchemy.engine import make_url

        from config import normalize_database_url

        url = make_url(normalize_database_url(base))
        engines.append(("PostgreSQL", lambda n: url.set(database=f"{url.database}_scale_{_label(n).lower()}")
                        .render_as_string(hide_password=False)))
    return engines


def _app(url, data_dir, **overrides):
    from app import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, DATA_DIR=Path(data_dir), LOG_LEVEL="WARNING",
                      CONTENT_DIR=(ROOT / "content").resolve(), SEARCH_AUTO_REINDEX=False, **overrides)


def _seeded_count(url, data_dir):
    """How many complaints the database at `url` holds (None when it or its tables do not exist)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM complaint")).scalar()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _recreate(url):
    """An empty database at `url`: a new SQLite file, or a dropped and created PostgreSQL database."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(target.database + suffix).unlink(missing_ok=True)
        return
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def ensure_seeded(url, count, data_dir):
    """Seed `count` complaints at `url` unless it already holds that many; return seconds spent (0 = reused)."""
    from flask_migrate import upgrade

    from app.extensions import db
    from bench import scale_data

    if _seeded_count(url, data_dir) == count:
        return 0.0
    started = time.perf_counter()
    _recreate(url)
    app = _app(url, data_dir, DATABASE_STATEMENT_TIMEOUT_SECONDS=0)  # building indexes takes a while
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        scale_data.populate(count)
        if db.engine.dialect.name == "postgresql":
            # Index-only scans need the visibility map a production autovacuum would have written by now.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE complaint")
    return time.perf_counter() - started


def cold(url, data_dir):
    """{path: [ms]} of each path answered from an empty statistics cache, in process (full compute + render)."""
    from app.extensions import cache

    app = _app(url, data_dir)
    client, samples = app.test_client(), {path: [] for path in PATHS}
    for _ in range(COLD_ROUNDS):
        for path in PATHS:
            with app.app_context():
                cache.clear()
            started = time.perf_counter()
            response = client.get(path)
            samples[path].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return samples


def measure(args, tmp, servers):
    """Seed (or reuse) each size on each engine; time cold computes in process and cached answers over HTTP."""
    results = {"duration": args.duration, "concurrency": args.concurrency, "rows": [], "hello": []}
    hello = http.Server("bench.hello:app", dict(os.environ), tmp / "hello.log")
    servers.append(hello)
    with hello:
        results["hello"].append(http.load(hello.port, ["/"], args.duration, args.concurrency))
    for engine, url_for in _engines():
        for count in _sizes():
            url, data_dir = url_for(count), tmp / f"data-{engine}-{count}"
            print(f"[{engine} {_label(count)}] seeding (or reusing)…", flush=True)
            row = {"engine": engine, "count": count, "seed_s": ensure_seeded(url, count, data_dir)}
            print(f"[{engine} {_label(count)}] cold, in process…", flush=True)
            row["cold"] = cold(url, data_dir)
            row["cached"] = _cached(url, data_dir, tmp / f"portal-{engine}-{count}.log", args, servers)
            results["rows"].append(row)
    with hello:
        results["hello"].append(http.load(hello.port, ["/"], args.duration, args.concurrency))
    return results


def _cached(url, data_dir, log, args, servers):
    env = server_env(ROOT / "content", data_dir)
    env.pop("REDIS_URL", None)  # per-process caches: each worker's first answer is its own cold one
    env.update(DATABASE_URL=url, SEARCH_AUTO_REINDEX="false")
    server = http.Server("wsgi:app", env, log)
    servers.append(server)
    measured = {}
    with server:
        for path in PATHS:
            measured[path] = http.load(server.port, [path], args.duration, args.concurrency, warmup=2.0)
    return measured


def goals(results):
    """[(goal, measured, met)] per engine and size."""
    hello_rps = statistics.mean(h["rps"] for h in results["hello"]) or 1
    checks = []
    for row in results["rows"]:
        name = f"{row['engine']}, {_label(row['count'])}"
        for path in PATHS:
            worst = max(row["cold"][path])
            checks.append((f"{name}: `{path}` cold < {GOALS['cold_ms']:.0f} ms (slowest of {COLD_ROUNDS})",
                           f"{_ms(worst)} ms", worst < GOALS["cold_ms"]))
            cached = row["cached"][path]
            checks.append((f"{name}: `{path}` cached p50 < {GOALS['cached_ms']:.0f} ms",
                           f"{_ms(cached['p50'])} ms", cached["p50"] < GOALS["cached_ms"]))
        page = row["cached"]["/transparency"]
        checks.append((f"{name}: `/transparency` cached ≥ {GOALS['cached_ratio']}× hello-world, p99 < "
                       f"{GOALS['cached_p99_ms']:.0f} ms", f"{page['rps'] / hello_rps:.2f}×, p99 {_ms(page['p99'])} ms",
                       page["rps"] / hello_rps >= GOALS["cached_ratio"] and page["p99"] < GOALS["cached_p99_ms"]
                       and page["errors"] == 0))
    return checks


def render(results):
    """The scale section of docs/benchmarks.md."""
    hello_rps = statistics.mean(h["rps"] for h in results["hello"]) or 1
    lines = ["## Statistics at scale", "",
             "Generated complaints (`bench/scale_data.py`: one year, filed in order, seeded) with their tally, "
             "so each size is what the portal would hold after that many real filings. Cold = the statistics cache "
             f"emptied before each request, {COLD_ROUNDS} rounds in process (Flask test client: SQL, payload and "
             "page render, no network). Cached = gunicorn "
             f"`{' '.join(http.GUNICORN_ARGS)}`, closed loop, concurrency {results['concurrency']}, "
             f"{results['duration']:.0f} s per row after 2 s of warm-up; the ratio divides requests/s by the "
             f"bare Flask hello-world's in this run ({_rps(hello_rps)} req/s, mean of before and after).", "",
             "### Goals", "", "| Goal | Measured | Met |", "|---|---|---|"]
    lines += [f"| {goal} | {measured} | {_mark(ok)} |" for goal, measured, ok in goals(results)]
    lines += ["", "### Side by side", "",
              "| Engine | Complaints | Seeding (s, 0 = reused) | `/transparency` cold median / max (ms) "
              "| `/api/v1/stats` cold median / max (ms) | `/transparency` cached p50 / p99 (ms) | req/s | ÷ hello "
              "| `/api/v1/stats` cached p50 / p99 (ms) | req/s | ÷ hello | Errors |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in results["rows"]:
        cold_cells = [f"{_ms(statistics.median(row['cold'][p]))} / {_ms(max(row['cold'][p]))}" for p in PATHS]
        cached = [row["cached"][p] for p in PATHS]
        cached_cells = [f"{_ms(c['p50'])} / {_ms(c['p99'])} | {_rps(c['rps'])} | {c['rps'] / hello_rps:.2f}"
                        for c in cached]
        lines.append(f"| {row['engine']} | {row['count']:,} | {row['seed_s']:.0f} | {' | '.join(cold_cells)} "
                     f"| {' | '.join(cached_cells)} | {sum(c['errors'] for c in cached)} |")
    lines += ["", "Hello-world: " + ", ".join(f"{_rps(h['rps'])} req/s (p50 {_ms(h['p50'])} ms, p99 "
                                              f"{_ms(h['p99'])} ms)" for h in results["hello"]) + "."]
    return "\n".join(lines)
