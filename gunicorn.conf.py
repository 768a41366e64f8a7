"""gunicorn settings: the one way to serve every endpoint. Override per deployment with env or flags.

Serving model (docs/serving.md): WEB_CONCURRENCY processes, each with WEB_THREADS threads
(the `gthread` worker class). Slow work (URL-fetch waits, large bodies, file and image streams)
may hold only SLOW_FETCH_SLOTS + SLOW_BODY_SLOTS + SLOW_STREAM_SLOTS threads of a process
(thrad/bounds.py, past that a fast 503), so the rest of the threads are always free for the DSP.
Keep-alive connections wait in the worker's event loop, not in a thread.
"""

import logging
import os

bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 20)
worker_connections = 1000  # open connections per process (kept-alive ones wait in the event loop)
# gthread: the worker's event loop heartbeats, so this only catches a process that is stuck
# as a whole; requests themselves are bounded by the application's own deadlines.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 20
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
# Big enough that a 10 KB hostile Authorization header reaches the app (and gets its 401).
limit_request_field_size = 16384
# A worker is replaced after this many requests (a bound on any slow leak). Each replacement
# costs about 1.3 s of CPU (imports) and a cold start (the DSP's serving index, the key cache,
# prepared statements): at 5,000 that was 0.3 ms of every DSP request at bench rates.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 100_000)
max_requests_jitter = max_requests // 10
control_socket_disable = True  # no gunicornc socket shared by every gunicorn of this user
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "false") == "true" else None


def post_worker_init(worker: object) -> None:
    """Say so when the slow-work slots could take every thread (the DSP would wait)."""
    from django.conf import settings

    slots = [getattr(settings, f"SLOW_{kind}_SLOTS", 0) for kind in ("FETCH", "BODY", "STREAM")]
    slow = sum(slots)  # an app without these settings (bench/bareapp.py) has no slow-work bounds
    if slow >= threads:
        logging.getLogger("gunicorn.error").warning(
            "SLOW_*_SLOTS add up to %d, not fewer than WEB_THREADS=%d: slow work can take every "
            "thread and the DSP would wait",
            slow,
            threads,
        )
