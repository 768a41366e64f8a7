"""The embedded default (`make run`: manage.py runserver, eager Celery, SQLite) must not let slow
URL fetches stall the DSP either: runserver serves each request in its own thread, and a fetch
(run in-process) holds only its own."""

import subprocess
import sys
import threading
import time

import pytest
import requests

from tests import factories
from tests.factories import make_actor
from tests.support import servers
from tests.uploads.upload_helpers import image_bytes, image_host, serve
from thrad.models import Membership

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

END_USER = {"X-Forwarded-For": "198.51.100.7", "User-Agent": "Mozilla/5.0 (test)"}
BID = {
    "userId": "u",
    "chatId": "c",
    "request_type": "contextual",
    "nAdsBefore": 0,
    "ad_formats": ["sponsored_message"],
    "production": False,
    "messages": [
        {"role": "user", "content": "hello", "timestamp": 1},
        {"role": "assistant", "content": "hi", "timestamp": 2},
    ],
}


def test_a_slow_fetch_under_runserver_does_not_stall_bids(tmp_path):
    owner = make_actor(org_name="Embedded", username="emma", role=Membership.Role.OWNER)
    factories.servable_ad(hints=None)
    _, partner_key = factories.partner()
    port = servers.free_port()
    env = servers.subprocess_env(DEBUG="true", UPLOAD_FETCH_ALLOWED_CIDRS="127.0.0.0/8", PORT=str(port))
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=servers.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    png = image_bytes("PNG", (40, 30))

    def slow(handler) -> None:
        time.sleep(2.5)
        serve(png)(handler)

    with servers.stopping(proc), image_host({"/slow.png": slow}) as host:
        base = f"http://127.0.0.1:{port}"
        servers.wait_for_http(f"{base}/healthz", proc=proc)
        headers = {"Authorization": f"Bearer {partner_key}", **END_USER}

        def bid() -> int:
            return requests.post(f"{base}/api/v1/dsp/bid", json=BID, headers=headers, timeout=10).status_code

        def upload() -> None:
            uploads.append(
                requests.post(
                    f"{base}/v1/upload",
                    json={"image_url": host.url("/slow.png")},
                    headers={"Authorization": f"Bearer {owner.secret}"},
                    timeout=30,
                )
            )

        assert bid() == 200
        uploads: list = []
        # two at once: eager tasks in two threads (Celery's "inside a task" flag is process-wide)
        fetches = [threading.Thread(target=upload) for _ in range(2)]
        for fetch in fetches:
            fetch.start()
        while len(host.requests) < 2:
            time.sleep(0.02)
        latencies = []
        while any(fetch.is_alive() for fetch in fetches):
            started = time.monotonic()
            assert bid() == 200
            latencies.append(time.monotonic() - started)
        for fetch in fetches:
            fetch.join()
    assert [u.status_code for u in uploads] == [201, 201], [u.text for u in uploads]
    assert len(latencies) >= 5
    assert max(latencies) < 0.5, f"a bid took {max(latencies):.3f} s while fetches were waiting"
