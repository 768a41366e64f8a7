"""`make serve`: the production layout on loopback, from the current environment.

gunicorn from gunicorn.conf.py (gthread workers, the slow-work bounds) on 127.0.0.1:$PORT, plus,
when CELERY_BROKER_URL is set, one Celery worker with beat (URL fetches, reconciliation and the
other periodic tasks). Both run in the foreground; Ctrl-C (or SIGTERM) stops both, and when one
exits the other is stopped too, with its exit status.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def commands(env: dict[str, str]) -> dict[str, list[str]]:
    port = env.get("PORT", "8000")
    found = {
        "web": [
            str(BIN / "gunicorn"),
            "thrad.wsgi:application",
            "-c",
            str(BASE_DIR / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
        ],
    }
    if env.get("CELERY_BROKER_URL"):
        found["worker"] = [
            str(BIN / "celery"),
            "-A",
            "thrad",
            "worker",
            "-B",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--schedule",
            str(BASE_DIR / ".celerybeat-schedule"),
        ]
    return found


def main() -> int:
    env = dict(os.environ)
    procs = {name: subprocess.Popen(cmd, cwd=BASE_DIR, env=env) for name, cmd in commands(env).items()}
    print(f"serving http://127.0.0.1:{env.get('PORT', '8000')} ({', '.join(procs)}); Ctrl-C stops", flush=True)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        exited = [(name, proc.returncode) for name, proc in procs.items() if proc.poll() is not None]
        if exited:
            name, status = exited[0]
            print(f"{name} exited with {status}; stopping the rest", file=sys.stderr, flush=True)
            break
        time.sleep(0.2)
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return status


if __name__ == "__main__":
    sys.exit(main())
