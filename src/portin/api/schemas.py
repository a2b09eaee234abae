"""Request bodies. Unknown fields are refused, so a typo is an error rather than a no-op."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Text255 = Field(default=None, max_length=255)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderCreate(Strict):
    phone_numbers: list[str] = Field(max_length=1000)
    customer_reference: str | None = Text255
    customer_group_reference: str | None = Text255


class MessagingUpdate(Strict):
    enable_messaging: bool | None = None


class ActivationSettingsUpdate(Strict):
    foc_datetime_requested: AwareDatetime | None = None


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
    foc_datetime: AwareDatetime | None = None


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
