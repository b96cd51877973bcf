"""What the home page shows: the most-read questions and the official channels open now."""
from app.contact.hints import home_channel_statuses
from app.kb.services import most_read


def home_context():
    """Collect the home page's sections and the data they need."""
    return {"home_sections": ["main/_home_most_read.html", "main/_home_channels.html"],
            "most_read": most_read(6), "channel_statuses": home_channel_statuses()}
