"""Thrad settings, read from the environment (see .env.example for every variable).

A `.env` file in the checkout (`make run` writes one for development) is read first; variables
set in the environment win over it. THRAD_ENV_FILE names another file, or none when empty.

The same code runs in production (PostgreSQL, Redis, Celery workers, S3) and in the embedded
default (SQLite, database cache, eager Celery, local files); only this module tells them apart.
"""

import os
from pathlib import Path

import dj_database_url

from thrad.env import (
    ImproperEnvError,
    env_bool,
    env_decimal,
    env_int,
    env_list,
    env_seconds,
    env_str,
    read_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
_ENV_FILE = os.environ.get("THRAD_ENV_FILE", str(BASE_DIR / ".env"))
if _ENV_FILE:
    read_env_file(_ENV_FILE)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperEnvError("SECRET_KEY is required unless DEBUG=true")
    SECRET_KEY = "insecure-dev-only-key-never-used-with-debug-off"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
# The port `make run` serves on; the default PUBLIC_BASE_URL follows it.
PORT = env_int("PORT", 8000, minimum=1)
PUBLIC_BASE_URL = (env_str("PUBLIC_BASE_URL") or f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "thrad",
    "uploads",
    "files",
    "creatives",
    "bids",
    "dashboard",
]

# Every request: security headers, the request id, the API trailing slash. Then SiteMiddleware
# sends the bearer-token APIs (/v1, /api/v1) straight to their views and every other path
# (dashboard, admin, docs, static files) through SITE_MIDDLEWARE, the browser machinery.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "thrad.middleware.RequestIdMiddleware",
    "thrad.bounds.SlowBodyMiddleware",  # before anything reads a body
    "thrad.dbguard.QueryDeadlineMiddleware",
    "thrad.middleware.ApiTrailingSlashMiddleware",
    "thrad.middleware.SiteMiddleware",
]
SITE_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The admin checks for its session/auth/messages middleware in MIDDLEWARE only; thrad.E001 checks
# SITE_MIDDLEWARE instead (thrad/middleware.py).
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]

ROOT_URLCONF = "thrad.urls"
WSGI_APPLICATION = "thrad.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# Seconds: opening a PostgreSQL connection (libpq connect_timeout), and any one query of a web
# request (cut client-side by thrad/dbguard.py, so a hung server is a 503, not a hang).
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=1)
DATABASE_QUERY_TIMEOUT = env_seconds("DATABASE_QUERY_TIMEOUT", 5.0)
DSP_QUERY_TIMEOUT = env_seconds("DSP_QUERY_TIMEOUT", 1.0)  # bid, render, click: the SSP waits 2 s
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "thrad.pgbackend"  # the health check under the deadline too
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": DATABASE_CONNECT_TIMEOUT}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a connection a restart broke is replaced
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Wait for the write lock instead of failing at once when two requests write together.
    # WAL: readers never wait for the writer (bids, renders and the cache write concurrently).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, rate-limit counters, bid cache ------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "thrad")
# Seconds for each Redis connect and command (cache, bid cache, rate limits). Redis answers in
# well under a millisecond; past this it counts as down (and its breaker opens).
REDIS_TIMEOUT = env_seconds("REDIS_TIMEOUT", 1.0, minimum=0.01)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache with one client per process, behind a breaker (thrad/cache.py).
            "BACKEND": "thrad.cache.GuardedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "thrad_cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # Live bids are cache entries: the default cap (300) would cull them under load.
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL) or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "thrad")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task running when the broker connection drops finishes and reports its result (every task
# here is idempotent and bounded by its own deadline); the broker may deliver it once more.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Publishing a task never waits long on a dead broker: the caller answers 503 instead.
CELERY_BROKER_CONNECTION_TIMEOUT = env_seconds("CELERY_BROKER_TIMEOUT", 2.0, minimum=0.1)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {  # Redis broker: each command
    "socket_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
}
# Redis result backend (the upload view waits on the fetch's result)
CELERY_REDIS_SOCKET_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_TASK_TRACK_STARTED = True  # the upload view tells "never started" (our fault) from "slow host"
# Periodic tasks (run by `celery -A thrad worker -B` or a separate `celery -A thrad beat`).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "ratelimit-counters-cleanup": {"task": "thrad.tasks.ratelimit_counters_cleanup", "schedule": 3600},
    "creatives: expire idempotency records": {
        "task": "creatives.idempotency_records_expire",
        "schedule": 3600,
    },
    "bids: delete expired bids": {"task": "bids.bids_expired_delete", "schedule": 3600},
    "storage: reconcile quota and stored objects": {
        "task": "thrad.tasks.storage_reconcile",
        "schedule": env_int("RECONCILE_INTERVAL", 900, minimum=1),
    },
}

# --- storage -------------------------------------------------------------------------------
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if STORAGE_BACKEND == "s3":
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
    AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
    AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "us-east-1")
    AWS_S3_CONNECT_TIMEOUT = env_seconds("AWS_S3_CONNECT_TIMEOUT", 2.0, minimum=0.1)
    AWS_S3_READ_TIMEOUT = env_seconds("AWS_S3_READ_TIMEOUT", 1.5, minimum=0.1)
    AWS_S3_MAX_ATTEMPTS = env_int("AWS_S3_MAX_ATTEMPTS", 2, minimum=1)
    from botocore.config import Config as _BotoConfig

    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperEnvError("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
    _default_storage = {
        "BACKEND": "thrad.storage.S3Storage",  # django-storages', one PUT per object
        "OPTIONS": {
            "default_acl": "private",
            # Every name we store under carries 128 random bits, so skip the HEAD request
            # django-storages would send to find a free name before each write.
            "file_overwrite": True,
            "querystring_auth": True,
            "addressing_style": "path",
            "signature_version": "s3v4",
            # A hung store is a 503 storage_unavailable after about attempts × (1 s of botocore's
            # wait for `100 Continue` + the read timeout): 5 s by default; then storage fails
            # fast for DEPENDENCY_COOLDOWN (thrad/storage.py).
            "client_config": _BotoConfig(
                connect_timeout=AWS_S3_CONNECT_TIMEOUT,
                read_timeout=AWS_S3_READ_TIMEOUT,
                retries={"total_max_attempts": AWS_S3_MAX_ATTEMPTS, "mode": "standard"},
            ),
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Private: no base_url, nothing under MEDIA_ROOT is served except creatives/.
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
else:
    raise ImproperEnvError(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- auth, sessions, security --------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/dashboard/login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/dashboard/login"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Request bodies: the upload views stream files to disk, so only the non-file part is capped here.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 262_144

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "thrad.negotiation.SingleRendererNegotiation",
    "EXCEPTION_HANDLER": "thrad.errors.v1_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Thrad API",
    "DESCRIPTION": (
        "Advertiser API (/v1), Files API (/api/v1/upload, /api/v1/files) and DSP API "
        '(/api/v1/dsp). Every /v1 error is {"error": {message, type, param, code}}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # shipped as static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # /api/redoc (thrad/docs.py) loads nothing from elsewhere: system fonts, not Google's.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
                "headings": {"fontFamily": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'},
                "code": {"fontFamily": 'ui-monospace, "Cascadia Mono", Menlo, Consolas, monospace'},
            }
        }
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("status", "type") across components need names.
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": ["active", "paused", "archived"],
        "AdStatusEnum": ["active", "paused"],
        "CreativeTypeEnum": ["chat_card"],
    },
}

API_KEY_ROTATION_GRACE = env_int("API_KEY_ROTATION_GRACE", 1800, minimum=0)
RATE_LIMIT_V1_PER_HOUR = env_int("RATE_LIMIT_V1_PER_HOUR", 1000, minimum=1)
RATE_LIMIT_CAMPAIGN_CREATES_PER_HOUR = env_int("RATE_LIMIT_CAMPAIGN_CREATES_PER_HOUR", 60, minimum=1)
RATE_LIMIT_FILES_PER_MINUTE = env_int("RATE_LIMIT_FILES_PER_MINUTE", 10, minimum=1)
RATE_LIMIT_KEY_PREFIX = env_str("RATE_LIMIT_KEY_PREFIX", "thrad:rl")

UPLOAD_FETCH_ALLOWED_CIDRS = env_list("UPLOAD_FETCH_ALLOWED_CIDRS")
# Public on paper, but a cloud instance's own services: Azure's wire server. Wins over allowed.
UPLOAD_FETCH_DENIED_CIDRS = env_list("UPLOAD_FETCH_DENIED_CIDRS", "168.63.129.16/32")
# /v1/upload URL fetches (seconds): per connect, per read, and the whole fetch. The view waits
# for the task until the deadline plus a margin for the store; what a late task stored anyway
# is deleted after the cleanup delay (longer than the task's hard time limit).
UPLOAD_FETCH_CONNECT_TIMEOUT = env_int("UPLOAD_FETCH_CONNECT_TIMEOUT", 5, minimum=1)
UPLOAD_FETCH_READ_TIMEOUT = env_int("UPLOAD_FETCH_READ_TIMEOUT", 10, minimum=1)
UPLOAD_FETCH_DEADLINE = env_int("UPLOAD_FETCH_DEADLINE", 15, minimum=1)
# The fetch itself stops at its deadline (uploads/fetch.py cuts the socket); the margin
# covers validating and storing the image (bounded by the storage timeouts).
UPLOAD_FETCH_WAIT_MARGIN = env_seconds("UPLOAD_FETCH_WAIT_MARGIN", 6.0)
UPLOAD_FETCH_CLEANUP_DELAY = 120
TRUSTED_PROXY_CIDRS = env_list("TRUSTED_PROXY_CIDRS")

BID_TTL_SECONDS = env_int("BID_TTL_SECONDS", 60, minimum=1)
DSP_BID_FLOOR_CPM = env_decimal("DSP_BID_FLOOR_CPM", "4.00")
DSP_PRERENDER = env_bool("DSP_PRERENDER", False)
DSP_BID_RETENTION_DAYS = env_int("DSP_BID_RETENTION_DAYS", 7, minimum=1)
CLICK_TOKEN_TTL_DAYS = env_int("CLICK_TOKEN_TTL_DAYS", 30, minimum=1)

# --- serving: slow-work bounds, failing soft, reconciliation (docs/serving.md) --------------
# Per web process, how many requests of each kind of slow work may run at once; one more gets a
# fast 503 service_unavailable with Retry-After. Keep their sum below gunicorn's WEB_THREADS so
# threads are always left for the DSP (gunicorn.conf.py warns otherwise).
SLOW_FETCH_SLOTS = env_int("SLOW_FETCH_SLOTS", 4, minimum=0)  # /v1/upload URL fetches waited on
SLOW_BODY_SLOTS = env_int("SLOW_BODY_SLOTS", 3, minimum=0)  # request bodies >= SLOW_BODY_MIN_BYTES
SLOW_STREAM_SLOTS = env_int("SLOW_STREAM_SLOTS", 6, minimum=0)  # file downloads, creative images
SLOW_BODY_MIN_BYTES = env_int("SLOW_BODY_MIN_BYTES", 256 * 1024, minimum=0)
RETRY_AFTER_SECONDS = env_int("RETRY_AFTER_SECONDS", 5, minimum=1)
# After a dependency (Redis, storage) fails, calls to it fail at once for this long, then one
# call tries again: a dead dependency costs one timeout, not one per request.
DEPENDENCY_COOLDOWN = env_seconds("DEPENDENCY_COOLDOWN", 2.0)
# /readyz: every check runs in parallel and gets this long.
READYZ_TIMEOUT = env_seconds("READYZ_TIMEOUT", 1.5, minimum=0.1)
# Reconciliation: objects without a row and quota reservations without a row are corrected once
# they are older than this (longer than any request or fetch can take).
RECONCILE_GRACE = env_int("RECONCILE_GRACE", 3600, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
