"""The Celery app. Settings come from Django settings prefixed CELERY_."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thrad.settings")

app = Celery("thrad")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
