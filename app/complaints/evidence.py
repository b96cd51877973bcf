"""Store complaint evidence files: check them, strip image metadata and write them atomically.

Nothing here knows about Flask requests: callers pass a readable binary stream, the name the
browser sent and the limits from config (EVIDENCE_MAX_BYTES, EVIDENCE_MAX_PIXELS).

The type comes from the content (via `filetype`), never from the file name. Images are decoded
and re-encoded, which drops EXIF (GPS included), XMP, ICC profiles and JPEG comments, and neutralises
polyglot files. Only the first frame of an animated PNG or WebP is kept. PDFs are stored byte for
byte after a basic sanity check, so they keep their own metadata (author, producer, dates) and any
embedded scripts: serve them as attachments with `X-Content-Type-Options: nosniff`.
"""
import hashlib
import io
import os
import re
import secrets
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, ImageOps

from app.i18n import lazy_gettext as _l

# Pillow's limit is process-wide, so it is set once, as a backstop for any image code in the
# process: above twice this Pillow raises. Each upload is held to the smaller `max_pixels`,
# checked from the header before any pixel is decoded. Keep it >= EVIDENCE_MAX_PIXELS so that
# accepted images never trigger Pillow's DecompressionBombWarning.
Image.MAX_IMAGE_PIXELS = 50_000_000

READ_CHUNK_BYTES = 64 * 1024
MAX_NAME_LENGTH = 100
PDF_EOF_WINDOW = 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp|pdf)")
# Palette and tRNS transparency live in `info`; dropping them would blacken screenshot backgrounds.
KEPT_IMAGE_INFO = ("transparency",)
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)

MESSAGES = {
    "empty": _l("文件是空的。"),
    "unsupported_type": _l("只支持 JPG、PNG、WebP 图片和 PDF 文件。"),
    "too_many_pixels": _l("图片尺寸过大，请截图或缩小后再上传。"),
    "corrupt": _l("文件已损坏，无法读取。"),
}


@dataclass(frozen=True)
class FileKind:
    """How one accepted content type is stored: Pillow format, extension and save options."""

    content_type: str
    extension: str
    pillow_format: str | None
    save_options: dict


KINDS = {
    kind.content_type: kind
    for kind in (
        FileKind("image/jpeg", "jpg", "JPEG", {"quality": 90}),
        FileKind("image/png", "png", "PNG", {"optimize": True}),
        FileKind("image/webp", "webp", "WEBP", {"quality": 90}),
        FileKind("application/pdf", "pdf", None, {}),
    )
}
# filetype reports animated PNGs separately; they are stored as a still PNG of the first frame.
KINDS["image/apng"] = KINDS["image/png"]


class EvidenceError(ValueError):
    """A refused upload: a stable `code` and a lazy, localized `message` (too_large needs max_bytes)."""

    def __init__(self, code, max_bytes=None):
        super().__init__(code)
        self.code = code
        if code == "too_large":
            self.message = _l("文件超过 %(limit)s MB，请压缩后再上传。", limit=f"{max_bytes / 2**20:g}")
        else:
            self.message = MESSAGES[code]


@dataclass(frozen=True)
class StoredEvidence:
    """A file written to the upload directory, with what the database needs to know about it."""

    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


def store_evidence(stream, original_name, upload_dir, max_bytes, max_pixels):
    """Check, clean and store one uploaded file under a random name; raise EvidenceError if refused."""
    data = read_limited(stream, max_bytes)
    kind = detect_kind(data)
    if kind.pillow_format:
        data, (width, height) = clean_image(data, kind, max_pixels)
    else:
        check_pdf(data)
        width = height = None
    stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    write_atomically(Path(upload_dir), stored_name, data)
    return StoredEvidence(
        stored_name=stored_name,
        original_name=display_name(original_name, kind.extension),
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )


def evidence_path(upload_dir, stored_name):
    """Return the path of a stored file; raise ValueError for names store_evidence never makes."""
    if not isinstance(stored_name, str) or not STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored evidence name: {stored_name!r}")
    return Path(upload_dir) / stored_name


def delete_stored(upload_dir, stored_name):
    """Remove a stored file, e.g. when the database commit that referenced it failed."""
    evidence_path(upload_dir, stored_name).unlink(missing_ok=True)


def read_limited(stream, max_bytes):
    """Read the whole stream but never more than max_bytes + 1; raise for empty or too large."""
    chunks, size = [], 0
    while size <= max_bytes:
        chunk = stream.read(min(READ_CHUNK_BYTES, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > max_bytes:
        raise EvidenceError("too_large", max_bytes=max_bytes)
    if size == 0:
        raise EvidenceError("empty")
    return b"".join(chunks)


def detect_kind(data):
    """Return the FileKind sniffed from the content, ignoring any file name."""
    guess = filetype.guess(data)
    kind = KINDS.get(guess.mime) if guess else None
    if kind is None:
        raise EvidenceError("unsupported_type")
    return kind


def clean_image(data, kind, max_pixels):
    """Return the image re-encoded upright without metadata, and its (width, height)."""
    image = open_image(data, kind, max_pixels)
    try:
        upright = ImageOps.exif_transpose(image)
        upright.info = {key: image.info[key] for key in KEPT_IMAGE_INFO if key in image.info}
        output = io.BytesIO()
        upright.save(output, kind.pillow_format, **kind.save_options)
    except DECODE_ERRORS:
        raise EvidenceError("corrupt") from None
    return output.getvalue(), upright.size


def open_image(data, kind, max_pixels):
    """Open an image lazily with the sniffed format's decoder and refuse it if it has too many pixels."""
    try:
        image = Image.open(io.BytesIO(data), formats=[kind.pillow_format])
    except Image.DecompressionBombError:
        raise EvidenceError("too_many_pixels") from None
    except DECODE_ERRORS:
        raise EvidenceError("corrupt") from None
    if image.width * image.height > max_pixels:
        raise EvidenceError("too_many_pixels")
    return image


def check_pdf(data):
    """Refuse a PDF that lacks the %PDF- header or an %%EOF marker near its end."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise EvidenceError("corrupt")


def write_atomically(upload_dir, stored_name, data):
    """Write data to a temporary file in upload_dir, sync it, then rename it to stored_name."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=upload_dir, prefix=".upload-", suffix=".part")
    temp_path, final_path = Path(temp_name), upload_dir / stored_name
    try:
        with os.fdopen(fd, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_path, final_path)
        fsync_directory(upload_dir)
    except BaseException:
        # The caller never learns stored_name after a failure, so nothing may stay behind.
        temp_path.unlink(missing_ok=True)
        final_path.unlink(missing_ok=True)
        raise


def fsync_directory(directory):
    """Sync a directory so that a rename in it survives a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def display_name(original_name, extension):
    """Return the browser-sent name fit for display: last path part, no control characters, capped."""
    name = re.split(r"[\\/]", unicodedata.normalize("NFC", original_name or ""))[-1]
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = " ".join(name.split()).strip(". ")
    if not name:
        return f"evidence.{extension}"
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and 0 < len(suffix) <= 10:
        return stem[: MAX_NAME_LENGTH - len(suffix) - 1] + "." + suffix
    return name[:MAX_NAME_LENGTH]
