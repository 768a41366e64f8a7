"""Settings → Security: the Files API IP allowlist, one CIDR per line, validated per line and audited."""

import pytest

from thrad.errors import V1Error
from thrad.models import AuditLog, Organization
from thrad.services import organization_ip_allowlist_set

URL = "/dashboard/settings/security"


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


def test_the_page_shows_the_allowlist_one_network_per_line(owner_client, owner):
    Organization.objects.filter(pk=owner.org.pk).update(ip_allowlist=["10.0.0.0/8", "2001:db8::/32"])
    html = owner_client.get(URL).content.decode()
    assert ">\n10.0.0.0/8\n2001:db8::/32</textarea>" in html
    assert "Your address as seen now is <code>127.0.0.1</code>" in html


def test_saving_stores_canonical_networks_and_records_who_did_it(owner_client, owner):
    text = "10.1.2.3/8\n\n  192.0.2.7  \n2001:DB8::/32\n10.0.0.0/8\n"
    response = owner_client.post(URL, {"ip_allowlist": text}, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302 and response["Location"] == URL
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]
    entry = AuditLog.objects.get(action="organization.ip_allowlist")
    assert (entry.organization, entry.actor, entry.ip_address) == (owner.org, owner.user, "192.0.2.7")
    assert entry.target == "10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32"
    assert b"IP allowlist saved." in owner_client.get(URL).content


def test_each_bad_line_gets_its_own_error_and_nothing_is_saved(owner_client, owner):
    text = "10.0.0.0/8\nnot-an-ip\n192.0.2.0/33\n\n300.1.1.1\n"
    response = owner_client.post(URL, {"ip_allowlist": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2: “not-an-ip” is not an IP address or network" in html
    assert "Line 3: “192.0.2.0/33”" in html
    assert "Line 5: “300.1.1.1”" in html
    assert "Line 1" not in html
    assert 'aria-invalid="true"' in html
    assert ">\n10.0.0.0/8\nnot-an-ip\n192.0.2.0/33\n\n300.1.1.1\n</textarea>" in html  # input kept to fix
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []
    assert not AuditLog.objects.filter(action="organization.ip_allowlist").exists()


def test_too_many_networks_are_refused(owner_client, owner):
    text = "\n".join(f"10.0.{i // 256}.{i % 256}" for i in range(101))
    response = owner_client.post(URL, {"ip_allowlist": text})
    assert response.status_code == 400
    assert b"At most 100 networks; there are 101." in response.content
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []


def test_an_empty_list_clears_the_allowlist(owner_client, owner):
    Organization.objects.filter(pk=owner.org.pk).update(ip_allowlist=["10.0.0.0/8"])
    owner_client.post(URL, {"ip_allowlist": "  \n"})
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []
    assert AuditLog.objects.get(action="organization.ip_allowlist").target == "cleared (any address)"


def test_saving_the_same_list_again_records_nothing(owner_client, owner):
    owner_client.post(URL, {"ip_allowlist": "127.0.0.0/8"})
    response = owner_client.post(URL, {"ip_allowlist": "127.0.0.0/8\n"}, follow=True)
    assert b"No changes to save." in response.content
    assert AuditLog.objects.filter(action="organization.ip_allowlist").count() == 1


def test_a_list_that_leaves_out_your_own_address_waits_for_your_confirmation(owner_client, owner):
    response = owner_client.post(URL, {"ip_allowlist": "10.0.0.0/8\n2001:db8::/32"}, REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your own address <code>198.51.100.4</code> is not in this list." in html
    assert "Files API calls from <code>198.51.100.4</code> are refused with <code>403 ip_not_allowed</code>" in html
    assert 'type="checkbox" name="confirm_lockout"' in html
    assert ">\n10.0.0.0/8\n2001:db8::/32</textarea>" in html  # the list is kept for the second try
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []
    assert not AuditLog.objects.filter(action="organization.ip_allowlist").exists()


def test_confirming_saves_the_list_and_says_your_calls_are_now_refused(owner_client, owner):
    data = {"ip_allowlist": "10.0.0.0/8", "confirm_lockout": "on"}
    response = owner_client.post(URL, data, REMOTE_ADDR="198.51.100.4", follow=True)
    assert "Files API calls from your address 198.51.100.4 are now refused." in response.content.decode()
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == ["10.0.0.0/8"]
    assert AuditLog.objects.filter(action="organization.ip_allowlist").count() == 1
    refused = owner.client().get("/api/v1/files", REMOTE_ADDR="198.51.100.4")  # as the warning said
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "ip_not_allowed")


@pytest.mark.parametrize(
    ("text", "address"),
    [("198.51.100.0/24", "198.51.100.4"), ("10.0.0.0/8\n::1/128", "::1"), ("", "198.51.100.4")],
)
def test_a_list_that_lets_your_address_in_saves_without_asking(owner_client, owner, text, address):
    Organization.objects.filter(pk=owner.org.pk).update(ip_allowlist=["192.0.2.0/24"])
    response = owner_client.post(URL, {"ip_allowlist": text}, REMOTE_ADDR=address)
    assert response.status_code == 302
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == [line for line in text.splitlines() if line]


def test_the_page_warns_while_the_saved_list_leaves_out_your_address(owner_client, owner):
    Organization.objects.filter(pk=owner.org.pk).update(ip_allowlist=["10.0.0.0/8"])
    html = owner_client.get(URL).content.decode()
    assert "Your address <code>127.0.0.1</code> is outside the saved list: Files API calls from it are refused." in html
    Organization.objects.filter(pk=owner.org.pk).update(ip_allowlist=["127.0.0.0/8"])
    assert "outside the saved list" not in owner_client.get(URL).content.decode()


def test_the_service_refuses_bad_networks_whoever_calls_it(owner):
    with pytest.raises(V1Error.INVALID_IP_ALLOWLIST.exc) as caught:
        organization_ip_allowlist_set(org=owner.org, cidrs=["10.0.0.0/8", "bogus"])
    assert caught.value.code == "invalid_ip_allowlist"
    assert "'bogus'" in caught.value.message
    owner.org.refresh_from_db()
    assert owner.org.ip_allowlist == []
