"""The receipt shown after submitting: the access code rides in the session sealed, never readable in the cookie.

Flask's session cookie is signed, not encrypted, so the access code is encrypted (Fernet, keyed from
SECRET_KEY) before it is stored there, and the receipt expires after an hour.
"""
import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

RECEIPT_SECONDS = 3600
SESSION_KEY = "complaint_submitted"


def _fernet():
    digest = hashlib.sha256(b"complaint-receipt:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(access_code):
    """Encrypt an access code for the session."""
    return _fernet().encrypt(access_code.encode()).decode()


def unseal(token):
    """Decrypt a sealed access code; None when it is forged or older than an hour."""
    try:
        return _fernet().decrypt(token.encode(), ttl=RECEIPT_SECONDS).decode()
    except (InvalidToken, AttributeError):
        return None
