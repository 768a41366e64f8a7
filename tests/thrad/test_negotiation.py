"""Content negotiation (thrad/negotiation.py): a JSON-only endpoint answers JSON whatever Accept
says; a request that names a format, and the schema's several formats, negotiate as DRF does."""

import pytest
import yaml


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/png;q=1, */*;q=0"])
def test_a_json_endpoint_answers_json_whatever_accept_says(owner, accept):
    response = owner.client().get("/v1/ad_account", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["id"]


def test_a_named_format_is_still_negotiated(owner):
    client = owner.client()
    assert client.get("/v1/ad_account?format=json").status_code == 200
    assert client.get("/v1/ad_account?format=xml").status_code == 404  # DRF: no renderer for it


def test_the_schema_still_comes_in_either_format(client):
    as_json = client.get("/api/schema?format=json")
    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert as_json.json()["openapi"].startswith("3.")
    as_yaml = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(as_yaml.content)["openapi"].startswith("3.")
