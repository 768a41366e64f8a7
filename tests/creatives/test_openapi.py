"""The OpenAPI schema documents every creatives endpoint, its bodies and its error statuses."""

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_renders_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/v1/campaigns", "post", {"201", "400", "401", "403", "404", "429", "500", "503"}),
        ("/v1/campaigns", "get", {"200", "400", "401", "403", "429", "500", "503"}),
        ("/v1/campaigns/{campaign_id}", "post", {"200", "400", "401", "403", "404", "429", "500", "503"}),
        (
            "/v1/campaigns/{campaign_id}/activate",
            "post",
            {"200", "400", "401", "403", "404", "429", "500", "503"},
        ),
        ("/v1/ad_groups", "get", {"200", "400", "401", "403", "404", "429", "500", "503"}),
        ("/v1/ads", "post", {"201", "400", "401", "403", "404", "429", "500", "503"}),
        ("/v1/ads/{ad_id}/archive", "post", {"200", "401", "403", "404", "429", "500", "503"}),
    ],
)
def test_each_operation_documents_its_statuses(schema, path, method, statuses):
    assert set(schema["paths"][path][method]["responses"]) == statuses


def test_creates_document_the_idempotency_key_and_their_error_codes(schema):
    for path in ("/v1/campaigns", "/v1/ad_groups", "/v1/ads"):
        operation = schema["paths"][path]["post"]
        assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])]
        assert "idempotency_key_reused" in operation["responses"]["400"]["description"]
        assert "requestBody" in operation
    activate = schema["paths"]["/v1/campaigns/{campaign_id}/activate"]["post"]
    assert "campaign_not_approved" in activate["responses"]["400"]["description"]
