"""JSON API at /api/v1: thin modules over the feature services; errors use one JSON envelope.

Importing the package loads every resource module, so `bp` carries all the routes.
"""
from app.api import channels, complaints, outcomes, search, stats  # noqa: F401  (each adds its routes to bp)
from app.api.blueprint import bp

__all__ = ["bp"]
