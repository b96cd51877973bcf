"""Structured request logging with a request id echoed in X-Request-ID."""
import json
import logging
import re
import time
import uuid

from flask import g, request

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
logger = logging.getLogger("portal.request")


class JsonFormatter(logging.Formatter):
    """Render a log record as one JSON object per line."""

    def format(self, record):
        payload = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                   "message": record.getMessage()}
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def request_id(incoming):
    """The id of a request: the caller's X-Request-ID when it is a sane token, else a new one."""
    return incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def log_request(request_id, method, path, status, seconds):
    """Write the one log line of an answered request."""
    if logger.isEnabledFor(logging.INFO):
        logger.info("request", extra={"fields": {"request_id": request_id, "method": method, "path": path,
                                                 "status": status, "duration_ms": round(seconds * 1000, 1)}})


def _start_request():
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))
    g.request_started = time.perf_counter()


def _finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    log_request(g.get("request_id"), request.method, request.path, response.status_code, elapsed)
    return response


def _configure_logging(level):
    root = logging.getLogger("portal")
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


def init_app(app):
    _configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start_request)
    app.after_request(_finish_request)
