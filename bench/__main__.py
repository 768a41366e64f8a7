"""`make bench` / `python -m bench [area ...]`: run bench/bench_<area>.py modules and print ratios.

The project runs with its production settings (thrad.settings: DEBUG off, a SECRET_KEY, the
services named by the environment: `source .ci/env.sh && make bench` for PostgreSQL, Redis and
SeaweedFS, the embedded default otherwise). Everything the bench writes has names of its own,
never the test ones: the database `thrad_bench_<id>` (fresh for each area, dropped after it),
the cache and rate-limit key prefix `bench<id>`, the bucket `thrad-bench-<id>`, the media folder
.bench-tmp/media; all are removed at the end, and so are the collected static files when the
bench collected them.

BENCH_SECONDS (per round, default 5), BENCH_ROUNDS (default 3) and BENCH_WARMUP (default 2)
set the length of each comparison. BENCH_PROFILE=<dir> records one worker of the project with
py-spy through the first measured round of each load (`python -m bench.profile <file>` reads it).
"""

import hashlib
import importlib
import os
import pkgutil
import secrets
import shutil
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_ID = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: S324 - a name, not a secret
TMP_DIR = BASE_DIR / ".bench-tmp"


def _environment() -> None:
    """Production settings, with the bench's own names and limits its own traffic would hit."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="thrad.settings",
        THRAD_BENCH_ID=BENCH_ID,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CACHE_KEY_PREFIX=f"bench{BENCH_ID}",
        RATE_LIMIT_KEY_PREFIX=f"bench{BENCH_ID}:rl",
        CELERY_TASK_DEFAULT_QUEUE=f"thrad-bench-{BENCH_ID}",
        MEDIA_ROOT=str(TMP_DIR / "media"),
        LOG_LEVEL="WARNING",
        RATE_LIMIT_V1_PER_HOUR="100000000",
        RATE_LIMIT_CAMPAIGN_CREATES_PER_HOUR="100000000",
        RATE_LIMIT_FILES_PER_MINUTE="100000000",
    )
    if os.environ.get("STORAGE_BACKEND") == "s3":
        os.environ["AWS_STORAGE_BUCKET_NAME"] = f"thrad-bench-{BENCH_ID}"


def _clean_up() -> None:
    """Drop what the bench wrote outside its databases: cache keys, the bucket, temp files."""
    from django.conf import settings

    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for pattern in (f"{settings.CACHE_KEY_PREFIX}:*", f"{settings.RATE_LIMIT_KEY_PREFIX}*"):
            batch = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(batch), 1000):
                client.delete(*batch[start : start + 1000])
        client.close()
    if settings.STORAGE_BACKEND == "s3":
        from django.core.files.storage import default_storage

        s3 = default_storage.connection.meta.client  # type: ignore[attr-defined]
        bucket = settings.AWS_STORAGE_BUCKET_NAME
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=item["Key"])
            s3.delete_bucket(Bucket=bucket)
        except s3.exceptions.NoSuchBucket:
            pass
    shutil.rmtree(TMP_DIR, ignore_errors=True)


def main(selected: list[str]) -> int:
    _environment()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    import bench
    from bench.harness import Harness, summary
    from tests.support.storage import ensure_bucket

    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    if not names:
        print("no benchmark matched", selected, file=sys.stderr)
        return 2
    harness = Harness(
        seconds=int(os.environ.get("BENCH_SECONDS", "5")),
        rounds=int(os.environ.get("BENCH_ROUNDS", "3")),
        warmup=int(os.environ.get("BENCH_WARMUP", "2")),
    )
    _clean_up()  # what a killed run left behind
    ensure_bucket()
    static_root = Path(settings.STATIC_ROOT)
    collected = not static_root.exists()
    call_command("collectstatic", "--noinput", verbosity=0)  # as a deployment does (whitenoise serves it)
    try:
        for name in names:
            importlib.import_module(f"bench.{name}").run(harness)
        summary()
    finally:
        _clean_up()
        if collected:
            shutil.rmtree(static_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
