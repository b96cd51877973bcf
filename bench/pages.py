"""`pages` section of `make bench`: throughput of each public page as a ratio to hello-world, CPU split, memory.

One portal server (the shipped gunicorn.conf.py, 2 workers, the shipped content plus demo complaints) serves
every row in turn; the bare Flask hello-world under the same settings is measured before and after, and each
row is reported against the mean of the two. Per row the bench records how the workers shared the CPU (a row
where one worker did nearly all the work measured connection placement, not the page), and at the end the
memory of each worker after warm-up, and each page's CPU cost per request in process.
"""
import json
import os
import secrets
import time
from pathlib import Path

from bench import http, inproc, memory
from bench.http import server_env
from bench.report import _mark, _ms, _rps

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "content"
DEMO_COMPLAINTS = 150
MAX_WORKER_PSS_MB = 150
# (label, paths, goal as a ratio to hello-world, p99 limit in ms or None)
ROWS = (
    ("article page", ["/help/faq/recharge-not-arrived", "/help/faq/card-code-invalid", "/help/faq/account-frozen",
                      "/help/guides/avoiding-scams"], 0.7, None),
    ("home", ["/"], 0.5, None),
    ("help center", ["/help"], 0.6, None),
    ("category pages", ["/help/category/orders", "/help/category/refunds", "/help/category/contact"], 0.6, None),
    ("contact", ["/contact"], 0.5, None),
    ("channels API", ["/api/v1/channels"], 0.5, None),
    ("transparency (cached)", ["/transparency"], 0.5, 50.0),
    ("track (lookup form)", ["/track"], 0.5, None),
)
COMPLAINT = {"category": "topup_not_arrived", "description": "话费充值 100 元两个小时了还没到账，订单显示成功。",
             "details": {"order_number": "KM202611201234567891", "purchase_time": "2026-11-26 10:00",
                         "topup_account": "13800138000"},
             "contact_email": "bench@example.com", "consent_privacy": True}
SUBMIT_GOAL = 0.1
# A page whose body only changes with the content: the home page's most-read list and statistics move.
REVISIT_PATH = "/help/category/orders"
CPU_ROUNDS, CPU_REQUESTS = 5, 20
STAFF_EMAIL, STAFF_PASSWORD = "bench-agent@kameng.example", secrets.token_urlsafe(18)


def measure(args, tmp, servers):
    """Hello-world, every page row, the staff console, a complaint submission, a 304 revisit, hello-world again;
    then worker memory."""
    data_dir = tmp / "data"
    print("[pages] migrating and seeding demo complaints…", flush=True)
    app = inproc.make_app(SHIPPED, data_dir)
    inproc.migrate(app)
    seeded = _seed(app)
    case_paths = _staff_account(app)
    result = {"duration": args.duration, "concurrency": args.concurrency, "gunicorn_args": http.GUNICORN_ARGS,
              "seeded": seeded, "rows": [], "cpu_ms": _cpu_per_request(app), "load_before": os.getloadavg()[0]}
    result["hello_before"] = _hello(args, tmp, servers, "before")
    server = http.Server("wsgi:app", server_env(SHIPPED, data_dir), tmp / "portal.log")
    servers.append(server)
    with server:
        result["startup_s"] = server.startup_s
        for label, paths, goal, p99_limit in ROWS:
            print(f"[pages] {label}…", flush=True)
            result["rows"].append(_row(server, args, label, paths, goal, p99_limit))
        print("[pages] article rendered for one visitor…", flush=True)
        # A vote cookie makes the page the visitor's own: the full render, without the kept copy.
        result["rows"].append(_row(server, args, "article page, rendered (visitor with a vote cookie)", ROWS[0][1],
                                   None, None, headers={"Cookie": "kb_visitor=bench-visitor"}))
        print("[pages] staff console…", flush=True)
        result["rows"] += _staff_rows(server, args, case_paths)
        print("[pages] complaint submission…", flush=True)
        result["rows"].append(_row(server, args, "complaint submission (API)", ["/api/v1/complaints"], SUBMIT_GOAL,
                                   None, method="POST", body=json.dumps(COMPLAINT, ensure_ascii=False).encode(),
                                   headers={"Content-Type": "application/json"}, ok=(201,)))
        result["rows"].append(_revisit_row(server, args))
        result["memory"] = memory.server_memory(server)
    result["hello_after"] = _hello(args, tmp, servers, "after")
    result["load_after"] = os.getloadavg()[0]
    return result


def _seed(app):
    """Demo complaints make the home page's statistics and /transparency real; 0 if the seeding fails."""
    outcome = app.test_cli_runner().invoke(args=["demo", "seed", "--count", str(DEMO_COMPLAINTS)])
    return DEMO_COMPLAINTS if outcome.exit_code == 0 else 0


def _staff_account(app):
    """A demo agent to sign in as; returns the console paths of a few open demo complaints."""
    import sqlalchemy as sa

    from app.accounts import services as accounts
    from app.complaints.models import Complaint
    from app.complaints.states import CLOSED_STATUSES
    from app.extensions import db

    with app.app_context():
        accounts.create(STAFF_EMAIL, "agent", STAFF_PASSWORD, display_name="基准测试客服", is_demo=True)
        references = db.session.scalars(sa.select(Complaint.reference).where(
            Complaint.status.not_in([str(s) for s in CLOSED_STATUSES])).order_by(Complaint.id).limit(3)).all()
    return [f"/staff/complaints/{reference}" for reference in references]


def _staff_rows(server, args, case_paths):
    """The queue and case pages as a signed-in agent sees them (rendered per request, never kept)."""
    cookie = _staff_cookie(server.port)
    if cookie is None:
        print("[pages] the bench agent could not sign in; staff rows left out", flush=True)
        return []
    rows = [_row(server, args, "staff queue (signed-in agent)", ["/staff"], None, None, headers={"Cookie": cookie})]
    if case_paths:
        rows.append(_row(server, args, "staff case page (signed-in agent)", case_paths, None, None,
                         headers={"Cookie": cookie}))
    return rows


def _staff_cookie(port):
    """Sign the bench agent in through the real form; return its session cookie ("session=…"), or None."""
    import http.client
    import re
    from urllib.parse import urlencode

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/staff/login")
        response = connection.getresponse()
        form = response.read().decode()
        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*\bvalue="([^"]+)"', form)
        if not token:
            return None
        body = urlencode({"csrf_token": token.group(1), "email": STAFF_EMAIL, "password": STAFF_PASSWORD})
        connection.request("POST", "/staff/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                          "Cookie": cookie})
        response = connection.getresponse()
        response.read()
        signed_in = response.getheader("Set-Cookie")
        return signed_in.split(";")[0] if response.status == 302 and signed_in else None
    finally:
        connection.close()


def _cpu_per_request(app):
    """CPU ms one request of each row costs in process (best of a few rounds): steadier than req/s on a busy machine."""
    client = app.test_client()
    costs = {}
    for label, paths, _goal, _limit in ROWS:
        best = None
        for _ in range(CPU_ROUNDS):
            started = time.process_time()
            for i in range(CPU_REQUESTS):
                client.get(paths[i % len(paths)])
            spent = (time.process_time() - started) * 1000 / CPU_REQUESTS
            best = spent if best is None else min(best, spent)
        costs[label] = best
    return costs


def _hello(args, tmp, servers, when):
    print(f"[pages] Flask hello-world ({when})…", flush=True)
    hello = http.Server("bench.hello:app", dict(os.environ), tmp / f"hello-{when}.log")
    servers.append(hello)
    with hello:
        before = _cpu_ticks(hello)
        measured = http.load(hello.port, ["/"], args.duration, args.concurrency)
        measured["cpu_split"] = _split(before, _cpu_ticks(hello))
    return measured


def _row(server, args, label, paths, goal, p99_limit, **request):
    before = _cpu_ticks(server)
    measured = http.load(server.port, paths, args.duration, args.concurrency, **request)
    measured["cpu_split"] = _split(before, _cpu_ticks(server))
    return {"label": label, "path": paths[0] + (" …" if len(paths) > 1 else ""), "goal": goal,
            "p99_limit": p99_limit, "result": measured}


def _revisit_row(server, args):
    """A revisit of a category page with the ETag of the first visit: the 304 path (the page is still rendered)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", REVISIT_PATH)
    response = connection.getresponse()
    response.read()
    etag = response.getheader("ETag")
    connection.close()
    row = _row(server, args, "category revisit (If-None-Match → 304)", [REVISIT_PATH], None, None,
               headers={"If-None-Match": etag or "\"none\""}, ok=(304,))
    row["etag"] = etag
    return row


def _cpu_ticks(server):
    """Clock ticks of user+system CPU used so far by each worker of `server`, {pid: ticks}."""
    ticks = {}
    for pid in server.worker_pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks


def _split(before, after):
    """Each worker's share of the CPU the workers used between two readings, largest first."""
    used = [after[pid] - before.get(pid, 0) for pid in after]
    total = sum(used)
    return sorted((round(100 * u / total) for u in used), reverse=True) if total else []


def render(result):
    """Markdown for docs/benchmarks.md."""
    hello_before, hello_after = result["hello_before"], result["hello_after"]
    reference = (hello_before["rps"] + hello_after["rps"]) / 2
    lines = ["## Page speed", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')}; {result['duration']:g} s per row, "
             f"{result['concurrency']} keep-alive connections, gunicorn `{' '.join(result['gunicorn_args'])}`, "
             f"shipped content plus {result['seeded']} demo complaints, SQLite. Ratios are to the mean of the "
             f"hello-world before ({_rps(hello_before['rps'])} req/s) and after ({_rps(hello_after['rps'])} req/s) "
             "the rows. The machine is shared (load average "
             f"{result['load_before']:.1f} before the rows, {result['load_after']:.1f} after, on "
             f"{os.cpu_count()} CPUs): repeat runs vary widely, so read the ratios and the CPU column, not the "
             "req/s. *CPU split* is each worker's share of the workers' CPU during the row (50/50 is even).", "",
             "| Page | Path | req/s | × hello | goal | p50 ms | p95 ms | p99 ms | errors | CPU split % | CPU ms/req |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines.append(_line("Flask hello-world (before)", "/", hello_before, reference, None, None))
    for row in result["rows"]:
        lines.append(_line(row["label"], row["path"], row["result"], reference, row["goal"], row["p99_limit"],
                           result["cpu_ms"].get(row["label"])))
    lines.append(_line("Flask hello-world (after)", "/", hello_after, reference, None, None))
    lines += ["", "*CPU ms/req* is measured in process (Flask test client, one thread, best of "
              f"{CPU_ROUNDS}×{CPU_REQUESTS} requests): what one view costs without the server, the client or the "
              "other tenants of the machine."]
    lines += ["", _memory_lines(result["memory"])]
    return "\n".join(lines) + "\n"


def _line(label, path, measured, reference, goal, p99_limit, cpu_ms=None):
    ratio = measured["rps"] / reference if reference else 0.0
    goal_text = "–"
    if goal is not None:
        ok = ratio >= goal and not measured["errors"] and (p99_limit is None or (measured["p99"] or 1e9) < p99_limit)
        goal_text = f"≥ {goal:g}×" + (f", p99 < {p99_limit:g}" if p99_limit else "") + f" {_mark(ok)}"
    split = "/".join(str(share) for share in measured.get("cpu_split", [])) or "–"
    return (f"| {label} | `{path}` | {_rps(measured['rps'])} | {ratio:.2f} | {goal_text} | {_ms(measured['p50'])} | "
            f"{_ms(measured['p95'])} | {_ms(measured['p99'])} | {measured['errors']} | {split} | {_cpu(cpu_ms)} |")


def _cpu(value):
    return "–" if value is None else f"{value:.2f}"


def _memory_lines(measured):
    workers = [figures for role, _pid, figures in measured["processes"] if role == "worker"]
    largest = max((w["pss"] for w in workers), default=0.0)
    per_worker = ", ".join(f"{w['pss']:.0f} MB PSS ({w['private']:.0f} MB private)" for w in workers)
    return (f"Memory after the rows, per worker: {per_worker}; goal ≤ {MAX_WORKER_PSS_MB} MB PSS per worker "
            f"{_mark(bool(workers) and largest <= MAX_WORKER_PSS_MB)}. Whole server (master and workers): "
            f"{measured['total']['pss']:.0f} MB PSS.")
