"""`python -m bench.profile FILE [-n N] [--match TEXT]`: summarise a py-spy profile (collapsed stacks).

`BENCH_PROFILE=<dir> make bench ...` records one worker of the project through the first measured
round of each load (bench/harness.py); this prints, for the samples where the worker was busy
(py-spy leaves out idle waits), the functions with the largest inclusive share (the function and
what it called) and the largest own share. `--match` keeps only the stacks through a frame whose
text contains TEXT (e.g. a view's name), and shares stay relative to all busy samples.
"""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _name(frame: str) -> str:
    """`func (path/to/module.py)` shortened to `module.py:func`, the site-packages prefix dropped."""
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "lib/python3", "/work/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    path = re.sub(r"^wt/[^/]+/|^main/", "", path)
    return f"{path}:{match['func']}"


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append(([_name(f) for f in stack.split(";")], int(count)))
    return stacks


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("-n", type=int, default=40, help="lines per table")
    parser.add_argument("--match", default="", help="only stacks through a frame containing this")
    args = parser.parse_args(argv)
    stacks = load(args.file)
    total = sum(count for _, count in stacks)
    if not total:
        print("no samples", file=sys.stderr)
        return 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    kept = 0
    for frames, count in stacks:
        if args.match and not any(args.match in f for f in frames):
            continue
        kept += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    print(f"{total} busy samples ({kept} kept)")
    for title, table in (("inclusive", inclusive), ("own", own)):
        print(f"\n-- {title}")
        for name, count in table.most_common(args.n):
            print(f"{100 * count / total:6.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
