import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from files.models import StoredFile
from tests.files.samples import (
    EXE,
    HTML,
    PDF,
    UPLOAD,
    ZIP,
    image_bytes,
    org_used,
    png_bomb_header,
    stored_objects,
    stored_sizes,
)
from thrad.models import Organization

pytestmark = pytest.mark.django_db


def _post(client: APIClient, *files: tuple[str, bytes]):
    parts = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post(UPLOAD, {"files": parts}, format="multipart")


def test_one_image_is_stored_under_the_org_and_returned_in_the_contract_shape(owner):
    data = image_bytes("JPEG")
    response = _post(owner.client(), ("anchor.jpg", data))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "uploaded"}  # no `errors` when nothing failed
    assert body["success"] is True
    [item] = body["uploaded"]
    assert item == {
        "key": item["key"],
        "filename": "anchor.jpg",
        "mimeType": "image/jpeg",
        "size": len(data),
        "isImage": True,
    }
    assert re.fullmatch(rf"files/{owner.org.public_id}/[0-9a-f-]{{36}}_anchor\.jpg", item["key"])
    with default_storage.open(item["key"], "rb") as stored:
        assert stored.read() == data
    assert org_used(owner.org) == len(data)


@pytest.mark.parametrize(
    ("name", "data", "mime", "is_image"),
    [
        ("a.png", image_bytes("PNG"), "image/png", True),
        ("a.JPEG", image_bytes("JPEG"), "image/jpeg", True),
        ("a.gif", image_bytes("GIF"), "image/gif", True),
        ("a.webp", image_bytes("WEBP"), "image/webp", True),
        ("a.pdf", PDF, "application/pdf", False),
        ("a.json", b'{"prompt": "caf\xc3\xa9", "n": [1, 2.5, true, null]}', "application/json", False),
        ("a.csv", b"name,price\nwidget,1.50\n", "text/csv", False),
        ("a.md", b"# Title\n\n*caf\xc3\xa9*\n", "text/markdown", False),
        ("a.markdown", b"plain", "text/markdown", False),
        ("a.txt", "ünïcödé ✓\n".encode(), "text/plain", False),
    ],
)
def test_every_accepted_type_is_detected_from_its_bytes(owner, name, data, mime, is_image):
    response = _post(owner.client(), (name, data))
    assert response.status_code == 200, response.json()
    [item] = response.json()["uploaded"]
    assert (item["mimeType"], item["isImage"], item["size"]) == (mime, is_image, len(data))


def _truncated_png() -> bytes:
    data = image_bytes("PNG", size=(64, 64), color="blue")
    return data[: len(data) // 2]


BAD_INPUT = [
    # (file name, bytes, per-file code)
    ("tool.exe", EXE, "blocked_extension"),
    ("TOOL.EXE", b"hello", "blocked_extension"),
    ("photo.jpg.exe", image_bytes("JPEG"), "blocked_extension"),
    ("photo.exe.jpg", image_bytes("JPEG"), "blocked_extension"),
    ("script.js. . .", b"alert(1)", "blocked_extension"),
    ("page.html", HTML, "blocked_extension"),
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "blocked_extension"),
    ("bundle.zip", ZIP, "blocked_extension"),
    ("backup.tar.gz", b"\x1f\x8b\x08\x00", "blocked_extension"),
    ("run.sh", b"#!/bin/sh\necho hi\n", "blocked_extension"),
    ("photo\u202egpj.exe", image_bytes("JPEG"), "blocked_extension"),  # shows as photoexe.jpg
    ("renamed.jpg", EXE, "type_mismatch"),  # an .exe renamed .jpg
    ("renamed.txt", EXE, "type_mismatch"),
    ("renamed.png", ZIP, "type_mismatch"),
    ("image.pdf", image_bytes("PNG"), "type_mismatch"),  # a PNG named .pdf
    ("image.png", image_bytes("JPEG"), "type_mismatch"),
    ("doc.txt", PDF, "type_mismatch"),
    ("doc.jpg", PDF, "type_mismatch"),
    ("data.json", b'{"a": 1,}', "invalid_file"),
    ("data.json", b"{'a': 1}", "invalid_file"),
    ("data.json", b'{"a": NaN}', "invalid_file"),
    ("data.json", b'{"a": "\xff"}', "invalid_file"),
    ("data.json", b"[" * 100_000, "invalid_file"),
    ("table.csv", b"a,b\n1,\x002\n", "invalid_file"),
    ("table.csv", b"a,b\n\xc3\x28,2\n", "invalid_file"),
    ("notes.md", b"caf\xe9 latin-1", "invalid_file"),
    ("notes.txt", b"\xef\xbf", "invalid_file"),  # a cut-off UTF-8 sequence
    ("cut.png", _truncated_png(), "invalid_file"),
    ("cut.jpg", image_bytes("JPEG", size=(64, 64))[:200], "invalid_file"),
    ("cut.gif", image_bytes("GIF", size=(64, 64))[:30], "invalid_file"),
    ("cut.webp", image_bytes("WEBP", size=(64, 64))[:40], "invalid_file"),
    ("bomb.png", png_bomb_header(), "invalid_file"),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "invalid_file"),
    ("text.jpg", b"just some text", "invalid_file"),
    ("empty.png", b"", "invalid_file"),
    ("empty.txt", b"", "invalid_file"),
    ("word.docx", ZIP, "unsupported_type"),
    ("picture.bmp", image_bytes("BMP"), "unsupported_type"),
    ("noextension", b"hello", "unsupported_type"),
]


@pytest.mark.parametrize(("name", "data", "code"), BAD_INPUT)
def test_bad_input_gets_its_per_file_code_and_nothing_is_stored(owner, name, data, code):
    response = _post(owner.client(), (name, data))
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["uploaded"] == []
    [error] = body["errors"]
    assert error["code"] == code, error
    assert error["message"]
    assert StoredFile.objects.count() == 0
    assert org_used(owner.org) == 0
    assert stored_objects(owner.org) == []


def test_html_in_a_txt_file_is_accepted_as_plain_text(owner):
    response = _post(owner.client(), ("notes.txt", HTML))
    assert response.status_code == 200
    assert response.json()["uploaded"][0]["mimeType"] == "text/plain"


def test_a_file_over_10_mb_is_file_too_large_and_the_others_are_stored(owner):
    big = b"a" * (10 * 1024 * 1024 + 1)
    ok = image_bytes("PNG")
    response = _post(owner.client(), ("big.txt", big), ("ok.png", ok))
    assert response.status_code == 200
    body = response.json()
    assert [u["filename"] for u in body["uploaded"]] == ["ok.png"]
    assert body["errors"] == [
        {"filename": "big.txt", "code": "file_too_large", "message": body["errors"][0]["message"]}
    ]
    assert org_used(owner.org) == len(ok) == stored_sizes(owner.org)
    assert len(stored_objects(owner.org)) == 1


def test_exactly_10_mb_is_accepted(owner):
    response = _post(owner.client(), ("max.txt", b"a" * (10 * 1024 * 1024)))
    assert response.status_code == 200


def test_parts_are_judged_in_order_and_reported_with_their_original_names(owner):
    response = _post(
        owner.client(),
        ("one.png", image_bytes("PNG")),
        ("two.exe", EXE),
        ("three.csv", b"a,b\n"),
        ("four.pdf", image_bytes("PNG")),
        ("five.md", b"# hi"),
    )
    assert response.status_code == 200
    body = response.json()
    assert [u["filename"] for u in body["uploaded"]] == ["one.png", "three.csv", "five.md"]
    assert [(e["filename"], e["code"]) for e in body["errors"]] == [
        ("two.exe", "blocked_extension"),
        ("four.pdf", "type_mismatch"),
    ]
    assert StoredFile.objects.filter(organization=owner.org).count() == 3


def test_six_files_are_too_many_and_nothing_is_stored(owner):
    response = _post(owner.client(), *[(f"{i}.txt", b"hello") for i in range(6)])
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": {"code": "too_many_files", "message": response.json()["error"]["message"]},
    }
    assert StoredFile.objects.count() == 0
    assert org_used(owner.org) == 0
    assert stored_objects(owner.org) == []


def test_more_parts_than_django_allows_is_still_too_many_files(owner):
    response = _post(owner.client(), *[(f"{i}.txt", b"x") for i in range(120)])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_files"
    assert StoredFile.objects.count() == 0


def test_no_files_part_is_no_files(owner):
    client = owner.client()
    for data in ({"file": SimpleUploadedFile("a.txt", b"hi")}, {"note": "x"}, {}):
        response = client.post(UPLOAD, data, format="multipart")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "no_files"
        assert response.json()["success"] is False


def test_a_json_body_is_unsupported_media_type_in_the_files_shape(owner):
    response = owner.client().post(UPLOAD, {"files": []}, format="json")
    assert response.status_code == 415
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_path_traversal_in_a_file_name_never_leaves_the_org_folder(owner):
    for name in ("../../etc/passwd.txt", "..\\..\\boot.txt", "/abs/x.txt", "a/../../b.txt"):
        response = _post(owner.client(), (name, b"hello"))
        assert response.status_code == 200, name
        key = response.json()["uploaded"][0]["key"]
        assert key.startswith(f"files/{owner.org.public_id}/")
        assert ".." not in key and "\\" not in key
        assert key.count("/") == 2


def test_stored_names_are_sanitised_and_bounded(owner):
    name = "Ré sumé (final) <v2>;" + "x" * 300 + ".TXT"
    response = _post(owner.client(), (name, b"hello"))
    item = response.json()["uploaded"][0]
    safe = item["key"].split("/", 2)[2].split("_", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,100}", safe)
    assert safe.endswith(".TXT")
    assert item["filename"].startswith("Ré sumé (final) <v2>;")


def test_a_missing_key_is_401_in_the_files_shape(anon_client):
    response = anon_client.post(UPLOAD, {"files": [SimpleUploadedFile("a.txt", b"hi")]}, format="multipart")
    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": {"code": "auth_required", "message": response.json()["error"]["message"]},
    }


def test_a_bad_key_is_401_and_x_api_key_is_accepted(owner):
    client = APIClient()
    bad = client.post(
        UPLOAD, {"files": [SimpleUploadedFile("a.txt", b"hi")]}, format="multipart", HTTP_X_API_KEY="ak_nope"
    )
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_api_key"
    good = client.post(
        UPLOAD, {"files": [SimpleUploadedFile("a.txt", b"hi")]}, format="multipart", HTTP_X_API_KEY=owner.secret
    )
    assert good.status_code == 200


# --- quota ---------------------------------------------------------------------------------


def test_a_file_exactly_at_the_quota_is_stored_and_one_byte_more_is_quota_exceeded(owner):
    Organization.objects.filter(pk=owner.org.pk).update(storage_quota_bytes=1000)
    first = _post(owner.client(), ("a.txt", b"a" * 600))
    assert first.status_code == 200
    exact = _post(owner.client(), ("b.txt", b"b" * 400))
    assert exact.status_code == 200
    assert org_used(owner.org) == 1000
    over = _post(owner.client(), ("c.txt", b"c"))
    assert over.status_code == 400
    assert over.json()["errors"][0]["code"] == "quota_exceeded"
    assert org_used(owner.org) == 1000 == stored_sizes(owner.org)
    assert len(stored_objects(owner.org)) == 2


def test_within_one_request_parts_that_fit_are_stored_and_the_rest_are_quota_exceeded(owner):
    Organization.objects.filter(pk=owner.org.pk).update(storage_quota_bytes=1000)
    response = _post(owner.client(), ("a.txt", b"a" * 700), ("b.txt", b"b" * 400), ("c.txt", b"c" * 300))
    assert response.status_code == 200
    assert [u["filename"] for u in response.json()["uploaded"]] == ["a.txt", "c.txt"]
    assert [(e["filename"], e["code"]) for e in response.json()["errors"]] == [("b.txt", "quota_exceeded")]
    assert org_used(owner.org) == 1000 == stored_sizes(owner.org)


def test_the_quota_is_per_organization(owner, outsider):
    Organization.objects.filter(pk=owner.org.pk).update(storage_quota_bytes=10)
    assert _post(owner.client(), ("a.txt", b"a" * 11)).json()["errors"][0]["code"] == "quota_exceeded"
    assert _post(outsider.client(), ("a.txt", b"a" * 11)).status_code == 200
    assert org_used(outsider.org) == 11
    assert org_used(owner.org) == 0


def test_too_many_form_fields_is_a_400_parse_error_not_a_500(owner):
    data = {f"field{i}": "x" for i in range(1001)} | {"files": [SimpleUploadedFile("a.txt", b"hi")]}
    response = owner.client().post(UPLOAD, data, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert StoredFile.objects.count() == 0


def test_a_malformed_multipart_body_is_a_400_parse_error(owner):
    response = owner.client().generic(
        "POST",
        UPLOAD,
        b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nabc',
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert StoredFile.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failed_database_write_gives_the_bytes_back_and_removes_the_stored_object(owner):
    from django.db import IntegrityError

    from files.services import stored_file_create
    from files.validation import Accepted
    from thrad.models import ApiKey

    ghost = ApiKey(pk=10**12, organization=owner.org)  # no such row: the insert's foreign key fails
    with pytest.raises(IntegrityError):
        stored_file_create(
            org=owner.org,
            api_key=ghost,
            upload=SimpleUploadedFile("a.txt", b"hello"),
            accepted=Accepted("text/plain", False),
        )
    assert org_used(owner.org) == 0
    assert stored_objects(owner.org) == []
    assert StoredFile.objects.count() == 0
