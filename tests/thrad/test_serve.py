"""`make serve` (thrad/serve.py): gunicorn from gunicorn.conf.py on loopback, and a Celery worker
with beat only when a broker is configured."""

from thrad.serve import commands


def test_without_a_broker_make_serve_runs_gunicorn_alone_on_loopback():
    found = commands({"PORT": "8123"})
    assert list(found) == ["web"]
    web = found["web"]
    assert web[1:3] == ["thrad.wsgi:application", "-c"] and web[3].endswith("gunicorn.conf.py")
    assert web[-2:] == ["-b", "127.0.0.1:8123"]


def test_with_a_broker_make_serve_adds_one_worker_with_beat():
    found = commands({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/2"})
    assert list(found) == ["web", "worker"]
    assert ["-A", "thrad", "worker", "-B"] == found["worker"][1:5]
    assert "--without-mingle" in found["worker"] and "--without-gossip" in found["worker"]
