"""Benchmark settings: the test settings (own database name, prefixes) plus the bare views.

Limits that would throttle a benchmark's own traffic are raised; everything else is production.
"""

import os

os.environ.setdefault("RATE_LIMIT_V1_PER_HOUR", "100000000")
os.environ.setdefault("RATE_LIMIT_CAMPAIGN_CREATES_PER_HOUR", "100000000")
os.environ.setdefault("RATE_LIMIT_FILES_PER_MINUTE", "100000000")

from tests.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
