"""Notifications: messages are written to an outbox table in the caller's transaction, then delivered."""


def init_app(app):
    """Deliver the outbox from a background thread that each process starts on its first request."""
    from app.background import PeriodicJob, start_when_serving
    from app.notifications.outbox import deliver_and_log

    app.extensions["notification_delivery"] = PeriodicJob(app, "outbox-delivery", app.config["NOTIFY_INTERVAL_SECONDS"],
                                                          deliver_and_log)
    start_when_serving(app, "notification_delivery", "NOTIFY_BACKGROUND")
