"""A new user's clone: a copy of this checkout in a temporary folder, and a shell with no Thrad
variables, to run the commands the README and `make run` print exactly as a reader would."""

import os
import shutil
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
# What a fresh clone does not have: local state and whatever git ignores.
_NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".env",
    ".demo-credentials",
    "db.sqlite3",
    "media",
    "staticfiles",
    ".pytest-tmp",
    ".bench-tmp",
    "test-artifacts",
    "__pycache__",
    "*.pyc",
)


def fresh_checkout(dest: Path) -> Path:
    """Copy the project to `dest` (mtimes kept), with `.venv` pointing at this checkout's virtualenv."""
    shutil.copytree(BASE_DIR, dest, ignore=_NOT_IN_A_CLONE)
    (dest / ".venv").symlink_to((BASE_DIR / ".venv").resolve(), target_is_directory=True)
    return dest


def user_env(**extra: str) -> dict[str, str]:
    """A new user's shell: PATH, HOME and locale only (no SECRET_KEY, DEBUG, DATABASE_URL, ...)."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ}
    env.update(extra)
    return env


def sh(command: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `command` as typed into a shell in `cwd`; output is text."""
    return subprocess.run(
        command, shell=True, cwd=cwd, env=env or user_env(), capture_output=True, text=True, timeout=timeout
    )  # noqa: S602
