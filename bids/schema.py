"""OpenAPI security schemes for the authentication classes the DSP and insights views use."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "bids.authentication.PartnerAuthentication"
    name = "PartnerBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "SSP key"}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """The advertiser key on /v1 (insights). Harmless if thrad registers its own as well."""

    target_class = "thrad.authentication.ApiKeyAuthentication"
    name = "ApiKeyBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "ak_... API key"}
