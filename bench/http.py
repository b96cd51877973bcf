"""Over-HTTP measurements: gunicorn servers started and stopped by the bench, and a closed-loop load client.

The client uses worker processes (to sidestep the GIL), each running threads with one keep-alive
http.client connection per thread. Every thread sends its next request as soon as the previous one
answers (closed loop), so concurrency is bounded and nothing queues up without limit.
"""
import http.client
import multiprocessing
import os
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
GUNICORN_ARGS = ["--preload", "--workers", "2", "--worker-class", "gthread", "--threads", "4"]


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
        args = list(GUNICORN_ARGS) if self.preload else [a for a in GUNICORN_ARGS if a != "--preload"]
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
            if self._healthy():
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


def _client_thread(port, paths, offset, stop_at, record_from, out):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            break
        path = paths[i % len(paths)]
        i += 1
        try:
            connection.request("GET", path)
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


def _client_process(port, paths, offset, threads, stop_at, record_from, queue):
    results, workers = [], []
    for t in range(threads):
        out = []
        results.append(out)
        worker = threading.Thread(target=_client_thread,
                                  args=(port, paths, offset + t * 7, stop_at, record_from, out), daemon=True)
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join(timeout=max(1.0, stop_at - time.perf_counter() + 35))
    queue.put([sample for out in results for sample in out])


def load(port, paths, duration=5.0, concurrency=8, warmup=1.0, processes=2):
    """Closed-loop GET load over `paths` for `duration` s after `warmup` s; latency percentiles and req/s."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start = time.perf_counter()
    record_from, stop_at = start + warmup, start + warmup + duration
    per_process = [concurrency // processes + (1 if p < concurrency % processes else 0) for p in range(processes)]
    children = []
    for p, threads in enumerate(per_process):
        child = context.Process(target=_client_process,
                                args=(port, paths, p * 101, threads, stop_at, record_from, queue), daemon=True)
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
    errors = sum(1 for _, status, _ in samples if status != 200)
    result = summary_ms([latency for latency, _, _ in samples])
    result.update(requests=len(samples), errors=errors, rps=len(in_window) / duration,
                  duration=duration, concurrency=concurrency)
    return result


def search_paths(prefix, queries):
    return [f"{prefix}?q={urllib.parse.quote(q)}" for q in queries]


def wrk_available():
    from shutil import which

    return which("wrk")
