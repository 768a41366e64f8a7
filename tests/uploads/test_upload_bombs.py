"""Image bombs sent to `/v1/upload`, as a file part and behind an image_url: WebP, PNG and JPEG
bombs are `invalid_file`, GIF is `unsupported_mimetype` (not a format of this contract), nothing
is stored, and judging one costs next to nothing (the same image policy as the Files API)."""

import pytest

from filecheck import Reason
from filecheck.images import DECODE_BUDGET
from tests.support.bombs import BOMBS, ext_of
from tests.support.judge_memory import measure
from tests.uploads.upload_helpers import image_host, part, serve, stored_names
from thrad.errors import V1Error
from uploads.models import UploadedFile
from uploads.validation import V1_REASONS

URL = "/v1/upload"


def via_file(client, data: bytes, settings):
    return client.post(URL, {"file": part(data, f"creative.{ext_of(data)}")}, format="multipart")


def via_url(client, data: bytes, settings):
    settings.UPLOAD_FETCH_ALLOWED_CIDRS = ["127.0.0.0/8"]
    with image_host({"/creative": serve(data)}) as host:
        return client.post(URL, {"image_url": host.url("/creative")}, format="json")


WAYS = {"file": (via_file, "file"), "url": (via_url, "image_url")}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("case", BOMBS)
def test_an_image_bomb_gets_its_error_and_leaves_nothing_behind(owner, settings, case, way):
    data = BOMBS[case]()
    send, param = WAYS[way]
    before = stored_names()
    response = send(owner.client(), data, settings)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    code = "unsupported_mimetype" if case.startswith("gif") else "invalid_file"
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before


@pytest.mark.parametrize("case", ["webp-animated-7000x7000", "jpeg-progressive-7000x7000", "png-declaring-30000x30000"])
def test_judging_a_bomb_on_the_upload_path_stays_far_under_the_budget(case):
    data = BOMBS[case]()
    result = measure(data, ext_of(data), "uploads")
    assert result == {"growth": result["growth"], "outcome": "invalid_file"}
    assert result["growth"] < DECODE_BUDGET // 100


def test_every_filecheck_reason_has_a_v1_code():
    assert set(V1_REASONS) == set(Reason)
    assert all(isinstance(error, V1Error) for error in V1_REASONS.values())
