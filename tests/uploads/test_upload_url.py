"""POST /v1/upload with {"image_url"}: the fetch task, the SSRF guard and every fetch outcome.

The image host is a local server reached through UPLOAD_FETCH_ALLOWED_CIDRS. With a broker
configured the fetch runs on the session's real Celery worker (another process).
"""

import hashlib
import time

import pytest
from django.core.files.storage import default_storage

from tests.support.servers import free_port
from tests.uploads.upload_helpers import (
    MIB,
    broken_storages,
    image_bytes,
    image_host,
    png_padded_to,
    redirect,
    serve,
    stored_names,
)
from uploads import services
from uploads.models import UploadedFile

URL = "/v1/upload"
PNG = image_bytes("PNG", (90, 60))


@pytest.fixture
def local_hosts_allowed(settings):
    settings.UPLOAD_FETCH_ALLOWED_CIDRS = ["127.0.0.0/8"]


def fetch_url(client, url):
    return client.post(URL, {"image_url": url}, format="json")


def assert_error(response, code, param="image_url"):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)


@pytest.fixture
def nothing_left_behind(db):
    before = stored_names()
    yield
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before


def test_an_image_url_is_fetched_stored_and_recorded(owner, local_hosts_allowed):
    with image_host({"/ads/creative.png": serve(PNG, headers={"Content-Type": "application/octet-stream"})}) as host:
        url = host.url("/ads/creative.png?size=large")
        response = fetch_url(owner.client(), url)
    assert response.status_code == 201, response.content
    file_id = response.json()["file_id"]
    assert file_id.startswith("uploads/") and file_id.endswith(".png")
    row = UploadedFile.objects.get(file_id=file_id)
    assert (row.organization, row.api_key, row.source, row.source_url) == (owner.org, owner.key, "url", url)
    assert (row.format, row.size, row.width, row.height) == ("png", len(PNG), 90, 60)
    assert row.sha256 == hashlib.sha256(PNG).hexdigest()
    with default_storage.open(file_id, "rb") as stored:
        assert stored.read() == PNG
    path, headers = host.requests[0]
    assert path == "/ads/creative.png?size=large"
    assert headers["Host"] == f"127.0.0.1:{host.port}"


@pytest.mark.django_db(transaction=True)
def test_the_fetch_runs_through_the_celery_task_end_to_end(owner, settings, local_hosts_allowed):
    """With CELERY_BROKER_URL set this is the real worker on the real broker (committed rows
    only); without it the same task runs eagerly."""
    assert settings.CELERY_TASK_ALWAYS_EAGER == (not settings.CELERY_BROKER_URL)
    jpeg = image_bytes("JPEG", (64, 64), noise=True)
    with image_host({"/photo": serve(jpeg, headers={"Content-Type": "image/png"})}) as host:
        response = fetch_url(owner.client(), host.url("/photo"))
    assert response.status_code == 201, response.content
    file_id = response.json()["file_id"]
    assert file_id.endswith(".jpg")
    assert UploadedFile.objects.get(file_id=file_id).source == "url"
    with default_storage.open(file_id, "rb") as stored:
        assert stored.read() == jpeg
    assert len(host.requests) == 1


@pytest.mark.parametrize(
    "image_url",
    [
        "",
        "   ",
        "creative.png",
        "//example.com/a.png",
        "ftp://example.com/a.png",
        "file:///etc/passwd",
        "http://user@example.com/a.png",
        "http://127.0.0.1\\@example.com/a.png",
        "http://example.com/a b.png",
        "http://example.com/a.png\n",
        42,
        None,
        ["http://example.com/a.png"],
        "http://example.com/" + "a" * 2100,
    ],
)
def test_a_malformed_image_url_is_invalid_image_url(owner, image_url, nothing_left_behind):
    assert_error(fetch_url(owner.client(), image_url), "invalid_image_url")


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "169.254.169.254",
        "[fd00:ec2::254]",
        "10.0.0.1",
        "192.168.0.1",
        "100.64.0.1",
        "2130706433",
        "0x7f.1",
        "017700000001",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",
        "0.0.0.0",
        "localhost",
    ],
)
def test_a_non_public_host_is_invalid_image_url(owner, host, nothing_left_behind):
    with image_host({"/a.png": serve(PNG)}) as server:
        response = fetch_url(owner.client(), f"http://{host}:{server.port}/a.png")
    assert_error(response, "invalid_image_url")
    assert server.requests == []


def test_the_default_deny_list_refuses_azures_wire_server_even_when_all_of_ipv4_is_allowed(
    owner, settings, nothing_left_behind
):
    settings.UPLOAD_FETCH_ALLOWED_CIDRS = ["0.0.0.0/0"]
    response = fetch_url(owner.client(), "http://168.63.129.16/machine?comp=goalstate")
    assert_error(response, "invalid_image_url")
    assert "168.63.129.16" not in response.json()["error"]["message"]


def test_a_refused_address_is_not_named_to_the_caller(owner, nothing_left_behind):
    response = fetch_url(owner.client(), "http://localhost:9/a.png")
    assert_error(response, "invalid_image_url")
    assert "127.0.0.1" not in response.json()["error"]["message"]
    assert "::1" not in response.json()["error"]["message"]


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f.1", "017700000001"])
def test_a_numeric_spelling_of_an_allowed_address_reaches_that_address(owner, local_hosts_allowed, spelling):
    with image_host({"/a.png": serve(PNG)}) as server:
        response = fetch_url(owner.client(), f"http://{spelling}:{server.port}/a.png")
    assert response.status_code == 201, response.content
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_too_many_redirects_and_is_not_followed(owner, local_hosts_allowed, status, nothing_left_behind):
    with image_host({"/a.png": redirect(status, "/b.png"), "/b.png": serve(PNG)}) as host:
        response = fetch_url(owner.client(), host.url("/a.png"))
    assert_error(response, "too_many_redirects")
    assert [path for path, _ in host.requests] == ["/a.png"]


@pytest.mark.parametrize("status", [404, 500, 403, 204])
def test_a_non_2xx_or_empty_answer_fails(owner, local_hosts_allowed, status, nothing_left_behind):
    routes = {"/a.png": serve(b"" if status == 204 else b"nope", status, {"Content-Type": "text/plain"})}
    with image_host(routes) as host:
        response = fetch_url(owner.client(), host.url("/a.png"))
    assert_error(response, "invalid_file" if status == 204 else "image_fetch_failed")


def test_a_host_that_refuses_the_connection_is_image_fetch_failed(owner, local_hosts_allowed, nothing_left_behind):
    assert_error(fetch_url(owner.client(), f"http://127.0.0.1:{free_port()}/a.png"), "image_fetch_failed")


def _stream(body: bytes, headers: dict[str, str | None], chunk: int = 64 * 1024):
    """A route that writes `body` in pieces with `headers` (None removes Content-Length)."""

    def route(handler):
        handler.send_response(200)
        for name, value in {"Content-Type": "image/png", **headers}.items():
            if value is not None:
                handler.send_header(name, value)
        handler.end_headers()
        chunked = headers.get("Transfer-Encoding") == "chunked"
        for start in range(0, len(body), chunk):
            piece = body[start : start + chunk]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")

    return route


BIG = png_padded_to(6 * MIB)


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Length": str(len(BIG))},
        {"Content-Length": None, "Connection": "close"},
        {"Transfer-Encoding": "chunked"},
    ],
    ids=["honest-length", "no-length", "chunked"],
)
def test_a_server_sending_more_than_5_mib_is_file_too_large(owner, local_hosts_allowed, headers, nothing_left_behind):
    with image_host({"/big.png": _stream(BIG, headers)}) as host:
        response = fetch_url(owner.client(), host.url("/big.png"))
    assert_error(response, "file_too_large")


def test_a_content_length_understating_the_body_reads_only_what_it_declared(
    owner, local_hosts_allowed, nothing_left_behind
):
    with image_host({"/a.png": _stream(BIG, {"Content-Length": "1000"})}) as host:
        response = fetch_url(owner.client(), host.url("/a.png"))
    assert_error(response, "invalid_file")  # the first 1000 bytes: a truncated PNG, never 6 MiB


def test_a_content_length_overstating_the_body_is_image_fetch_failed(owner, local_hosts_allowed, nothing_left_behind):
    with image_host({"/a.png": _stream(PNG, {"Content-Length": str(len(PNG) + 5000), "Connection": "close"})}) as host:
        response = fetch_url(owner.client(), host.url("/a.png"))
    assert_error(response, "image_fetch_failed")


def _drip(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    for byte in PNG * 100:
        if handler.server.image_host.stop.is_set():
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.05)


def test_a_slow_drip_past_the_deadline_is_image_fetch_failed(owner, settings, local_hosts_allowed, nothing_left_behind):
    settings.UPLOAD_FETCH_DEADLINE = 2
    with image_host({"/slow.png": _drip}) as host:
        started = time.monotonic()
        response = fetch_url(owner.client(), host.url("/slow.png"))
        elapsed = time.monotonic() - started
    assert_error(response, "image_fetch_failed")
    assert elapsed < 2 + settings.UPLOAD_FETCH_WAIT_MARGIN + 10  # generous: a loaded machine


# --- the task and its clean-up, called in this process -----------------------------------------


def test_a_storage_failure_during_a_fetch_is_storage_unavailable_with_nothing_stored(
    owner, settings, tmp_path, local_hosts_allowed
):
    before = stored_names()
    real = settings.STORAGES
    with image_host({"/a.png": serve(PNG)}) as host:
        settings.STORAGES = broken_storages(settings, tmp_path)
        outcome = services.image_fetch_store(
            url=host.url("/a.png"), stem=services.upload_stem_new(), policy=services.fetch_policy()
        )
        settings.STORAGES = real
    assert outcome["ok"] is False and outcome["code"] == "storage_unavailable"
    assert stored_names() == before


def test_the_view_answers_503_when_the_fetch_could_not_store(owner, settings, tmp_path, local_hosts_allowed):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("the worker process keeps its own storage settings; covered by the test above")
    before = stored_names()
    real = settings.STORAGES
    with image_host({"/a.png": serve(PNG)}) as host:
        settings.STORAGES = broken_storages(settings, tmp_path)
        response = fetch_url(owner.client(), host.url("/a.png"))
        settings.STORAGES = real
    assert response.status_code == 503
    assert response.json()["error"] == {
        "message": response.json()["error"]["message"],
        "type": "api_error",
        "param": None,
        "code": "storage_unavailable",
    }
    assert UploadedFile.objects.count() == 0
    assert stored_names() == before


def test_a_fetch_whose_deadline_has_passed_stores_nothing(owner, local_hosts_allowed):
    before = stored_names()
    policy = services.fetch_policy()
    with image_host({"/a.png": serve(PNG)}) as host:
        late = type(policy)(**{**policy.__dict__, "deadline": time.time() - 1})
        outcome = services.image_fetch_store(url=host.url("/a.png"), stem=services.upload_stem_new(), policy=late)
    assert outcome == {
        "ok": False,
        "code": "image_fetch_failed",
        "message": "Fetching the image took too long.",
    }
    assert stored_names() == before
    assert host.requests == []


def test_the_cleanup_deletes_orphaned_bytes_and_keeps_recorded_ones(owner, local_hosts_allowed):
    with image_host({"/a.png": serve(PNG)}) as host:
        orphan_stem, kept_stem = services.upload_stem_new(), services.upload_stem_new()
        for stem in (orphan_stem, kept_stem):
            outcome = services.image_fetch_store(url=host.url("/a.png"), stem=stem, policy=services.fetch_policy())
            assert outcome["ok"], outcome
    UploadedFile.objects.create(
        organization=owner.org,
        file_id=f"{kept_stem}.png",
        format="png",
        size=len(PNG),
        sha256="0" * 64,
        width=90,
        height=60,
        source="url",
    )
    services.stored_image_discard(stem=orphan_stem)
    services.stored_image_discard(stem=kept_stem)
    assert not default_storage.exists(f"{orphan_stem}.png")
    assert default_storage.exists(f"{kept_stem}.png")


@pytest.mark.django_db(transaction=True)
def test_when_the_view_stops_waiting_what_the_worker_stored_is_cleaned_up(owner, settings, local_hosts_allowed):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("eager tasks finish before the view waits: only a real worker can outlast the wait")
    settings.UPLOAD_FETCH_DEADLINE = 10
    settings.UPLOAD_FETCH_WAIT_MARGIN = -9.5  # the view gives up after half a second
    settings.UPLOAD_FETCH_CLEANUP_DELAY = 6
    before = stored_names()

    def slow(handler):
        time.sleep(2)
        serve(PNG)(handler)

    with image_host({"/a.png": slow}) as host:
        response = fetch_url(owner.client(), host.url("/a.png"))
        assert_error(response, "image_fetch_failed")
        deadline = time.monotonic() + 20
        while not host.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert host.requests, "the worker never fetched"
        stored = _wait_for(lambda: stored_names() - before, timeout=30)
    assert stored, "the worker never stored the image"  # it did, after the view gave up...
    assert _wait_for(lambda: stored_names() == before, timeout=60)  # ...and the clean-up removed it
    assert UploadedFile.objects.count() == 0


def _wait_for(condition, *, timeout: float):
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result
