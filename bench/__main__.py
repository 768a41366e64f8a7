"""`make bench` / `python -m bench [area ...]`: run bench/bench_<area>.py modules and print ratios.

Uses the same environment as the tests: the embedded default, or the real services when their
variables are set (`source .ci/env.sh && make bench`). Each bench gets a fresh database.
"""

import hashlib
import importlib
import os
import pkgutil
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
os.environ["THRAD_TEST_ID"] = "b" + hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:7]  # noqa: S324
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["THRAD_SUBPROCESS_SETTINGS"] = "bench.settings"


def main(selected: list[str]) -> int:
    import django

    django.setup()
    import bench
    from bench.harness import Harness
    from tests.support.storage import ensure_bucket

    ensure_bucket()
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    if not names:
        print("no benchmark matched", selected, file=sys.stderr)
        return 2
    harness = Harness(
        seconds=float(os.environ.get("BENCH_SECONDS", "8")),
        warmup=float(os.environ.get("BENCH_WARMUP", "2")),
    )
    for name in names:
        importlib.import_module(f"bench.{name}").run(harness)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
