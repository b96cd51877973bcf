"""Over-HTTP measurements: gunicorn servers started and stopped by the bench, and a closed-loop load client.

The client uses worker processes (to sidestep the GIL), each running threads with one keep-alive
http.client connection per thread. Every thread sends its next request as soon as the previous one
answers (closed loop), so concurrency is bounded and nothing queues up without limit.
"""
import http.client
import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from bench.stats import summary_ms

ROOT = Path(__file__).resolve().parent.parent
# The shipped gunicorn.conf.py (gthread, 4 threads, --preload, reuse_port, JSON access log), pinned to 2 workers
# so runs on different machines compare; without preload, the same settings spelled out (no flag undoes it).
GUNICORN_ARGS = ["--config", "gunicorn.conf.py", "--workers", "2"]
# `--config /dev/null`: gunicorn reads ./gunicorn.conf.py by default, and that file preloads.
NO_PRELOAD_ARGS = ["--config", "/dev/null", "--workers", "2", "--worker-class", "gthread", "--threads", "4",
                   "--reuse-port"]


def server_env(content_dir, data_dir):
    """Environment for a portal server on its own SQLite data dir and content, rate limits off."""
    env = dict(os.environ, PORTAL_DATA_DIR=str(data_dir), PORTAL_CONTENT_DIR=str(content_dir),
               RATELIMIT_ENABLED="false", PORTAL_ENV="development", SECRET_KEY=secrets.token_hex(32))
    env.pop("DATABASE_URL", None)
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn process group on 127.0.0.1; always stopped (SIGTERM, then SIGKILL) within a few seconds."""

    def __init__(self, app_spec, env, log_path, preload=True):
        self.app_spec, self.env, self.log_path, self.preload = app_spec, env, Path(log_path), preload
        self.port = free_port()
        self.process = None
        self.startup_s = None

    def start(self, timeout=180):
        args = list(GUNICORN_ARGS if self.preload else NO_PRELOAD_ARGS)
        command = [sys.executable, "-m", "gunicorn", *args, "--bind", f"127.0.0.1:{self.port}",
                   "--graceful-timeout", "3", "--log-level", "warning", self.app_spec]
        self._log = open(self.log_path, "wb")
        started = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            # With reuse_port each worker binds its own socket: load sent before the last one listens would
            # pin every keep-alive connection to the first.
            if self._healthy() and self._listening_sockets() >= self._workers():
                self.startup_s = time.perf_counter() - started
                return self
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not healthy after {timeout} s; see {self.log_path}")

    def _healthy(self):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/healthz")
            ok = connection.getresponse().status == 200
            connection.close()
            return ok
        except OSError:
            return False

    def _workers(self):
        args = GUNICORN_ARGS if self.preload else NO_PRELOAD_ARGS
        return int(args[args.index("--workers") + 1])

    def _listening_sockets(self):
        """Count the sockets listening on our port (state 0A in /proc/net/tcp); 1 without reuse_port."""
        local = f":{self.port:04X}"
        try:
            rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
        except OSError:
            return self._workers()
        return sum(1 for row in rows if row.split()[1].endswith(local) and row.split()[3] == "0A")

    @property
    def pid(self):
        return self.process.pid

    def worker_pids(self):
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            self._close_log()
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass
        self._close_log()

    def _close_log(self):
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _client_thread(port, paths, offset, stop_at, record_from, out, request=("GET", None, {})):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            break
        path = paths[i % len(paths)]
        i += 1
        try:
            method, body, headers = request
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        except (OSError, http.client.HTTPException):
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        done = time.perf_counter()
        if now >= record_from:
            out.append((done - now, status, done))
    connection.close()


def _client_process(port, paths, offset, threads, stop_at, record_from, queue, request):
    results, workers = [], []
    for t in range(threads):
        out = []
        results.append(out)
        worker = threading.Thread(target=_client_thread,
                                  args=(port, paths, offset + t * 7, stop_at, record_from, out, request), daemon=True)
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join(timeout=max(1.0, stop_at - time.perf_counter() + 35))
    queue.put([sample for out in results for sample in out])


def load(port, paths, duration=5.0, concurrency=8, warmup=1.0, processes=2, method="GET", body=None, headers=None,
         ok=(200,)):
    """Closed-loop load (GET unless `method`) over `paths` for `duration` s after `warmup` s; percentiles and req/s."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start = time.perf_counter()
    record_from, stop_at = start + warmup, start + warmup + duration
    per_process = [concurrency // processes + (1 if p < concurrency % processes else 0) for p in range(processes)]
    children = []
    for p, threads in enumerate(per_process):
        child = context.Process(target=_client_process,
                                args=(port, paths, p * 101, threads, stop_at, record_from, queue,
                                      (method, body, headers or {})), daemon=True)
        child.start()
        children.append(child)
    samples = []
    for _ in children:
        samples += queue.get(timeout=warmup + duration + 60)
    for child in children:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
    # Throughput counts requests completed inside the measuring window only.
    in_window = [s for s in samples if s[2] <= stop_at]
    errors = sum(1 for _, status, _ in samples if status not in ok)
    result = summary_ms([latency for latency, _, _ in samples])
    result.update(requests=len(samples), errors=errors, rps=len(in_window) / duration,
                  duration=duration, concurrency=concurrency)
    return result


def search_paths(prefix, queries):
    return [f"{prefix}?q={urllib.parse.quote(q)}" for q in queries]


def wrk_available():
    from shutil import which

    return which("wrk")
