"""Strict helpers that read settings from the environment.

A misspelt value raises at start-up instead of silently falling back to a default.
"""

import os
from decimal import Decimal, InvalidOperation

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class ImproperEnvError(ValueError):
    """An environment variable holds a value its setting cannot accept."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperEnvError(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError as exc:
        raise ImproperEnvError(f"{name} must be an integer, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperEnvError(f"{name} must be at least {minimum}, not {value}")
    return value


def env_decimal(name: str, default: str) -> Decimal:
    raw = env_str(name, default) or default
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise ImproperEnvError(f"{name} must be a decimal number, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_seconds(name: str, default: float, *, minimum: float = 0.0) -> float:
    """A duration in seconds (fractions allowed)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError as exc:
        raise ImproperEnvError(f"{name} must be a number of seconds, not {raw!r}") from exc
    if not value >= minimum:  # also refuses nan
        raise ImproperEnvError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


def read_env_file(path: str) -> None:
    """Put the `NAME=value` lines of a `.env` file into os.environ; variables already set win.

    Blank lines and `#` comments are skipped, a leading `export ` is allowed, and one pair of
    matching quotes around a value is removed. A missing file is no error.
    """
    try:
        with open(path, encoding="utf-8") as env_file:
            lines = env_file.read().splitlines()
    except FileNotFoundError:
        return
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier():
            raise ImproperEnvError(f"{path}, line {number}: expected NAME=value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(name, value)
