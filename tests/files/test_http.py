"""The Files API under a real gunicorn, called the way the spec's clients call it (`requests`)."""

import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from files.models import StoredFile
from tests import factories
from tests.files.samples import (
    FILES,
    PDF,
    UPLOAD,
    image_bytes,
    org_used,
    stored_objects,
    stored_sizes,
)
from tests.support import servers
from thrad.models import Organization
from thrad.services import api_key_create

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
BOUNDARY = "thrad-test-boundary"


@pytest.fixture(scope="module")
def server(django_db_setup: None) -> Iterator[tuple[str, int]]:
    """gunicorn with two workers; yields (base URL, master pid)."""
    with servers.gunicorn_process(workers=2, env={"RATE_LIMIT_FILES_PER_MINUTE": "100000"}) as (base, proc):
        yield base, proc.pid


@pytest.fixture
def org_key() -> tuple[Organization, str]:
    org = factories.organization(name="Client Co", domain="")
    _, secret = api_key_create(org=org)
    return org, secret


def _nothing_stored(org: Organization) -> None:
    assert StoredFile.objects.filter(organization=org).count() == 0
    assert org_used(org) == 0
    assert stored_objects(org) == []


def multipart_chunks(parts: list[tuple[str, int]]) -> Iterator[bytes]:
    """A multipart body of text parts (name, size) generated 64 KiB at a time, never held whole."""
    for name, size in parts:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        for offset in range(0, size, 64 * 1024):
            yield b"a" * min(64 * 1024, size - offset)
        yield b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


def _upload_temp_files(master_pid: int) -> list[str]:
    """Upload temp files (`*.upload*`) the workers hold open or left on disk."""
    held = []
    for pid in servers.child_pids(master_pid):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if ".upload" in target:
                held.append(target)
    return held


def _worker_peaks(master_pid: int) -> dict[int, int]:
    return {pid: servers.peak_rss_kib(pid) for pid in servers.child_pids(master_pid)}


# --- the spec's client examples ------------------------------------------------------------------


def test_one_file_with_requests_and_a_bearer_key(server, org_key):
    base, _ = server
    org, key = org_key
    data = image_bytes("JPEG", size=(40, 30))
    response = requests.post(
        f"{base}/api/v1/upload",
        headers={"Authorization": f"Bearer {key}"},
        files={"files": ("anchor.jpg", data, "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and "errors" not in body
    [item] = body["uploaded"]
    assert item["key"].startswith(f"files/{org.public_id}/") and item["key"].endswith("_anchor.jpg")
    assert (item["filename"], item["mimeType"], item["size"], item["isImage"]) == (
        "anchor.jpg",
        "image/jpeg",
        len(data),
        True,
    )
    download = requests.get(
        f"{base}/api/v1/files/{item['key']}", headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    assert download.content == data
    assert download.headers["Content-Type"] == "image/jpeg"
    assert download.headers["Content-Disposition"] == 'attachment; filename="anchor.jpg"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_several_files_parts_with_requests_and_an_x_api_key(server, org_key):
    base, _ = server
    org, key = org_key
    png = image_bytes("PNG")
    files = [
        ("files", ("ref.png", png, "image/png")),
        ("files", ("brief.pdf", PDF, "application/pdf")),
        ("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream")),
    ]
    response = requests.post(f"{base}/api/v1/upload", headers={"x-api-key": key}, files=files, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert [(u["filename"], u["mimeType"]) for u in body["uploaded"]] == [
        ("ref.png", "image/png"),
        ("brief.pdf", "application/pdf"),
    ]
    assert [(e["filename"], e["code"]) for e in body["errors"]] == [("tool.exe", "blocked_extension")]
    listing = requests.get(f"{base}/api/v1/files", headers={"x-api-key": key}, timeout=30).json()
    assert {f["filename"] for f in listing["files"]} == {"ref.png", "brief.pdf"}
    assert listing["usage"]["usedBytes"] == len(png) + len(PDF)
    gone = requests.delete(f"{base}/api/v1/files/{body['uploaded'][0]['key']}", headers={"x-api-key": key}, timeout=30)
    assert gone.status_code == 204
    assert org_used(org) == len(PDF)


def test_a_chunked_body_under_the_cap_is_parsed_and_stored(server, org_key):
    base, _ = server
    org, key = org_key
    response = requests.post(
        f"{base}{UPLOAD}",
        data=multipart_chunks([("a.txt", 9 * MB), ("b.txt", 9 * MB), ("c.txt", 11 * MB)]),
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert [u["size"] for u in response.json()["uploaded"]] == [9 * MB, 9 * MB]
    assert response.json()["errors"][0]["code"] == "file_too_large"
    assert org_used(org) == 18 * MB == stored_sizes(org)


# --- 413 ----------------------------------------------------------------------------------------


def test_a_declared_60_mb_body_is_413_before_any_of_it_is_read(server, org_key):
    base, _ = server
    org, key = org_key
    host, port = base.removeprefix("http://").split(":")
    head = (
        f"POST {UPLOAD} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {60 * MB}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode())  # the headers only: the answer must not wait for the body
        reply = b"".join(iter(lambda: sock.recv(65536), b""))
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413")
    assert b'"code":"request_too_large"' in rest
    assert b'"success":false' in rest
    _nothing_stored(org)


def test_a_declared_60_mb_body_sent_with_requests_is_413(server, org_key):
    base, _ = server
    org, key = org_key
    body = b"".join(multipart_chunks([("a.txt", 9 * MB)] * 6 + [("b.txt", 6 * MB)]))
    assert len(body) > 60 * MB
    response = requests.post(
        f"{base}{UPLOAD}",
        data=body,
        timeout=120,
        headers={"Authorization": f"Bearer {key}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "success": False,
        "error": {"code": "request_too_large", "message": response.json()["error"]["message"]},
    }
    _nothing_stored(org)


def test_a_chunked_body_growing_past_50_mb_is_413_without_growing_the_workers_memory(server, org_key):
    base, master = server
    org, key = org_key
    headers = {"Authorization": f"Bearer {key}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    # Warm both workers up on the same path, so the peak below is the big body's alone.
    for _ in range(4):
        requests.post(f"{base}{UPLOAD}", data=multipart_chunks([("w.txt", 2 * MB)]), headers=headers, timeout=60)
    StoredFile.objects.filter(organization=org).delete()
    Organization.objects.filter(pk=org.pk).update(storage_used_bytes=0)
    before = _worker_peaks(master)
    parts = [(f"{i}.txt", 9 * MB) for i in range(4)] + [("big.txt", 30 * MB)]  # 66 MB, no Content-Length
    response = requests.post(f"{base}{UPLOAD}", data=multipart_chunks(parts), headers=headers, timeout=120)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    after = _worker_peaks(master)
    growth_mib = max(after[pid] - before.get(pid, after[pid]) for pid in after) / 1024
    assert growth_mib < 20, f"a worker's peak RSS grew by {growth_mib:.1f} MiB for a 66 MB body"
    leftovers = _upload_temp_files(master)
    assert leftovers == [], leftovers
    assert StoredFile.objects.filter(organization=org).count() == 0
    assert org_used(org) == 0


# --- quota under concurrency ---------------------------------------------------------------------


def test_concurrent_uploads_from_two_worker_processes_never_exceed_the_quota(server, org_key):
    base, _ = server
    org, key = org_key
    size, fits = 100_000, 3
    Organization.objects.filter(pk=org.pk).update(storage_quota_bytes=size * fits + size // 2)

    def upload(i: int) -> int:
        files = {"files": (f"{i}.txt", b"q" * size)}
        with requests.Session() as session:
            return session.post(f"{base}{UPLOAD}", files=files, headers={"x-api-key": key}, timeout=60).status_code

    for _ in range(3):
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(upload, range(8)))
        assert statuses.count(200) == fits
        assert statuses.count(400) == 8 - fits
        assert org_used(org) == fits * size == stored_sizes(org)
        assert len(stored_objects(org)) == fits
        for item in StoredFile.objects.filter(organization=org):
            assert (
                requests.delete(f"{base}{FILES}/{item.key}", headers={"x-api-key": key}, timeout=30).status_code == 204
            )
        assert org_used(org) == 0
