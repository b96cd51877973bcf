"""JSON API at /api/v1: thin modules over the feature services; errors use one JSON envelope.

Importing the package loads every resource module, so `bp` carries all the routes; `docs_bp` serves the
human page /api (HTML, so it is not part of `bp`).
"""
from app.api import channels, complaints, openapi, outcomes, search, stats  # noqa: F401  (each adds its routes to bp)
from app.api.blueprint import bp
from app.api.docs import bp as docs_bp

__all__ = ["bp", "docs_bp"]
