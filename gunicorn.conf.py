"""gunicorn settings of the portal (`make run`, the bench, docs/deploy.md): `gunicorn -c gunicorn.conf.py wsgi:app`.

Command-line flags override these (the bench pins `--workers 2`, `make run` passes `--bind`). The file reads
no environment of its own: threads and the worker timeout come from config.py (GUNICORN_THREADS,
GUNICORN_TIMEOUT), which also sizes the database pool and checks the timeouts against them.
"""
import json
import os
import time

from gunicorn.glogging import Logger

from config import Config

bind = "127.0.0.1:8000"
# gthread: each worker serves `threads` requests at once, so one worker per core is enough; two at least, so a
# worker being recycled or stuck in a slow request never leaves the site without one.
workers = max(2, os.cpu_count() or 1)
worker_class = "gthread"
threads = Config.WEB_THREADS
# Load the app (jieba's dictionary, the knowledge base) once in the master: workers share those pages.
preload_app = True
# Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads new connections across workers
# instead of whichever worker wakes first taking every keep-alive connection.
reuse_port = True
# config.py refuses to start unless its connect + statement timeouts fit inside this, so the app answers 503
# before gunicorn kills a worker.
timeout = Config.WEB_WORKER_TIMEOUT_SECONDS
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = "info"


class JsonAccessLogger(Logger):
    """Write each access-log line as one JSON object (the app's own request log is JSON too)."""

    def access(self, resp, req, environ, request_time):
        """Log one request as JSON: who, what, status, size, duration and the request id."""
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = dict((name.lower(), value) for name, value in resp.headers)
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "remote": environ.get("REMOTE_ADDR"),
                 "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO"),
                 "query": environ.get("QUERY_STRING") or None, "status": int(status),
                 "bytes": getattr(resp, "sent", None), "duration_ms": round(request_time.total_seconds() * 1000, 1),
                 "request_id": headers.get("x-request-id"), "agent": environ.get("HTTP_USER_AGENT")}
        self.access_log.info(json.dumps(entry, ensure_ascii=False))


logger_class = JsonAccessLogger


def child_exit(server, worker):
    """Drop a finished worker's live metric samples (prometheus multiprocess mode; nothing otherwise)."""
    from app.metrics import mark_worker_dead

    mark_worker_dead(worker.pid, Config.METRICS_MULTIPROC_DIR)
