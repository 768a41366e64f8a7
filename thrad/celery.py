"""The Celery app. Settings come from Django settings prefixed CELERY_."""

import os

from celery import Celery

from thrad import broker, workers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thrad.settings")
broker.install()  # a worker must survive a Redis broker restart (see thrad/broker.py)

app = Celery("thrad")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.steps["consumer"].add(workers.ConsumerHeartbeat)  # the web can tell whether a worker consumes
app.autodiscover_tasks()
