"""Shared Flask-Limiter rules against filling the disk: drafts and upload bytes, per client and for all clients.

The limit strings live in config (INTAKE_DRAFT_LIMIT, UPLOAD_MB_LIMIT and their *_ALL_CLIENTS twins). Each rule
is shared across the routes it decorates, so the web journey, the follow-ups and the API draw on one allowance.
"""
import math

from flask import current_app, request

from app.extensions import limiter

ALL_CLIENTS = "all-clients"


def _setting(name):
    return lambda: current_app.config[name]


def _all_clients():
    return ALL_CLIENTS


def _upload_megabytes():
    """The upload allowance a request uses: its body in started megabytes when it may carry files, else 0."""
    if request.mimetype != "multipart/form-data":
        return 0
    length = request.content_length
    if length is None:  # streamed without a length: count the most the body may hold
        length = current_app.config["MAX_CONTENT_LENGTH"] or 0
    return math.ceil(length / 2**20)


def _saved(response):
    return response.status_code in (302, 303)


def upload_allowance(view):
    """Limit the megabytes of uploads per client and for all clients together (POST only)."""
    view = limiter.shared_limit(_setting("UPLOAD_MB_LIMIT"), scope="upload-mb", methods=["POST"],
                                cost=_upload_megabytes)(view)
    return limiter.shared_limit(_setting("UPLOAD_MB_LIMIT_ALL_CLIENTS"), scope="upload-mb-all", methods=["POST"],
                                key_func=_all_clients, cost=_upload_megabytes)(view)


def draft_allowance(view):
    """Limit saved drafts per client and for all clients together; only saves (a redirect) count."""
    view = limiter.shared_limit(_setting("INTAKE_DRAFT_LIMIT"), scope="drafts", methods=["POST"],
                                deduct_when=_saved)(view)
    return limiter.shared_limit(_setting("INTAKE_DRAFT_LIMIT_ALL_CLIENTS"), scope="drafts-all", methods=["POST"],
                                key_func=_all_clients, deduct_when=_saved)(view)


def deflect_allowance(view):
    """Limit "已解决" clicks per client, so the public deflection figure cannot be inflated by a script."""
    return limiter.limit(_setting("DEFLECT_LIMIT"))(view)
