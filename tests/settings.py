"""Settings for the test suite: thrad.settings plus names unique to this checkout.

Every checkout (CI clone, developer worktree) gets its own test database, Redis key prefix,
Celery queue, S3 bucket and media folder, so concurrent runs on one machine never meet.
Subprocesses started by tests (a Celery worker, gunicorn) set THRAD_TEST_SUBPROCESS=1 to use
the test database that pytest created instead of the main one.
"""

import hashlib
import os
from pathlib import Path

_BASE = Path(__file__).resolve().parent.parent
TEST_ID = os.environ.get("THRAD_TEST_ID") or hashlib.sha1(str(_BASE).encode()).hexdigest()[:8]  # noqa: S324
os.environ["THRAD_TEST_ID"] = TEST_ID
# The suite never reads the developer's .env (which `make run` writes): runs stay reproducible.
os.environ["THRAD_ENV_FILE"] = ""

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["CACHE_KEY_PREFIX"] = f"t{TEST_ID}"
os.environ["RATE_LIMIT_KEY_PREFIX"] = f"t{TEST_ID}:rl"
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"thrad-test-{TEST_ID}"
os.environ["MEDIA_ROOT"] = str(_BASE / ".pytest-tmp" / "media")
if os.environ.get("STORAGE_BACKEND") == "s3":
    os.environ["AWS_STORAGE_BUCKET_NAME"] = f"thrad-test-{TEST_ID}"

from thrad.settings import *  # noqa: E402,F403
from thrad.settings import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so subprocesses started by tests share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_BASE / ".pytest-tmp" / f"test_{TEST_ID}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_thrad_{TEST_ID}"}
if os.environ.get("THRAD_TEST_SUBPROCESS") == "1":
    DATABASES["default"]["NAME"] = DATABASES["default"]["TEST"]["NAME"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files from the app folders, as `make run` does, without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
