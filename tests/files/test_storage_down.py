"""503 storage_unavailable: the object store really goes away inside the test and comes back.

With STORAGE_BACKEND=s3 a second, private SeaweedFS is started for this test (port 8433) and
stopped and started again; in the embedded mode the local storage location becomes unwritable
(a plain file stands where its folder should be) and then writable again.
"""

import copy
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from files.models import StoredFile
from tests.files.samples import FILES, UPLOAD, org_used

pytestmark = pytest.mark.django_db

SEAWEED = Path(django_settings.BASE_DIR) / ".ci" / "seaweedfs.sh"
PRIVATE_S3_PORT = 8433


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class S3Switch:
    """A private SeaweedFS the test can stop and start."""

    bucket = "thrad-files-down-test"

    def __init__(self, settings) -> None:
        storages = copy.deepcopy(django_settings.STORAGES)
        storages["default"]["OPTIONS"].update(
            endpoint_url=f"http://127.0.0.1:{PRIVATE_S3_PORT}", bucket_name=self.bucket
        )
        self.settings, self.storages = settings, storages

    def _weed(self, command: str) -> None:
        subprocess.run(
            ["bash", str(SEAWEED), command, str(PRIVATE_S3_PORT)], check=True, timeout=120, capture_output=True
        )

    def start(self) -> None:
        self._weed("start")
        self.settings.STORAGES = self.storages  # also resets default_storage and its connection
        default_storage.connection.meta.client.create_bucket(Bucket=self.bucket)

    def stop(self) -> None:
        self._weed("stop")
        deadline = time.monotonic() + 30
        while _port_open(PRIVATE_S3_PORT) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _port_open(PRIVATE_S3_PORT), "the private SeaweedFS did not stop"


class LocalSwitch:
    """A storage folder that a plain file can block (root ignores permissions, not file types)."""

    def __init__(self, settings, root: Path) -> None:
        self.settings, self.blocker = settings, root / "store"
        storages = copy.deepcopy(django_settings.STORAGES)
        storages["default"]["OPTIONS"]["location"] = str(self.blocker / "media")
        settings.STORAGES = storages

    def start(self) -> None:
        self.blocker.unlink(missing_ok=True)
        self.blocker.mkdir(exist_ok=True)

    def stop(self) -> None:
        if self.blocker.is_dir():
            for path in sorted(self.blocker.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
            self.blocker.rmdir()
        self.blocker.write_text("not a folder")


@pytest.fixture
def storage_switch(settings, tmp_path) -> Iterator[S3Switch | LocalSwitch]:
    switch = S3Switch(settings) if django_settings.STORAGE_BACKEND == "s3" else LocalSwitch(settings, tmp_path)
    switch.start()
    try:
        yield switch
    finally:
        if isinstance(switch, S3Switch):
            switch._weed("stop")


def _upload(client, *names: str):
    files = [SimpleUploadedFile(name, f"content of {name}".encode()) for name in names]
    return client.post(UPLOAD, {"files": files}, format="multipart")


def test_storage_down_is_503_with_nothing_charged_and_uploads_work_again_when_it_is_back(owner, storage_switch):
    client = owner.client()
    first = _upload(client, "before.txt")
    assert first.status_code == 200
    key = first.json()["uploaded"][0]["key"]
    used = org_used(owner.org)

    storage_switch.stop()
    for response in (_upload(client, "down.txt"), _upload(client, "one.txt", "two.png", "three.csv")):
        assert response.status_code == 503
        assert response.json() == {
            "success": False,
            "error": {"code": "storage_unavailable", "message": response.json()["error"]["message"]},
        }
    assert org_used(owner.org) == used
    assert list(StoredFile.objects.values_list("key", flat=True)) == [key]
    assert client.get(FILES).status_code == 200  # the listing needs only the database
    assert client.get(f"{FILES}/{key}").status_code == 503
    gone = client.delete(f"{FILES}/{key}")
    assert gone.status_code == 503
    assert StoredFile.objects.filter(key=key).exists()
    assert org_used(owner.org) == used

    storage_switch.start()
    again = _upload(client, "after.txt")
    assert again.status_code == 200
    assert org_used(owner.org) == used + again.json()["uploaded"][0]["size"]
