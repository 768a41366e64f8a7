import io
import re

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


EXTERNAL_HOSTS = (
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "cdn.redoc.ly",
    "cdn.jsdelivr.net",
    "unpkg.com",
)
# Attributes and CSS that make a browser load something, with the address they load.
_LOADS = re.compile(
    r"""<(?:script|img|iframe|source|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']|url\(\s*["']?([^"')]+)"""
)


def _loaded_addresses(html: str) -> list[str]:
    return [first or second for first, second in _LOADS.findall(html)]


@pytest.mark.django_db
def test_redoc_page_and_its_script_reference_nothing_outside_this_server(client):
    page = client.get("/api/redoc")
    assert page.status_code == 200
    html = page.content.decode()
    addresses = _loaded_addresses(html)
    assert addresses, html  # at least the bundle
    for address in addresses:
        assert address.startswith(("/", "data:")) and not address.startswith("//"), address
    assert not any(host in html for host in EXTERNAL_HOSTS), html
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy and "font-src 'self' data:" in policy
    scripts = [a for a in addresses if a.endswith(".js")]
    assert scripts
    for address in scripts:
        script = client.get(address)
        assert script.status_code == 200 and script["Content-Type"].startswith("text/javascript")
        code = b"".join(script.streaming_content) if script.streaming else script.content
        text = code.decode()
        assert "Redoc" in text and len(text) > 100_000  # the real bundle
        assert not any(host in text for host in EXTERNAL_HOSTS)
        assert not re.search(
            r"""\bsrc:\s*["']https?://""", text
        )  # no element loads an absolute URL (links may point out)
        assert not re.search(r"//# sourceMappingURL=\S+\s*$", text)  # no map to fetch (it is not served)
