"""Browser tests (marker `browser`) drive Debian's Chromium through Playwright (a pytest plugin loaded by tests/conftest.py).

Without Chromium they are skipped, and the terminal summary says so in one clear line; with it
they always run. Set CHROMIUM_PATH to use a Chromium somewhere other than /usr/bin/chromium.
"""

import os
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_SKIPPED: list[str] = []


def chromium_missing() -> bool:
    return not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not chromium_missing():
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {CHROMIUM} not found")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)
            _SKIPPED.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _SKIPPED:
        terminalreporter.write_sep("=", f"browser tests skipped: {CHROMIUM} not found", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(_SKIPPED)} browser test(s) did not run; install it with: apt-get install -y chromium"
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Chromium for one test module.

    Playwright's sync API keeps an asyncio loop running in this thread, which makes Django
    refuse ORM calls from the test code (SynchronousOnlyOperation). The test code is plain
    synchronous code, so the check is switched off for exactly as long as the loop lives.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
