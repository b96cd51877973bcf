"""Backups of the embedded default: the SQLite database (online backup API) and the evidence files."""
