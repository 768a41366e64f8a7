import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from files.models import StoredFile
from files.services import stored_file_delete
from tests.files.samples import FILES, HTML, UPLOAD, image_bytes, org_used, stored_objects
from thrad.models import Organization

pytestmark = pytest.mark.django_db


def _upload(actor, name: str, data: bytes) -> dict:
    response = actor.client().post(UPLOAD, {"files": [SimpleUploadedFile(name, data)]}, format="multipart")
    assert response.status_code == 200, response.json()
    return response.json()["uploaded"][0]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_list_shows_the_orgs_files_newest_first_with_usage(owner, outsider):
    first = _upload(owner, "a.png", image_bytes("PNG"))
    second = _upload(owner, "b.csv", b"x,y\n")
    _upload(outsider, "theirs.txt", b"not yours")
    StoredFile.objects.filter(key=first["key"]).update(created_at=timezone.now() - timedelta(minutes=1))
    response = owner.client().get(FILES)
    assert response.status_code == 200
    body = response.json()
    assert [f["key"] for f in body["files"]] == [second["key"], first["key"]]
    assert set(body["files"][0]) == {"key", "filename", "mimeType", "size", "isImage", "createdAt"}
    assert body["files"][1]["isImage"] is True
    assert body["usage"] == {"usedBytes": first["size"] + second["size"], "quotaBytes": 200 * 1024 * 1024}
    assert body["nextCursor"] is None


def test_the_cursor_walks_every_file_once_even_with_equal_timestamps(owner):
    keys = {_upload(owner, f"{i}.txt", b"x")["key"] for i in range(7)}
    StoredFile.objects.filter(organization=owner.org).update(created_at=timezone.now())  # all tied
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = owner.client().get(FILES, params).json()
        assert len(body["files"]) <= 3
        seen += [f["key"] for f in body["files"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(keys)
    assert len(seen) == 7


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": "W10"}, "invalid_cursor"),  # base64 of []
        ({"cursor": "WyIyMDI2LTAxLTAxIiwgIngiXQ"}, "invalid_cursor"),  # naive datetime
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "101"}, "invalid_limit"),
        ({"limit": "abc"}, "invalid_limit"),
    ],
)
def test_bad_list_parameters_are_400_in_the_files_shape(owner, params, code):
    response = owner.client().get(FILES, params)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == code


def test_download_streams_the_bytes_with_the_stored_type_as_an_attachment(owner):
    data = image_bytes("PNG", size=(300, 300))
    item = _upload(owner, "My Photo.png", data)
    response = owner.client().get(f"{FILES}/{item['key']}")
    assert response.status_code == 200
    assert response.streaming
    assert _body(response) == data
    assert response["Content-Type"] == "image/png"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"] == 'attachment; filename="My_Photo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_html_in_a_txt_file_is_served_inert(owner):
    item = _upload(owner, "notes.txt", HTML)
    response = owner.client().get(f"{FILES}/{item['key']}")
    assert response.status_code == 200
    assert _body(response) == HTML
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(("name", "data"), [("t.csv", b"a,b\n"), ("t.md", b"# x")])
def test_every_text_type_is_served_as_plain_utf8_text(owner, name, data):
    item = _upload(owner, name, data)
    response = owner.client().get(f"{FILES}/{item['key']}")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    _body(response)


def test_json_keeps_its_type(owner):
    item = _upload(owner, "d.json", b"{}")
    response = owner.client().get(f"{FILES}/{item['key']}")
    assert response["Content-Type"] == "application/json"
    assert _body(response) == b"{}"


def test_delete_removes_the_bytes_and_gives_the_quota_back(owner):
    keep = _upload(owner, "keep.txt", b"keep")
    item = _upload(owner, "gone.txt", b"hello world")
    assert org_used(owner.org) == 15
    response = owner.client().delete(f"{FILES}/{item['key']}")
    assert response.status_code == 204
    assert response.content == b""
    assert org_used(owner.org) == 4
    assert [k for k in stored_objects(owner.org)] == [keep["key"].rsplit("/", 1)[1]]
    assert owner.client().get(f"{FILES}/{item['key']}").status_code == 404
    again = owner.client().delete(f"{FILES}/{item['key']}")
    assert again.status_code == 404
    assert org_used(owner.org) == 4


def test_another_organization_gets_404_exactly_like_a_missing_key(owner, outsider):
    item = _upload(owner, "secret.txt", b"mine")
    missing = f"files/{owner.org.public_id}/00000000-0000-0000-0000-000000000000_secret.txt"
    for method in ("get", "delete"):
        foreign = getattr(outsider.client(), method)(f"{FILES}/{item['key']}")
        absent = getattr(outsider.client(), method)(f"{FILES}/{missing}")
        assert foreign.status_code == absent.status_code == 404
        assert (
            foreign.json()
            == absent.json()
            == {"success": False, "error": {"code": "not_found", "message": "No such file."}}
        )
    assert outsider.client().get(FILES).json()["files"] == []
    own = owner.client().get(f"{FILES}/{item['key']}")
    assert own.status_code == 200
    assert _body(own) == b"mine"
    assert org_used(owner.org) == 4


def test_management_endpoints_need_a_key(anon_client, owner):
    item = _upload(owner, "a.txt", b"a")
    for method, url in (
        ("get", FILES),
        ("get", f"{FILES}/{item['key']}"),
        ("delete", f"{FILES}/{item['key']}"),
    ):
        response = getattr(anon_client, method)(url)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "auth_required"
    assert StoredFile.objects.filter(key=item["key"]).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_deletes_of_one_file_give_its_bytes_back_exactly_once(owner):
    items = [_upload(owner, f"{i}.txt", b"x" * 1000) for i in range(3)]
    Organization.objects.filter(pk=owner.org.pk).update(storage_used_bytes=5000)  # 2000 more elsewhere
    outcomes: list[str] = []

    def delete(key: str, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            stored_file_delete(org=owner.org, key=key)
            outcomes.append("deleted")
        except Exception as exc:  # noqa: BLE001 - record what each racer saw
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    for item in items:
        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=delete, args=(item["key"], barrier)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes.count("deleted") == 3
    assert outcomes.count("NotFoundError") == 9  # PlatformError.NOT_FOUND
    assert org_used(owner.org) == 2000
    assert stored_objects(owner.org) == []


def test_bytes_missing_from_storage_answer_404_not_500(owner):
    from django.core.files.storage import default_storage

    item = _upload(owner, "lost.txt", b"lost")
    default_storage.delete(item["key"])
    response = owner.client().get(f"{FILES}/{item['key']}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_files_part_without_a_file_name_is_dropped_like_an_empty_browser_input(owner):
    from django.test import Client

    body = b'--b\r\nContent-Disposition: form-data; name="files"; filename=""\r\n\r\nabc\r\n--b--\r\n'
    response = Client().generic(
        "POST",
        UPLOAD,
        body,
        content_type="multipart/form-data; boundary=b",
        HTTP_AUTHORIZATION=f"Bearer {owner.secret}",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_files"
