"""gunicorn settings: bounded requests and timeouts. Override per deployment with env or flags."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
# Big enough that a 10 KB hostile Authorization header reaches the app (and gets its 401).
limit_request_field_size = 16384
max_requests = 5000
max_requests_jitter = 500
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "false") == "true" else None
