"""Image bombs sent to the Files API: each is `invalid_file`, nothing stored, no quota used, and
judging one costs the worker next to nothing (the same image policy as `/v1/upload`)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from filecheck import Reason
from filecheck.images import DECODE_BUDGET
from files.models import StoredFile
from files.validation import FILES_REASONS
from tests.files.samples import UPLOAD, image_bytes, org_used, stored_objects
from tests.support.bombs import BOMBS, ext_of, gif, webp_animated
from tests.support.judge_memory import measure
from thrad.errors import FilesError

pytestmark = pytest.mark.django_db


def _post(client, *files: tuple[str, bytes]):
    return client.post(UPLOAD, {"files": [SimpleUploadedFile(n, d) for n, d in files]}, format="multipart")


@pytest.mark.parametrize("case", BOMBS)
def test_an_image_bomb_is_invalid_file_and_leaves_nothing_behind(owner, case):
    data = BOMBS[case]()
    name = f"bomb.{ext_of(data)}"
    response = _post(owner.client(), (name, data))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["success"], body["uploaded"]) == (False, [])
    [error] = body["errors"]
    assert (error["filename"], error["code"]) == (name, "invalid_file")
    assert org_used(owner.org) == 0
    assert stored_objects(owner.org) == []
    assert StoredFile.objects.count() == 0


def test_a_bomb_among_good_files_is_refused_alone(owner):
    good = image_bytes("GIF")
    response = _post(owner.client(), ("a.gif", good), ("bomb.webp", webp_animated(7000, 7000)))
    assert response.status_code == 200
    body = response.json()
    assert [item["filename"] for item in body["uploaded"]] == ["a.gif"]
    assert [(e["filename"], e["code"]) for e in body["errors"]] == [("bomb.webp", "invalid_file")]
    assert org_used(owner.org) == len(good)


def test_a_modest_animated_gif_is_still_accepted(owner):
    data = gif(200, 200, frames=50)
    response = _post(owner.client(), ("anim.gif", data))
    assert response.status_code == 200, response.json()
    assert response.json()["uploaded"][0]["mimeType"] == "image/gif"


@pytest.mark.parametrize("case", ["webp-animated-7000x7000", "jpeg-progressive-7000x7000", "gif-screen-8000x8000"])
def test_judging_a_bomb_on_the_files_path_stays_far_under_the_budget(case):
    data = BOMBS[case]()
    result = measure(data, ext_of(data), "files")
    assert result == {"growth": result["growth"], "outcome": "invalid_file"}
    assert result["growth"] < DECODE_BUDGET // 100


def test_every_filecheck_reason_has_a_files_api_code():
    assert set(FILES_REASONS) == set(Reason)
    assert all(isinstance(error, FilesError) for error in FILES_REASONS.values())
