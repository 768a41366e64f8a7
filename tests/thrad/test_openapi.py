import io

import pytest
from django.core.management import call_command


def test_the_schema_generates_without_warnings_and_validates():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()


@pytest.mark.django_db
def test_the_docs_pages_are_served_without_a_cdn(client):
    schema = client.get("/api/schema")
    assert schema.status_code == 200
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


def test_every_v1_operation_lists_500_internal_error_with_the_v1_error_body():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
    ]
    assert len(operations) >= 25
    for path, method, operation in operations:
        internal = operation["responses"].get("500")
        assert internal is not None, f"{method.upper()} {path} does not list 500"
        assert internal["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/V1Error"}
        assert "internal_error" in internal["description"]
