"""Errors of the DSP endpoints and of insights, each naming its contract condition."""

from thrad.errors import ApplicationError, NotFoundError


class PartnerKeyRequiredError(ApplicationError):
    status_code = 401
    default_code = "auth_required"
    default_type = "authentication_error"
    default_message = "Send the supply partner key as 'Authorization: Bearer <key>'."


class InvalidPartnerKeyError(ApplicationError):
    status_code = 401
    default_code = "invalid_partner_key"
    default_type = "authentication_error"
    default_message = "The supply partner key is invalid or disabled."


class InvalidDspRequestError(ApplicationError):
    """A bid or render body (or a required header) breaks a rule; the message says which."""

    default_message = "The request is invalid."


class BidNotFoundError(NotFoundError):
    default_message = "Unknown or expired bid id."


class RealizedPriceAboveBidError(ApplicationError):
    default_message = "realizedPrice is above the bid."


class ClickNotFoundError(NotFoundError):
    default_message = "Unknown or expired click link."


class InvalidTimeRangeError(ApplicationError):
    default_code = "invalid_time_range"
    default_message = "since must be before until."


class RangeTooWideError(ApplicationError):
    default_code = "range_too_wide"
    default_message = "The time range may span at most 366 days."


class HourlyRangeTooWideError(ApplicationError):
    default_code = "hourly_range_too_wide"
    default_message = "With time_granularity=hourly the time range may span at most 25 hours."


class UnknownFieldError(ApplicationError):
    default_code = "unknown_field"
    default_message = "Unknown field; use impressions, clicks, spend, ctr, cpm or cpc."
