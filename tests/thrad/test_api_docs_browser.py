"""The API docs pages in a real Chromium: every request they make goes to this server."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def _origin(url: str) -> str:
    parts = urlsplit(url.removeprefix("blob:"))  # a blob: URL carries the origin that made it
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize(("path", "heading"), [("/api/redoc", "Thrad API (1.0.0)"), ("/api/docs", "Thrad API")])
def test_the_docs_page_renders_and_loads_nothing_from_another_origin(
    browser, live_server, transactional_db, path, heading
):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    requests: list[str] = []
    failed: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    try:
        page.goto(path, wait_until="networkidle")
        page.get_by_role("heading", level=1).filter(has_text=heading).wait_for()
        page.wait_for_load_state("networkidle")  # whatever the rendered page fetches in turn
        assert page.locator("img[alt='redocly logo']").count() == 0
    finally:
        context.close()
    assert f"{live_server.url}/api/schema" in requests  # the docs really loaded the schema
    assert {_origin(url) for url in requests} == {live_server.url}, requests
    assert (failed, console_errors) == ([], [])
