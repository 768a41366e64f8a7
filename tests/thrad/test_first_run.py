"""A new user's first hour, on a fresh copy of the checkout with nothing in the environment.

`PORT=<port> make run`, then every command `make run` prints and the documentation shows, pasted
as printed: they work, and the URLs handed to advertisers and the SSP are on the served port.
"""

import os
import re
import shlex
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.checkout import fresh_checkout, sh, user_env
from tests.support.servers import free_port, wait_for_http

END_USER = {"X-Forwarded-For": "198.51.100.23", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}


class MakeRun:
    """`make run` in the background; its output is collected as it is printed."""

    def __init__(self, checkout: Path, port: int, **env: str) -> None:
        self.checkout, self.base = checkout, f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        # `-o .venv/.runtime`: the copied requirements.txt may look newer than the shared venv.
        self.proc = subprocess.Popen(
            ["make", "-o", ".venv/.runtime", "run"],
            cwd=checkout,
            env=user_env(PORT=str(port), **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def line_after(self, label: str) -> str:
        """The printed line that follows the one containing `label`, without its indent."""
        for index, line in enumerate(self.lines[:-1]):
            if label in line:
                return self.lines[index + 1].strip()
        raise AssertionError(f"`make run` printed no {label!r}:\n{self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # make, runserver and its autoreloader child
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return fresh_checkout(tmp_path / "thrad")


@pytest.fixture
def make_run(checkout: Path) -> Iterator[MakeRun]:
    run = MakeRun(checkout, free_port())
    try:
        wait_for_http(f"{run.base}/healthz", timeout=180, proc=run.proc)
        yield run
    except (RuntimeError, TimeoutError) as exc:
        raise AssertionError(f"make run did not serve: {exc}\n{run.output()}") from exc
    finally:
        run.stop()


def documented(checkout: Path, doc: str, pattern: str) -> str:
    """The command as `doc` shows it, without a trailing shell comment."""
    match = re.search(pattern, (checkout / doc).read_text())
    assert match, f"{doc} no longer shows a command matching {pattern!r}"
    return match.group(0).split("  #")[0].strip()


def last_stdout_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout.strip().splitlines()[-1]


def test_make_run_on_a_fresh_clone_then_every_printed_and_documented_command_works(checkout, make_run):
    base, api = make_run.base, requests.Session()

    # .env: written by make run, private, and left alone once it exists.
    env_file = checkout / ".env"
    written = env_file.read_text()
    assert re.search(r"^SECRET_KEY=\S{40,}$", written, re.M) and re.search(r"^DEBUG=true$", written, re.M)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert sh("make -o .venv/.runtime .env", checkout).returncode == 0
    assert env_file.read_text() == written

    # The upload `make run` prints, pasted as printed, with the demo key it printed.
    demo_key = make_run.line_after("API key (shown once")
    curl = make_run.line_after("Upload an image:")
    assert demo_key in curl and f"{base}/v1/upload" in curl
    uploaded = sh(curl, checkout)
    assert uploaded.returncode == 0 and '"file_id"' in uploaded.stdout, uploaded

    # README: issue a key for a new organization.
    create_key = documented(checkout, "README.md", r"\.venv/bin/python manage\.py create_api_key [^\n`]+")
    secret = last_stdout_line(sh(create_key, checkout))
    api.headers["Authorization"] = f"Bearer {secret}"
    assert api.get(f"{base}/v1/ad_account", timeout=10).status_code == 200

    # An ad with an image, through the API.
    with (checkout / "static" / "demo.png").open("rb") as image:
        file_id = api.post(f"{base}/v1/upload", files={"file": image}, timeout=30).json()["file_id"]
    campaign = api.post(
        f"{base}/v1/campaigns",
        json={
            "name": "Spring sale",
            "start_time": int(time.time()),
            "budget": {"lifetime_spend_limit_micros": 50_000_000},
        },
        timeout=10,
    ).json()
    group = api.post(
        f"{base}/v1/ad_groups",
        json={
            "campaign_id": campaign["id"],
            "name": "Runners",
            "context_hints": ["marathon training"],
            "bidding_config": {"max_bid_micros": 5_000_000},
        },
        timeout=10,
    ).json()
    creative = {
        "type": "chat_card",
        "title": "Premium Running Shoes",
        "body": "Built for the long run.",
        "cta_text": "Shop now",
        "target_url": "https://shop.example/shoes",
        "file_id": file_id,
    }
    ad = api.post(f"{base}/v1/ads", json={"ad_group_id": group["id"], "creative": creative}, timeout=10).json()
    image_url = ad["creative"]["image_url"]
    assert image_url.startswith(f"{base}/media/creatives/"), ad  # PUBLIC_BASE_URL follows PORT
    assert requests.get(image_url, timeout=10).headers["Content-Type"] == "image/png"

    # docs/creatives.md: staff approve the campaign; then the advertiser activates it.
    review = documented(checkout, "docs/creatives.md", r"\.venv/bin/python manage\.py review_campaign \S+ --approve")
    placeholder = review.split()[3]
    reviewed = sh(review.replace(placeholder, campaign["id"]), checkout)
    assert reviewed.returncode == 0 and "approved" in reviewed.stdout, reviewed
    assert api.post(f"{base}/v1/campaigns/{campaign['id']}/activate", timeout=10).status_code == 200

    # docs/dsp.md: register the SSP; it bids, renders and the click redirects, all on our port.
    register = documented(checkout, "docs/dsp.md", r"\.venv/bin/python manage\.py create_supply_partner NAME")
    partner_key = last_stdout_line(sh(register.replace("NAME", shlex.quote("Chat SSP")), checkout))
    bid_request = {
        "userId": "u_1",
        "chatId": "chat_1",
        "request_type": "contextual",
        "nAdsBefore": 0,
        "messages": [
            {"role": "user", "content": "Any tips for marathon training?", "timestamp": 1_780_000_000},
            {"role": "assistant", "content": "Build up slowly.", "timestamp": 1_780_000_001},
        ],
        "ad_formats": ["sponsored_message"],
        "production": True,
        "request_id": "r_1",
        "country_code": "US",
        "config": {"max_headline_chars": 60, "image_enabled": True},
    }
    bid = requests.post(
        f"{base}/api/v1/dsp/bid",
        json=bid_request,
        timeout=10,
        headers={"Authorization": f"Bearer {partner_key}", **END_USER},
    )
    assert bid.status_code == 200, bid.text
    render = requests.post(
        f"{base}/api/v1/dsp/render-ad", json={"bidId": bid.json()["data"]["bidId"], "realizedPrice": 4.5}, timeout=10
    )
    assert render.status_code == 200, render.text
    data = render.json()["data"]
    assert data["image_url"] == image_url
    assert data["url"].startswith(f"{base}/api/v1/dsp/redirect/")
    click = requests.get(data["url"], allow_redirects=False, timeout=10)
    assert (click.status_code, click.headers["Location"]) == (302, "https://shop.example/shoes")

    # A second `make run` prints how to get a new demo key, instead of the key: it works too.
    again = sh(".venv/bin/python manage.py demo_setup", checkout)
    assert again.returncode == 0, again.stderr
    rotate = next(line for line in again.stdout.splitlines() if "manage.py create_api_key" in line)
    assert last_stdout_line(sh(rotate.split("  (")[0].strip(), checkout)).startswith("ak_")


def test_a_plain_migrate_is_all_the_embedded_default_needs(checkout):
    """No createcachetable step: after `migrate` the cache-backed DSP endpoints answer, not 500."""
    env = user_env(DEBUG="true")
    migrated = sh(".venv/bin/python manage.py migrate --noinput", checkout, env)
    assert migrated.returncode == 0, migrated.stderr
    probe = (
        "from django.test import Client; c = Client(HTTP_HOST='localhost'); "
        "print(c.post('/api/v1/dsp/render-ad', {'bidId': 'b_unknown', 'realizedPrice': 1}, content_type='application/json').status_code)"
    )
    rendered = sh(f".venv/bin/python manage.py shell --no-imports -c {shlex.quote(probe)}", checkout, env)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.split()[-1] == "404"
    assert "createcachetable" not in (checkout / "Makefile").read_text()


def settings_of(checkout: Path, *names: str, **env: str) -> list[str]:
    code = "from django.conf import settings; " + "; ".join(f"print(settings.{name})" for name in names)
    result = sh(f".venv/bin/python manage.py shell --no-imports -c {shlex.quote(code)}", checkout, user_env(**env))
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PORT": "8811"}, "http://127.0.0.1:8811"),
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8811", "PUBLIC_BASE_URL": "https://ads.example.com/"}, "https://ads.example.com"),
    ],
)
def test_the_default_public_base_url_follows_port_unless_set(checkout, env, expected):
    assert settings_of(checkout, "PUBLIC_BASE_URL", DEBUG="true", **env) == [expected]


def test_dotenv_is_read_and_the_environment_wins_over_it(checkout):
    (checkout / ".env").write_text("# a comment\n\nSECRET_KEY='from-the-dotenv-file'\nexport DEBUG=true\nPORT=8123\n")
    assert settings_of(checkout, "SECRET_KEY", "DEBUG", "PORT") == ["from-the-dotenv-file", "True", "8123"]
    assert settings_of(checkout, "DEBUG", "PORT", DEBUG="false", PORT="9000") == ["False", "9000"]


def test_without_dotenv_or_secret_key_production_refuses_to_start(checkout):
    result = sh(".venv/bin/python manage.py check", checkout)
    assert result.returncode != 0
    assert "SECRET_KEY is required unless DEBUG=true" in result.stderr


def test_a_malformed_dotenv_line_is_refused_with_its_line_number(checkout):
    (checkout / ".env").write_text("DEBUG=true\nnot a setting\n")
    result = sh(".venv/bin/python manage.py check", checkout)
    assert result.returncode != 0 and ".env, line 2: expected NAME=value" in result.stderr
