"""GET /v1/ad_account."""

from thrad.models import Organization


def test_the_ad_account_is_the_organization(owner):
    response = owner.client().get("/v1/ad_account")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(owner.org.public_id),
        "name": "Acme",
        "url": "https://acme.example",
        "timezone": "UTC",
        "currency_code": "USD",
    }
    assert response["X-RateLimit-Limit"] == "1000"


def test_an_organization_without_a_domain_has_no_url(owner):
    Organization.objects.filter(pk=owner.org.pk).update(domain="")
    assert owner.client().get("/v1/ad_account").json()["url"] is None


def test_it_needs_a_valid_key(anon_client):
    assert anon_client.get("/v1/ad_account").json()["error"]["code"] == "auth_required"
    anon_client.credentials(HTTP_AUTHORIZATION="Bearer ak_nope")
    assert anon_client.get("/v1/ad_account").json()["error"]["code"] == "invalid_api_key"


def test_a_suspended_organization_is_refused(owner):
    Organization.objects.filter(pk=owner.org.pk).update(is_suspended=True)
    for path in ("/v1/ad_account", "/v1/campaigns"):
        response = owner.client().get(path)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "account_suspended"
