"""How much judging one file makes a fresh process grow (peak RSS), on either upload path.

Run as `python -m tests.support.judge_memory <file> <judge>` where judge is `filecheck`
(`image_judge` with the formats of both paths), `files` (the Files API's `judge`) or `uploads`
(`/v1/upload`'s `image_check`). Prints JSON: {"growth": bytes, "outcome": "accepted" or the
refusal's code}. Pillow's decoders allocate outside Python's allocator, so tracemalloc would not
see them: the measure is the process's peak resident size (VmHWM) before and after, in a process
that judged a tiny image of every format first (plugin imports do not count). Not ru_maxrss: a
child's ru_maxrss starts at its parent's size when it was forked, which hides the child's peak.
"""

import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from PIL import Image

BASE_DIR = Path(__file__).resolve().parents[2]


def measure(data: bytes, ext: str, judge: str) -> dict[str, Any]:
    """Judge `data` (a file ending `.ext`) in a fresh process; {"growth", "outcome"}."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"image.{ext}"
        path.write_bytes(data)
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.judge_memory", str(path), judge],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _judge(name: str) -> Callable[[IO[bytes], str], str]:
    if name == "filecheck":
        import filecheck

        def judge(fp: IO[bytes], ext: str) -> str:
            try:
                filecheck.image_judge(fp, formats=("PNG", "JPEG", "GIF", "WEBP"))
            except filecheck.Refused as refused:
                return refused.reason.value
            return "accepted"

        return judge
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE") or "tests.settings"
    import django

    django.setup()
    from thrad.errors import ApplicationError

    if name == "files":
        from files.validation import PartRejected
        from files.validation import judge as files_judge

        def judge(fp: IO[bytes], ext: str) -> str:
            size = len(fp.read())
            try:
                files_judge(fp, name=f"image.{ext}", size=size)
            except PartRejected as rejected:
                return rejected.error.code
            return "accepted"

        return judge
    from uploads.validation import image_check

    def judge(fp: IO[bytes], ext: str) -> str:
        try:
            image_check(fp)
        except ApplicationError as error:
            return error.code
        return "accepted"

    return judge


def _warm_up(judge: Callable[[IO[bytes], str], str]) -> None:
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")):
        out = io.BytesIO()
        Image.new("RGB", (16, 16), (1, 2, 3)).save(out, fmt)
        judge(io.BytesIO(out.getvalue()), ext)


def _peak() -> int:
    """This process's peak resident set size in bytes, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def _reset_peak() -> None:
    """Bring the peak down to the current size (Linux 4.0+), so growth counts from here."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # then the peak so far (the warm-up) is the baseline: growth is a lower bound


def main() -> None:
    path, which = Path(sys.argv[1]), sys.argv[2]
    judge = _judge(which)
    _warm_up(judge)
    fp = io.BytesIO(path.read_bytes())
    _reset_peak()
    before = _peak()
    outcome = judge(fp, path.suffix.lstrip("."))
    print(json.dumps({"growth": _peak() - before, "outcome": outcome}))


if __name__ == "__main__":
    main()
