"""Thrad settings, read from the environment (see .env.example for every variable).

A `.env` file in the checkout (`make run` writes one for development) is read first; variables
set in the environment win over it. THRAD_ENV_FILE names another file, or none when empty.

The same code runs in production (PostgreSQL, Redis, Celery workers, S3) and in the embedded
default (SQLite, database cache, eager Celery, local files); only this module tells them apart.
"""

import os
from pathlib import Path

import dj_database_url

from thrad.env import ImproperEnvError, env_bool, env_decimal, env_int, env_list, env_str, read_env_file

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

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "thrad.middleware.RequestIdMiddleware",
    "thrad.middleware.ApiTrailingSlashMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Wait for the write lock instead of failing at once when two requests write together.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, rate-limit counters, bid cache ------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "thrad")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
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
# Periodic tasks (run by `celery -A thrad worker -B` or a separate `celery -A thrad beat`).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "ratelimit-counters-cleanup": {"task": "thrad.tasks.ratelimit_counters_cleanup", "schedule": 3600},
    "creatives: expire idempotency records": {
        "task": "creatives.idempotency_records_expire",
        "schedule": 3600,
    },
    "bids: delete expired bids": {"task": "bids.bids_expired_delete", "schedule": 3600},
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
    from botocore.config import Config as _BotoConfig

    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperEnvError("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "default_acl": "private",
            # Every name we store under carries 128 random bits, so skip the HEAD request
            # django-storages would send to find a free name before each write.
            "file_overwrite": True,
            "querystring_auth": True,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "client_config": _BotoConfig(connect_timeout=3, read_timeout=20, retries={"max_attempts": 2}),
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
UPLOAD_FETCH_WAIT_MARGIN = 10
UPLOAD_FETCH_CLEANUP_DELAY = 120
TRUSTED_PROXY_CIDRS = env_list("TRUSTED_PROXY_CIDRS")

BID_TTL_SECONDS = env_int("BID_TTL_SECONDS", 60, minimum=1)
DSP_BID_FLOOR_CPM = env_decimal("DSP_BID_FLOOR_CPM", "4.00")
DSP_PRERENDER = env_bool("DSP_PRERENDER", False)
DSP_BID_RETENTION_DAYS = env_int("DSP_BID_RETENTION_DAYS", 7, minimum=1)
CLICK_TOKEN_TTL_DAYS = env_int("CLICK_TOKEN_TTL_DAYS", 30, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
