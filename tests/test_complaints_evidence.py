"""Evidence uploads: type sniffing, limits, metadata stripping, safe names and atomic writes."""
import hashlib
import io
import struct
import zlib

import pytest
from flask import Flask
from flask_babel import Babel
from PIL import Image

from app.complaints import evidence
from app.complaints.evidence import EvidenceError, delete_stored, evidence_path, store_evidence
from config import Config

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 30_000_000
GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp</x:xmpmeta>'
TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)


def gps_exif():
    """Return EXIF with a camera make, a 90° orientation and GPS coordinates."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (30.0, 15.0, 7.0), 3: "E", 4: (120.0, 9.0, 30.0)})
    return exif


def encode(image, format, **options):
    """Return the bytes of `image` saved in `format`."""
    output = io.BytesIO()
    image.save(output, format, **options)
    return output.getvalue()


def jpeg_with_metadata(size=(120, 80)):
    """Return a JPEG carrying EXIF with GPS, a comment and XMP."""
    image = Image.new("RGB", size, "red")
    return encode(image, "JPEG", exif=gps_exif(), comment=b"secret-comment", xmp=XMP)


def png_bytes(size=(64, 48), mode="RGBA", **options):
    """Return a PNG of the given size and mode."""
    return encode(Image.new(mode, size), "PNG", **options)


def webp_with_metadata():
    """Return a WebP carrying EXIF with GPS and XMP."""
    return encode(Image.new("RGB", (50, 40), "green"), "WEBP", exif=gps_exif(), xmp=XMP)


def png_header_only(width, height):
    """Return a PNG whose header claims width × height pixels but holds almost no data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def store(data, upload_dir, name="upload.bin", **limits):
    """Store `data` with the default limits unless overridden."""
    limits = {"max_bytes": MAX_BYTES, "max_pixels": MAX_PIXELS, **limits}
    return store_evidence(io.BytesIO(data), name, upload_dir, **limits)


def refused(data, upload_dir, **limits):
    """Return the EvidenceError code raised for `data`."""
    with pytest.raises(EvidenceError) as caught:
        store(data, upload_dir, **limits)
    return caught.value.code


def reopen(upload_dir, stored):
    """Open a stored image with Pillow, fully decoded."""
    image = Image.open(evidence_path(upload_dir, stored.stored_name))
    image.load()
    return image


@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "evidence"


def test_jpeg_is_stored_upright_without_exif_gps_comment_or_xmp(upload_dir):
    stored = store(jpeg_with_metadata(), upload_dir, name="截图.jpg")
    image = reopen(upload_dir, stored)
    assert image.format == "JPEG"
    assert (stored.width, stored.height) == image.size == (80, 120)
    assert dict(image.getexif()) == {}
    assert "comment" not in image.info and "exif" not in image.info and "xmp" not in image.info
    raw = evidence_path(upload_dir, stored.stored_name).read_bytes()
    for secret in (b"secret-comment", b"secret-xmp", b"PhoneMaker", b"Exif\0\0"):
        assert secret not in raw


def test_png_is_reencoded_without_metadata(upload_dir):
    stored = store(png_bytes(exif=gps_exif()), upload_dir, name="chat.png")
    image = reopen(upload_dir, stored)
    assert (stored.content_type, image.format, image.mode) == ("image/png", "PNG", "RGBA")
    assert dict(image.getexif()) == {}
    assert stored.stored_name.endswith(".png")


def test_palette_png_keeps_its_transparency(upload_dir):
    stored = store(png_bytes(mode="P", transparency=0), upload_dir)
    assert reopen(upload_dir, stored).info.get("transparency") == 0


def test_webp_is_reencoded_without_metadata(upload_dir):
    stored = store(webp_with_metadata(), upload_dir, name="a.webp")
    image = reopen(upload_dir, stored)
    assert (stored.content_type, image.format) == ("image/webp", "WEBP")
    assert dict(image.getexif()) == {}
    assert b"secret-xmp" not in evidence_path(upload_dir, stored.stored_name).read_bytes()


def test_pdf_is_stored_byte_for_byte(upload_dir):
    stored = store(TINY_PDF, upload_dir, name="订单截图.pdf")
    assert (stored.content_type, stored.width, stored.height) == ("application/pdf", None, None)
    assert evidence_path(upload_dir, stored.stored_name).read_bytes() == TINY_PDF


def test_animated_png_is_stored_as_its_first_frame(upload_dir):
    frames = [Image.new("RGB", (30, 20), colour) for colour in ("red", "blue")]
    stored = store(encode(frames[0], "PNG", save_all=True, append_images=frames[1:]), upload_dir)
    image = reopen(upload_dir, stored)
    assert (stored.content_type, getattr(image, "n_frames", 1)) == ("image/png", 1)
    assert image.getpixel((0, 0)) == (255, 0, 0)


def test_sha256_and_size_describe_the_stored_bytes(upload_dir):
    stored = store(jpeg_with_metadata(), upload_dir)
    raw = evidence_path(upload_dir, stored.stored_name).read_bytes()
    assert stored.sha256 == hashlib.sha256(raw).hexdigest()
    assert stored.size == len(raw)


def test_type_comes_from_content_not_from_the_name(upload_dir):
    stored = store(png_bytes(), upload_dir, name="photo.jpg")
    assert stored.content_type == "image/png"
    assert stored.stored_name.endswith(".png")


def test_stored_name_is_random_hex_with_the_detected_extension(upload_dir):
    names = {store(TINY_PDF, upload_dir).stored_name for _ in range(20)}
    assert len(names) == 20
    assert all(evidence.STORED_NAME.fullmatch(name) for name in names)


def test_html_appended_to_a_jpeg_does_not_survive(upload_dir):
    polyglot = jpeg_with_metadata() + b"<html><script>alert(1)</script></html>"
    stored = store(polyglot, upload_dir)
    assert b"<script>" not in evidence_path(upload_dir, stored.stored_name).read_bytes()


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body><script>alert(1)</script></body></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + b"\0" * 100,
        b"PK\x03\x04" + b"\0" * 100,
        b"just some text",
    ],
    ids=["html", "svg", "gif", "zip", "text"],
)
def test_other_types_are_unsupported_whatever_their_name(data, upload_dir):
    with pytest.raises(EvidenceError) as caught:
        store(data, upload_dir, name="evidence.jpg")
    assert caught.value.code == "unsupported_type"


def test_empty_file_is_refused(upload_dir):
    assert refused(b"", upload_dir) == "empty"


def test_file_over_the_limit_is_refused(upload_dir):
    assert refused(TINY_PDF + b"\0" * MAX_BYTES, upload_dir) == "too_large"


def test_file_of_exactly_the_limit_is_accepted(upload_dir):
    stored = store(TINY_PDF, upload_dir, max_bytes=len(TINY_PDF))
    assert stored.size == len(TINY_PDF)


class EndlessStream:
    """A stream that never ends and hands out at most `step` bytes per read, like a socket."""

    def __init__(self, step):
        self.step = step
        self.bytes_read = 0

    def read(self, size=-1):
        count = self.step if size < 0 else min(size, self.step)
        self.bytes_read += count
        return b"\xff" * count


def test_reading_stops_one_byte_past_the_limit():
    stream = EndlessStream(step=1000)
    with pytest.raises(EvidenceError) as caught:
        evidence.read_limited(stream, max_bytes=10_000)
    assert caught.value.code == "too_large"
    assert stream.bytes_read == 10_001


def test_short_reads_are_joined():
    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(min(size, 7))

    assert evidence.read_limited(Trickle(TINY_PDF), max_bytes=MAX_BYTES) == TINY_PDF


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    "width, height",
    [(100_000, 100_000), (8_000, 8_000), (6_000, 5_001)],
    ids=["far-beyond-pillow-limit", "between-pillow-warning-and-error", "just-over-max-pixels"],
)
def test_header_claiming_too_many_pixels_is_refused(width, height, upload_dir):
    assert refused(png_header_only(width, height), upload_dir) == "too_many_pixels"


def test_image_above_max_pixels_is_refused(upload_dir):
    assert refused(png_bytes(size=(101, 100)), upload_dir, max_pixels=10_000) == "too_many_pixels"


def test_image_at_max_pixels_is_accepted(upload_dir):
    assert store(png_bytes(size=(100, 100)), upload_dir, max_pixels=10_000).width == 100


def test_pillow_backstop_is_above_the_configured_pixel_limit():
    assert Config.EVIDENCE_MAX_PIXELS <= Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    "data",
    [
        jpeg_with_metadata()[:600],
        jpeg_with_metadata()[:200] + b"\0" * 600,
        b"\xff\xd8\xff\xe0" + b"garbage" * 50,
        png_bytes()[:60],
        webp_with_metadata()[:40],
    ],
    ids=["truncated-jpeg", "zeroed-jpeg", "jpeg-magic-only", "truncated-png", "truncated-webp"],
)
def test_corrupt_image_is_refused(data, upload_dir):
    assert refused(data, upload_dir) == "corrupt"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n1 0 obj\n", b"%PDF-1.4\n%%EOF\n" + b"x" * 2000, b"%PDF1.4 %%EOF"],
    ids=["no-eof", "eof-not-near-end", "bad-header"],
)
def test_broken_pdf_is_refused(data, upload_dir):
    assert refused(data, upload_dir) == "corrupt"


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("截图.png", "截图.png"),
        ("聊天记录 2026-03-01.png", "聊天记录 2026-03-01.png"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\张三\\Desktop\\订单.jpg", "订单.jpg"),
        ("/tmp/x/", "evidence.png"),
        ("..", "evidence.png"),
        ("", "evidence.png"),
        (None, "evidence.png"),
        ("bad\x00name\r\n.png", "badname.png"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),
        ("  spaced\tout  name.png ", "spacedout name.png"),
        ("ｆｕｌｌ.png", "ｆｕｌｌ.png"),
    ],
)
def test_original_name_is_kept_for_display_only(sent, shown, upload_dir):
    stored = store(png_bytes(), upload_dir, name=sent)
    assert stored.original_name == shown
    assert evidence.STORED_NAME.fullmatch(stored.stored_name)


def test_long_original_name_is_capped_keeping_its_extension(upload_dir):
    stored = store(png_bytes(), upload_dir, name="长" * 300 + ".png")
    assert len(stored.original_name) == evidence.MAX_NAME_LENGTH
    assert stored.original_name.endswith("长.png")


def test_upload_dir_is_created_when_missing(tmp_path):
    upload_dir = tmp_path / "a" / "b" / "evidence"
    stored = store(TINY_PDF, upload_dir)
    assert evidence_path(upload_dir, stored.stored_name).is_file()


@pytest.mark.parametrize(
    "data, limits",
    [
        (b"", {}),
        (TINY_PDF * 10, {"max_bytes": 100}),
        (b"<html></html>", {}),
        (png_header_only(100_000, 100_000), {}),
        (jpeg_with_metadata()[:600], {}),
    ],
    ids=["empty", "too-large", "unsupported", "bomb", "corrupt"],
)
def test_refused_upload_leaves_no_file_behind(data, limits, upload_dir):
    upload_dir.mkdir()
    with pytest.raises(EvidenceError):
        store(data, upload_dir, **limits)
    assert list(upload_dir.iterdir()) == []


def fail(*args):
    """Stand in for a system call that hits a full or broken disk."""
    raise OSError("disk trouble")


@pytest.mark.parametrize(
    "target, attribute",
    [(evidence.os, "fsync"), (evidence.os, "replace"), (evidence, "fsync_directory")],
    ids=["file-sync", "rename", "directory-sync"],
)
def test_failed_write_leaves_no_file_behind(target, attribute, upload_dir, monkeypatch):
    monkeypatch.setattr(target, attribute, fail)
    with pytest.raises(OSError, match="disk trouble"):
        store(TINY_PDF, upload_dir)
    assert list(upload_dir.iterdir()) == []


def test_delete_stored_removes_the_file_and_ignores_missing_ones(upload_dir):
    stored = store(TINY_PDF, upload_dir)
    delete_stored(upload_dir, stored.stored_name)
    assert list(upload_dir.iterdir()) == []
    delete_stored(upload_dir, stored.stored_name)


@pytest.mark.parametrize(
    "name",
    [
        "../secret_key",
        "../" + "a" * 32 + ".png",
        "a" * 32 + ".png/../../x",
        "A" * 32 + ".png",
        "a" * 31 + ".png",
        "a" * 32 + ".html",
        "a" * 32,
        ".upload-abc.part",
        "/etc/passwd",
        "",
        None,
    ],
)
def test_evidence_path_refuses_names_that_store_evidence_never_makes(name, tmp_path):
    with pytest.raises(ValueError):
        evidence_path(tmp_path, name)


def test_evidence_path_stays_inside_the_upload_dir(tmp_path):
    name = "0123456789abcdef" * 2 + ".webp"
    assert evidence_path(tmp_path, name) == tmp_path / name


def test_delete_stored_refuses_traversal(tmp_path):
    victim = tmp_path / "keep.txt"
    victim.write_text("x")
    with pytest.raises(ValueError):
        delete_stored(tmp_path / "evidence", "../keep.txt")
    assert victim.exists()


@pytest.mark.parametrize(
    "code, limits, expected",
    [
        ("too_large", {"max_bytes": 5 * 1024 * 1024}, "文件超过 5 MB，请压缩后再上传。"),
        ("too_large", {"max_bytes": 2.5 * 1024 * 1024}, "文件超过 2.5 MB，请压缩后再上传。"),
        ("unsupported_type", {}, "只支持 JPG、PNG、WebP 图片和 PDF 文件。"),
        ("too_many_pixels", {}, "图片尺寸过大，请截图或缩小后再上传。"),
        ("corrupt", {}, "文件已损坏，无法读取。"),
        ("empty", {}, "文件是空的。"),
    ],
)
def test_error_has_a_stable_code_and_a_localized_message(code, limits, expected):
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        error = EvidenceError(code, **limits)
        assert (error.code, str(error.message)) == (code, expected)


def test_configured_limits_exist():
    assert (Config.EVIDENCE_MAX_FILES, Config.EVIDENCE_MAX_BYTES) == (5, 5 * 1024 * 1024)
