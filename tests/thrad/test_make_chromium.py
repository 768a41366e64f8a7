"""`make test` installs Chromium (for the browser tests) when it is missing and the machine lets it.

Run against a PATH holding only `make`, `id` and a recording `apt-get`, so "Chromium missing"
and "root with apt-get" are what the Makefile sees, without touching the real system.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.checkout import BASE_DIR


def tool_dir(tmp_path: Path, *, uid: int, chromium: bool = False, apt: bool = True) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "make").symlink_to(shutil.which("make"))
    stub(bin_dir / "id", f'[ "$1" = -u ] && echo {uid}')
    if apt:
        stub(bin_dir / "apt-get", f'echo "$*" >> {tmp_path / "apt.log"}')
    if chromium:
        stub(bin_dir / "chromium", "exit 0")
    return bin_dir


def stub(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def make_chromium(tmp_path: Path, bin_dir: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    result = subprocess.run(
        ["make", "chromium"], cwd=BASE_DIR, env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=60
    )
    log = tmp_path / "apt.log"
    return result, log.read_text().splitlines() if log.exists() else []


def test_missing_chromium_is_installed_with_apt_get_as_root(tmp_path):
    result, apt_calls = make_chromium(tmp_path, tool_dir(tmp_path, uid=0))
    assert result.returncode == 0, result.stderr
    assert apt_calls == ["update -qq", "install -y -qq chromium"]


@pytest.mark.parametrize(
    ("options", "why"),
    [({"uid": 1000}, "needs root"), ({"uid": 0, "apt": False}, "needs root and apt-get")],
    ids=["not-root", "no-apt-get"],
)
def test_without_root_or_apt_get_it_says_the_browser_tests_will_be_skipped(tmp_path, options, why):
    result, apt_calls = make_chromium(tmp_path, tool_dir(tmp_path, **options))
    assert result.returncode == 0 and apt_calls == []
    assert "browser tests will be skipped" in result.stderr


def test_an_installed_chromium_is_left_alone(tmp_path):
    result, apt_calls = make_chromium(tmp_path, tool_dir(tmp_path, uid=0, chromium=True))
    assert (result.returncode, apt_calls, result.stdout + result.stderr) == (0, [], "")


def test_make_test_runs_the_chromium_step_before_pytest():
    plan = subprocess.run(
        ["make", "-n", "-o", ".venv/.dev", "-o", ".venv/.runtime", "test"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert plan.index("apt-get install -y -qq chromium") < plan.index("-m pytest")
    assert "chromium" not in (BASE_DIR / ".ci" / "run").read_text()  # one place: the Makefile
