"""`/metrics` in Prometheus text format: requests per endpoint, outbox depth, search index, open queues.

Request counters live in prometheus_client. Under gunicorn each worker has its own, so with several workers
PROMETHEUS_MULTIPROC_DIR must name an empty folder before start (prometheus_client's multiprocess mode;
docs/deploy.md): every worker then writes its samples there and a scrape of any worker adds them all up.
The state gauges are read from the database and the index at scrape time, so they agree between workers.
"""
import ipaddress
import time

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

bp = Blueprint("metrics", __name__)

# Counters of this process (or, in multiprocess mode, of the files they write); one set per interpreter,
# shared by every app a test creates.
REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("portal_http_requests", "HTTP requests answered, by endpoint, method and status.",
                   ["endpoint", "method", "status"], registry=REQUEST_REGISTRY)
LATENCY = Histogram("portal_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
                    ["endpoint", "method"], registry=REQUEST_REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
WRITER_WAIT = Histogram("portal_sqlite_writer_wait_seconds",
                        "Time a write transaction waited for its turn in the SQLite writer queue.",
                        registry=REQUEST_REGISTRY, buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0))


@bp.get("/metrics")
def scrape():
    """Return the metrics to an allowed address; everyone else gets a 404, as if there were none."""
    if not address_allowed(request.remote_addr, current_app.config["METRICS_ALLOWED_ADDRESSES"]):
        abort(404)
    registry = _scrape_registry(current_app.config["METRICS_MULTIPROC_DIR"])
    registry.register(StateCollector())
    return Response(generate_latest(registry), mimetype="text/plain", headers={"Cache-Control": "no-store"})


def address_allowed(address, allowed):
    """Whether `address` is inside one of the `allowed` addresses or networks (e.g. 10.0.0.0/8)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in allowed)


def _scrape_registry(multiproc_dir):
    if not multiproc_dir:
        return _Chain(REQUEST_REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
    return registry


class _Chain(CollectorRegistry):
    """A per-scrape registry that also yields the process's request counters."""

    def __init__(self, base):
        super().__init__()
        self._base = base

    def collect(self):
        yield from self._base.collect()
        yield from super().collect()


class StateCollector:
    """Gauges read at scrape time: outbox by status, search index generation, open complaints by status."""

    def collect(self):
        from app.complaints.models import Complaint
        from app.complaints.states import CLOSED_STATUSES
        from app.kb import index as search_index
        from app.notifications.outbox import status_counts

        outbox = GaugeMetricFamily("portal_outbox_messages", "Outbox messages by status (pending = depth).",
                                   labels=["status"])
        open_complaints = GaugeMetricFamily("portal_complaints_open", "Open complaints (the staff queues) by status.",
                                            labels=["status"])
        database_up = GaugeMetricFamily("portal_database_up", "1 when the database answered this scrape.")
        try:
            for status, count in status_counts().items():
                outbox.add_metric([str(status)], count)
            rows = db.session.execute(sa.select(Complaint.status, sa.func.count())
                                      .where(Complaint.status.not_in(CLOSED_STATUSES)).group_by(Complaint.status))
            for status, count in rows.all():
                open_complaints.add_metric([status], count)
            database_up.add_metric([], 1)
        except SQLAlchemyError:
            # A scrape during an outage still reports the request counters, and says the database is down.
            database_up.add_metric([], 0)
        finally:
            db.session.rollback()  # end the read transaction (SQLite holds a lock until then)
        yield from (outbox, open_complaints, database_up)
        yield from _index_gauges(search_index.read_meta(current_app.config["SEARCH_INDEX_DIR"]))


def _index_gauges(meta):
    meta = meta or {}
    info = GaugeMetricFamily("portal_search_index_info", "The search index in use: its content hash (generation).",
                             labels=["content_hash", "schema"])
    info.add_metric([str(meta.get("content_hash", "missing"))[:12], str(meta.get("schema", ""))], 1 if meta else 0)
    yield info
    articles = GaugeMetricFamily("portal_search_index_articles", "Articles in the search index.")
    articles.add_metric([], meta.get("articles", 0))
    yield articles


def observe(endpoint, method, status, seconds):
    """Count one answered request and its duration under its endpoint name."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint, method).observe(seconds)


def _observe(response):
    # Endpoint names, not paths: a path carries references and queries, which would make a label per request.
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())  # set by observability
    observe(request.endpoint or "unmatched", request.method, response.status_code, elapsed)
    return response


def mark_worker_dead(pid, multiproc_dir):
    """Drop a finished gunicorn worker's live samples (gunicorn.conf.py `child_exit`, multiprocess mode only)."""
    if multiproc_dir:
        multiprocess.mark_process_dead(pid, multiproc_dir)


def init_app(app):
    app.after_request(_observe)
    app.register_blueprint(bp)
