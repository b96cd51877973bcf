"""Import every resource module so its routes register on the API blueprint."""
from app.api import search  # noqa: F401
from app.api import channels  # noqa: F401
from app.api import complaints  # noqa: F401
