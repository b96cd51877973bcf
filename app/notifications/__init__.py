"""Notifications: messages are written to an outbox table in the caller's transaction, then delivered."""


def init_app(app):
    """Deliver the outbox from a background thread that each process starts on its first request."""
    from app.notifications.outbox import BackgroundDelivery, start_background_delivery

    app.extensions["notification_delivery"] = BackgroundDelivery(app, app.config["NOTIFY_INTERVAL_SECONDS"])

    # Started by a request, not here, so that it runs in gunicorn workers after the fork.
    @app.before_request
    def _start_delivery():
        start_background_delivery(app)
