"""Staff create supply partners in the admin; the key is shown once, in the confirmation."""

import re

import pytest
from django.contrib.auth import get_user_model

from bids.models import SupplyPartner
from bids.selectors import partner_authenticate

KEY = re.compile(r"sp_[0-9a-f]{12}_[0-9A-Za-z]{40}")


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-123456789")
    client.force_login(user)
    return client


def keys_on(response) -> list[str]:
    return KEY.findall(response.content.decode())


def add_partner(staff_client) -> str:
    response = staff_client.post("/admin/bids/supplypartner/add/", {"name": "SSP One", "is_active": "on"}, follow=True)
    [key] = keys_on(response)
    return key


def test_adding_a_partner_shows_its_key_once(staff_client):
    key = add_partner(staff_client)
    partner = SupplyPartner.objects.get(name="SSP One")
    assert partner_authenticate(secret=key) == partner
    assert keys_on(staff_client.get(f"/admin/bids/supplypartner/{partner.pk}/change/")) == []
    assert keys_on(staff_client.get("/admin/bids/supplypartner/")) == []


def test_rotating_a_key_stops_the_old_one(staff_client):
    old = add_partner(staff_client)
    partner = SupplyPartner.objects.get()
    data = {"action": "rotate_key", "_selected_action": [partner.pk]}
    [new] = keys_on(staff_client.post("/admin/bids/supplypartner/", data, follow=True))
    assert partner_authenticate(secret=new) == partner
    assert partner_authenticate(secret=old) is None
