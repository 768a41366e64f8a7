"""The upload tasks as Celery sees them, and the scoped reads other apps use."""

from tests.uploads.upload_helpers import image_bytes, part
from thrad.celery import app
from uploads import selectors, services, tasks


def test_the_fetch_task_is_registered_with_its_time_limits_and_late_acks():
    task = app.tasks["uploads.tasks.fetch_image"]
    assert (task.soft_time_limit, task.time_limit, task.acks_late) == (60, 75, True)
    assert not getattr(task, "autoretry_for", ())  # user errors are results; nothing is retried
    assert task.ignore_result is False  # the view waits for its result


def test_the_cleanup_task_is_registered_with_its_time_limits():
    task = app.tasks["uploads.tasks.stored_image_cleanup"]
    assert (task.soft_time_limit, task.time_limit, task.acks_late) == (50, 60, True)


def test_the_cleanup_runs_well_after_the_fetch_task_can_have_stopped(settings):
    assert settings.UPLOAD_FETCH_CLEANUP_DELAY > tasks.FETCH_TIME_LIMIT
    assert settings.UPLOAD_FETCH_DEADLINE + settings.UPLOAD_FETCH_WAIT_MARGIN < tasks.FETCH_SOFT_TIME_LIMIT


def test_selectors_see_only_the_callers_uploads(owner, outsider):
    mine = services.upload_create_from_file(org=owner.org, api_key=owner.key, part=part(image_bytes("PNG")))
    theirs = services.upload_create_from_file(org=outsider.org, api_key=outsider.key, part=part(image_bytes("PNG")))
    assert selectors.uploaded_file_get(org=owner.org, file_id=mine.file_id) == mine
    assert selectors.uploaded_file_get(org=owner.org, file_id=theirs.file_id) is None
    assert list(selectors.uploaded_file_list(org=owner.org)) == [mine]
