"""Delivery backends: write to files (default), log to the console, or send over SMTP.

No SMS gateway exists yet. The file and console backends record SMS messages like e-mails so they
can be checked in development; SmtpBackend refuses them with UndeliverableError, so in production
they end up FAILED in the outbox, visible to staff, instead of pretending to have been sent.
"""
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path

logger = logging.getLogger("portal.notifications")


class UndeliverableError(Exception):
    """The backend can never deliver this message, so retrying is pointless."""


@dataclass(frozen=True)
class Envelope:
    """What a backend needs to send one outbox message, detached from the database session."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    language: str
    kind: str

    @classmethod
    def from_message(cls, message):
        """Copy the fields of an OutboxMessage."""
        return cls(id=message.id, channel=message.channel, recipient=message.recipient, subject=message.subject,
                   body=message.body, language=message.language, kind=message.kind)


def build_email(envelope, sender):
    """Return the envelope as a UTF-8 EmailMessage from `sender`."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = envelope.recipient
    msg["Subject"] = envelope.subject
    msg["Date"] = formatdate(usegmt=True)
    # A stable id per outbox row lets mail clients drop the duplicate if a crash causes a resend.
    msg["Message-ID"] = f"<outbox-{envelope.id}@{_domain(sender)}>"
    # base64 keeps Chinese text 7-bit clean for SMTP servers without 8BITMIME.
    msg.set_content(envelope.body, cte=None if envelope.body.isascii() else "base64")
    msg["Content-Language"] = envelope.language  # after set_content, which drops Content-* headers
    return msg


def _domain(address):
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


class FileBackend:
    """Write each message to OUTBOX_DIR/sent/: `<id>.eml` for e-mail, `<id>.sms.txt` for SMS."""

    def __init__(self, outbox_dir, sender):
        self.directory = Path(outbox_dir) / "sent"
        self.sender = sender

    def send(self, envelope):
        """Write the message file, replacing any copy from an earlier attempt."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if envelope.channel == "sms":
            self._write(f"{envelope.id:08d}.sms.txt", f"To: {envelope.recipient}\n\n{envelope.body}\n".encode())
        else:
            self._write(f"{envelope.id:08d}.eml", build_email(envelope, self.sender).as_bytes())

    def _write(self, name, data):
        # Write then rename, so a reader never sees half a message.
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(data)
        os.replace(partial, self.directory / name)


class ConsoleBackend:
    """Log each message (development only: the log then holds recipients and bodies)."""

    def send(self, envelope):
        """Log the message as one structured record."""
        logger.info("notification", extra={"fields": {
            "outbox_id": envelope.id, "kind": envelope.kind, "channel": envelope.channel, "to": envelope.recipient,
            "subject": envelope.subject, "body": envelope.body}})


class SmtpBackend:
    """Send e-mail through an SMTP server, one connection per message."""

    def __init__(self, host, port, sender, *, username=None, password=None, use_tls=False, timeout=10):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.use_tls, self.timeout = use_tls, timeout

    def send(self, envelope):
        """Deliver the e-mail; raise on any SMTP or network error so the outbox retries."""
        if envelope.channel != "email":
            raise UndeliverableError(f"no gateway for {envelope.channel!r}: SMTP delivers e-mail only")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(build_email(envelope, self.sender))


def backend_from_config(config):
    """Build the backend named by MAIL_BACKEND (file | console | smtp)."""
    name = config["MAIL_BACKEND"]
    sender = config["MAIL_DEFAULT_SENDER"]
    if name == "file":
        return FileBackend(config["OUTBOX_DIR"], sender)
    if name == "console":
        return ConsoleBackend()
    if name == "smtp":
        return SmtpBackend(config["MAIL_SERVER"], config["MAIL_PORT"], sender, username=config["MAIL_USERNAME"],
                           password=config["MAIL_PASSWORD"], use_tls=config["MAIL_USE_TLS"])
    raise ValueError(f"MAIL_BACKEND must be file, console or smtp, not {name!r}")
