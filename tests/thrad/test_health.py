import threading
import time

import pytest


def test_healthz_answers_without_touching_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)  # the checks run in their own threads and connections
def test_readyz_checks_every_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "worker": "ok",
        "storage": "ok",
    }


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_naming_the_failed_dependency(client, monkeypatch):
    from thrad import health

    def broken() -> None:
        raise ConnectionError("cache down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


@pytest.mark.django_db(transaction=True)
def test_readyz_answers_within_its_deadline_when_a_check_hangs(client, monkeypatch, settings):
    from thrad import health

    settings.READYZ_TIMEOUT = 0.5
    release = threading.Event()
    monkeypatch.setitem(health.CHECKS, "storage", lambda: release.wait(10))
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    release.set()
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "timeout"
    assert response.json()["failed"] == ["storage"]
    assert elapsed < 1.0


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_and_no_worker_readyz_says_no_celery_worker_consuming(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    settings.CELERY_TASK_DEFAULT_QUEUE = "nobody-consumes-this"
    body = client.get("/readyz").json()
    assert body["checks"]["worker"] == "no Celery worker consuming"
    assert "worker" in body["failed"]
