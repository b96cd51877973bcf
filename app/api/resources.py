"""Import every resource module so its routes register on the API blueprint."""
from app.api import search  # noqa: F401
