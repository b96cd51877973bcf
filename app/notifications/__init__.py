"""Notifications: messages are written to an outbox table in the caller's transaction, then delivered."""
