from django.conf import settings

from thrad.celery import app


def test_the_celery_app_really_uses_the_django_settings():
    conf = app.conf
    assert conf.task_always_eager is (not settings.CELERY_BROKER_URL)
    assert conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert conf.task_time_limit == 120
    assert conf.task_soft_time_limit == 100
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"]
    if settings.CELERY_BROKER_URL:
        assert conf.broker_url == settings.CELERY_BROKER_URL


def test_every_periodic_task_names_a_registered_task():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
