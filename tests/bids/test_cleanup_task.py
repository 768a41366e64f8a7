"""The periodic clean-up removes bids past their retention period and expired click tokens."""

from datetime import timedelta

from django.utils import timezone

from bids import tasks
from bids.models import Bid, ClickToken
from tests import factories
from tests.bids.conftest import bid, render
from thrad.celery import app


def test_expired_bids_are_deleted_after_the_retention_period(ssp, settings, time_machine):
    factories.servable_ad()
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    old = bid(ssp).json()["data"]["bidId"]
    time_machine.move_to(start + timedelta(days=settings.DSP_BID_RETENTION_DAYS, minutes=2), tick=False)
    fresh = bid(ssp).json()["data"]["bidId"]
    assert tasks.bids_expired_delete.apply().get() == 1
    assert list(Bid.objects.values_list("pk", flat=True)) == [fresh]
    assert old != fresh


def test_click_tokens_are_deleted_once_expired_and_not_before(ssp, settings, time_machine):
    factories.servable_ad()
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    render(ssp, bid(ssp).json()["data"]["bidId"], 7.5)
    time_machine.move_to(start + timedelta(days=settings.CLICK_TOKEN_TTL_DAYS - 1), tick=False)
    tasks.bids_expired_delete.apply().get()
    assert ClickToken.objects.count() == 1
    time_machine.move_to(start + timedelta(days=settings.CLICK_TOKEN_TTL_DAYS, minutes=1), tick=False)
    tasks.bids_expired_delete.apply().get()
    assert not ClickToken.objects.exists()
    assert tasks.bids_expired_delete.apply().get() == 0  # idempotent


def test_the_clean_up_is_registered_as_a_periodic_task():
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "bids.bids_expired_delete"]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= 24 * 3600
