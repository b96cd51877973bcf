"""A real gunicorn serving the portal on 127.0.0.1 for load and fault tests; always stopped afterwards."""
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_env(data_dir, search_index_dir, database_url=None, **settings):
    """Environment of a portal on `data_dir` (the session's search index copied in), rate limits and timers off."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(Path(search_index_dir).resolve(), data_dir / "search-index")
    env = {**os.environ, "PORTAL_ENV": "development", "PORTAL_DATA_DIR": str(data_dir),
           "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": "false", "NOTIFY_BACKGROUND": "false",
           "OVERSIGHT_BACKGROUND": "false", **{key: str(value) for key, value in settings.items()}}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


class Gunicorn:
    """gunicorn with the shipped gunicorn.conf.py plus `args`, in its own process group."""

    def __init__(self, env, args=(), log_path=None):
        self.env, self.args = env, list(args)
        self.port = free_port()
        self.log_path = Path(log_path or Path(env["PORTAL_DATA_DIR"]) / "gunicorn.log")
        self.process = None

    def __enter__(self):
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", *self.args,
                   "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "3",
                   "wsgi:app"]
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"gunicorn did not start:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        return self

    def _healthy(self):
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def request(self, method, path, body=None, headers=None, timeout=30):
        """Send one request on a new connection; return (status, headers, body bytes)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def worker_pids(self):
        """The pids of the master's children (its workers)."""
        try:
            return sorted(int(pid) for pid in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
                          .read_text().split())
        except OSError:
            return []

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()
