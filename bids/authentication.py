"""Supply partner authentication for `bid`: `Authorization: Bearer sp_...`."""

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from bids.index import ServingIndex, held_index, serving_index
from bids.models import SupplyPartner
from bids.selectors import partner_authenticate
from thrad.authentication import MAX_HEADER_LENGTH, bearer_token
from thrad.errors import DspError


class PartnerAuthentication(BaseAuthentication):
    """Unknown, malformed and disabled keys are one uniform 401."""

    def authenticate(self, request: Request) -> tuple[SupplyPartner, ServingIndex]:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            raise DspError.PARTNER_KEY_REQUIRED()
        secret = bearer_token(header)
        if not secret or len(secret) > MAX_HEADER_LENGTH:
            raise DspError.INVALID_PARTNER_KEY()
        # The index this process holds, unchecked: bid_place confirms its version in the round
        # trip that caches the bid. A refusal is decided on the current index only.
        index = held_index() or serving_index()
        partner = partner_authenticate(secret=secret, index=index)
        if partner is None and index is not (index := serving_index()):
            partner = partner_authenticate(secret=secret, index=index)
        if partner is None:
            raise DspError.INVALID_PARTNER_KEY()
        return partner, index  # request.auth: the index snapshot that vouched for the key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="thrad-dsp"'
