"""OpenAPI security scheme of the supply partner key (the /v1 key's lives in thrad/schema.py)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "bids.authentication.PartnerAuthentication"
    name = "PartnerBearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The supply partner (SSP) key: `Bearer sp_...`.",
        }
