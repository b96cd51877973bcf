"""Faults of a real filesystem under the upload folder: a small tmpfs that fills up, then one remounted read-only.

Unlike the injected OSError of test_faults.py, the kernel says ENOSPC and EROFS here. Each fault: what the user
sees (503, what was typed kept), that nothing partial is stored (rows and files, temporary ones included), and that
the same request works once the disk has room or is writable again, without a manual step.
"""
import errno
import json
import os
import subprocess

import pytest

from tests.conftest import require
from tests.factories import VALID_COMPLAINT, file_complaint
from tests.security.helpers import png_upload, stored, text, verify

API_FORM = {**VALID_COMPLAINT, "details": json.dumps(VALID_COMPLAINT["details"]), "consent_privacy": "true"}
DETAILS = {"order_number": "KM202611206666666666", "purchase_time": "2026-11-20 14:30", "evidence_kind": "other"}
PAGE = 4096  # tmpfs allocates whole pages: each small PNG takes one


def _mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@pytest.fixture
def tmpfs_dir(tmp_path):
    """A 64 KB tmpfs; skipped (failed in CI) where this user may not mount."""
    target = tmp_path / "evidence"
    target.mkdir()
    mounted = os.geteuid() == 0 and _mount("-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(target))
    require(mounted and mounted.returncode == 0, "mounting a tmpfs needs root")
    yield target
    subprocess.run(["umount", "-l", str(target)], check=True)


@pytest.fixture
def upload_fs(app, tmpfs_dir):
    """The app's upload folder on the tmpfs; returns a helper that fills it, leaving `pages` pages free."""
    app.config["UPLOAD_DIR"] = tmpfs_dir
    fillers = []

    def fill(pages=0):
        index = 0
        while True:
            try:
                path = tmpfs_dir / f"filler-{index}"
                with open(path, "wb") as filler:
                    filler.write(b"\0" * PAGE)
                fillers.append(path)
                index += 1
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                path.unlink(missing_ok=True)
                break
        for path in [fillers.pop() for _ in range(pages)]:
            path.unlink()

    def free():
        while fillers:
            fillers.pop().unlink()

    return type("UploadFs", (), {"fill": staticmethod(fill), "free": staticmethod(free), "path": tmpfs_dir})


def evidence_files(folder):
    """Every file the portal left in the folder, temporary ones included (the test's fillers excluded)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("filler-"))


def describe(client):
    return client.post("/complaints/new", data={"category": "card_code_invalid",
                                                "description": "卡密提示已被使用，刚提取就用不了"})


def upload_on_the_web(client, *names):
    data = {**DETAILS, "action": "upload", "files": [png_upload(name) for name in names]}
    return client.post("/complaints/new/details", data=data, content_type="multipart/form-data")


def upload_on_the_api(client, *names):
    return client.post("/api/v1/complaints", data={**API_FORM, "evidence": [png_upload(n) for n in names]},
                       content_type="multipart/form-data")


# ------------------------------------------------------------------ a full disk (ENOSPC from the kernel)

@pytest.mark.parametrize("pages", [0, 1], ids=["full", "room-for-one-file"])
def test_a_full_tmpfs_on_the_details_step_keeps_what_was_typed_and_no_file(app, client, upload_fs, pages):
    describe(client)
    upload_fs.fill(pages)
    response = upload_on_the_web(client, "1.png", "2.png")
    assert response.status_code == 503
    assert 'value="KM202611206666666666"' in text(response) and "文件暂时无法上传" in text(response)
    assert evidence_files(upload_fs.path) == [] and stored(app)["evidence"] == 0
    upload_fs.free()
    assert upload_on_the_web(client, "1.png", "2.png").status_code == 200
    assert len(evidence_files(upload_fs.path)) == 2 and stored(app)["evidence"] == 2


@pytest.mark.parametrize("pages", [0, 1], ids=["full", "room-for-one-file"])
def test_a_full_tmpfs_on_the_api_stores_no_complaint_and_no_file(app, client, upload_fs, pages):
    upload_fs.fill(pages)
    response = upload_on_the_api(client, "1.png", "2.png")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == 503
    assert response.headers["Retry-After"]
    assert evidence_files(upload_fs.path) == [] and stored(app)["complaint"] == 0
    upload_fs.free()
    assert upload_on_the_api(client, "1.png", "2.png").status_code == 201
    assert len(evidence_files(upload_fs.path)) == 2 and stored(app)["complaint"] == 1


def test_a_full_tmpfs_on_a_follow_up_message_stores_nothing(app, client, upload_fs):
    reference, code = file_complaint(app)
    verify(client, reference, code)
    upload_fs.fill(1)
    before = stored(app)  # the fillers counted in, unchanged by a failed request
    files = [png_upload("1.png"), png_upload("2.png")]
    response = client.post(f"/track/{reference}/message", data={"body": "补充截图", "files": files},
                           content_type="multipart/form-data")
    assert response.status_code == 503
    assert stored(app) == before and evidence_files(upload_fs.path) == []
    upload_fs.free()
    response = client.post(f"/api/v1/complaints/{reference}/messages", headers={"X-Access-Code": code},
                           data={"body": "补充截图", "evidence": [png_upload()]}, content_type="multipart/form-data")
    assert response.status_code == 201, text(response)
    assert len(evidence_files(upload_fs.path)) == 1


def test_a_full_tmpfs_still_takes_a_complaint_without_files(app, client, upload_fs):
    upload_fs.fill()
    response = client.post("/api/v1/complaints", json={**VALID_COMPLAINT, "consent_privacy": True})
    assert response.status_code == 201 and stored(app)["complaint"] == 1


# ------------------------------------------------------------------ a read-only filesystem (EROFS)

@pytest.fixture
def read_only_uploads(app, upload_fs):
    """Remount the upload tmpfs read-only; the returned callable makes it writable again."""
    assert _mount("-o", "remount,ro", str(upload_fs.path)).returncode == 0
    yield lambda: _mount("-o", "remount,rw", str(upload_fs.path))
    _mount("-o", "remount,rw", str(upload_fs.path))


def test_a_read_only_upload_folder_answers_503_on_the_web_and_the_api_then_recovers(
        app, client, upload_fs, read_only_uploads):
    describe(client)
    response = upload_on_the_web(client, "1.png")
    assert response.status_code == 503 and 'value="KM202611206666666666"' in text(response)
    api = upload_on_the_api(client, "1.png")
    assert api.status_code == 503 and api.is_json
    assert stored(app)["complaint"] == 0 and stored(app)["evidence"] == 0
    assert client.get("/readyz").get_json()["checks"]["evidence_storage"] == "evidence folder not writable"
    assert read_only_uploads().returncode == 0
    assert client.get("/readyz").status_code == 200
    assert upload_on_the_web(client, "1.png").status_code == 200
    assert upload_on_the_api(client, "2.png").status_code == 201
    assert len(evidence_files(upload_fs.path)) == 2


# ------------------------------------------------------------------ readiness and the free-space reserve

def test_readyz_is_503_below_the_free_space_reserve_and_ready_again_above_it(app, client):
    app.config["STORAGE_MIN_FREE_MB"] = 10**12  # more than any disk has free
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["evidence_storage"] == "less than STORAGE_MIN_FREE_MB free"
    app.config["STORAGE_MIN_FREE_MB"] = 0
    assert client.get("/readyz").status_code == 200
