"""Request bodies. Unknown fields are refused, so a typo is an error rather than a no-op.

Two rules hold for every body here, so no route repeats them: no string may hold a NUL
character (PostgreSQL text cannot store one), and every date-time is timezone-aware and is
turned into UTC within the years portin can store and compute with (`StorableDatetime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from portin.domain import sharing
from portin.domain.lifecycle import OrderStatus
from portin.domain.reports import ReportType
from portin.domain.sharing import Permission

Text255 = Field(default=None, max_length=255)

# A day of margin at both ends of Python's calendar (years 1 to 9999), so that the rules that
# add or subtract hours (the 48-hour cancel rule, FOC windows) cannot overflow either.
EARLIEST_DATETIME = datetime(1, 1, 2, tzinfo=UTC)
LATEST_DATETIME = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)


def to_storable_utc(value: datetime) -> datetime:
    """The same instant in UTC; ValueError when it falls outside what portin stores."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the date-time is outside the years 0001 to 9999 in UTC") from exc
    if not EARLIEST_DATETIME <= utc <= LATEST_DATETIME:
        raise ValueError(f"the date-time must lie between {EARLIEST_DATETIME.isoformat()} and"
                         f" {LATEST_DATETIME.isoformat()}")
    return utc


StorableDatetime = Annotated[AwareDatetime, AfterValidator(to_storable_utc)]


def _nul_free(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str) and "\x00" in item:
                raise ValueError(f"item {index} must not contain a NUL character")
    return value


class Strict(BaseModel):
    """Every body: unknown fields refused, no NUL in any string (nested models are Strict
    too, so each level checks its own fields and the error points at the field)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _nul_free(value)


class OrderCreate(Strict):
    phone_numbers: list[str] = Field(max_length=1000)
    customer_reference: str | None = Text255
    customer_group_reference: str | None = Text255


class MessagingUpdate(Strict):
    enable_messaging: bool | None = None


class ActivationSettingsUpdate(Strict):
    foc_datetime_requested: StorableDatetime | None = None


class EndUserAdmin(Strict):
    account_number: str | None = Text255
    auth_person_name: str | None = Text255
    billing_phone_number: str | None = Text255
    business_identifier: str | None = Text255
    entity_name: str | None = Text255
    pin_passcode: str | None = Text255
    tax_identifier: str | None = Text255


class EndUserLocation(Strict):
    administrative_area: str | None = Text255
    country_code: str | None = Field(default=None, min_length=2, max_length=2)
    extended_address: str | None = Text255
    locality: str | None = Text255
    postal_code: str | None = Text255
    street_address: str | None = Text255


class EndUser(Strict):
    admin: EndUserAdmin | None = None
    location: EndUserLocation | None = None


class Documents(Strict):
    loa: str | None = Text255
    invoice: str | None = Text255


class Misc(Strict):
    type: Literal["full", "partial"] | None = None
    remaining_numbers_action: Literal["keep", "disconnect"] | None = None
    new_billing_phone_number: str | None = Text255


class PhoneNumberConfiguration(Strict):
    billing_group_id: str | None = Text255
    connection_id: str | None = Text255
    emergency_address_id: str | None = Text255
    messaging_profile_id: str | None = Text255
    tags: list[str] | None = None


class UserFeedback(Strict):
    user_comment: str | None = Field(default=None, max_length=5000)
    user_rating: int | None = Field(default=None, ge=1, le=5)


class OrderUpdate(Strict):
    """PATCH: omitted fields keep their value; an explicit null clears one."""

    webhook_url: str | None = Field(default=None, max_length=2048)
    customer_reference: str | None = Text255
    customer_group_reference: str | None = Text255
    messaging: MessagingUpdate | None = None
    activation_settings: ActivationSettingsUpdate | None = None
    end_user: EndUser | None = None
    documents: Documents | None = None
    misc: Misc | None = None
    phone_number_configuration: PhoneNumberConfiguration | None = None
    user_feedback: UserFeedback | None = None


class CommentCreate(Strict):
    body: str = Field(min_length=1, max_length=5000)


class ExceptionDetail(Strict):
    code: str = Field(max_length=64)
    description: str | None = Field(default=None, max_length=500)


class StatusChange(Strict):
    value: str = Field(max_length=32)
    details: list[ExceptionDetail] = Field(default_factory=list, max_length=50)
    foc_datetime: StorableDatetime | None = None


class SplitRequest(Strict):
    phone_numbers: list[str] = Field(max_length=1000)


class MessagingChange(Strict):
    messaging_port_status: str = Field(max_length=32)


class ProfileBody(Strict):
    name: str | None = Field(default=None, max_length=255)


class ChannelBody(Strict):
    channel_type_id: str | None = Field(default=None, max_length=16)
    channel_destination: str | None = Field(default=None, max_length=2048)
    notification_profile_id: str | None = Field(default=None, max_length=64)


class SettingParameter(Strict):
    name: str | None = Field(default=None, max_length=255)
    value: str | None = Field(default=None, max_length=1024)


class SettingBody(Strict):
    notification_event_condition_id: str | None = Field(default=None, max_length=64)
    notification_profile_id: str | None = Field(default=None, max_length=64)
    notification_channel_id: str | None = Field(default=None, max_length=64)
    parameters: list[SettingParameter] = Field(default_factory=list, max_length=20)


class RepublishBody(Strict):
    """Beyond the public API: narrow a republish to one channel or to the order's webhook_url."""

    notification_channel_id: str | None = Field(default=None, max_length=64)
    webhook_url_only: bool = False


# -- sharing ----------------------------------------------------------------------------
class ShareCreate(Strict):
    """POST /v2/porting_orders/{id}/actions/share: one permission per token."""

    expires_in_seconds: Annotated[int, Field(strict=True)] = Field(
        default=sharing.DEFAULT_EXPIRES_IN_SECONDS, ge=sharing.MIN_EXPIRES_IN_SECONDS,
        le=sharing.MAX_EXPIRES_IN_SECONDS)
    permissions: Permission = sharing.DEFAULT_PERMISSION


# -- reports ----------------------------------------------------------------------------
class ReportFiltersBody(Strict):
    created_at__gt: StorableDatetime | None = None
    created_at__lt: StorableDatetime | None = None
    customer_reference__in: list[Annotated[str, Field(max_length=255)]] | None = Field(
        default=None, max_length=100)
    status__in: list[OrderStatus] | None = Field(default=None, max_length=len(OrderStatus))


class ReportParamsBody(Strict):
    filters: ReportFiltersBody


class ReportCreate(Strict):
    report_type: ReportType
    params: ReportParamsBody
