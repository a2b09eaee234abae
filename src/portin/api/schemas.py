"""Request bodies. Unknown fields are refused, so a typo is an error rather than a no-op.

Two rules hold for every body here, so no route repeats them: no string may hold a NUL
character (PostgreSQL text cannot store one), and every date-time is timezone-aware and is
turned into UTC within the years portin can store and compute with (`StorableDatetime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import date as Date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from portin.domain import portability, sharing, signing_keys
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
    # An opaque id: portin has no requirement groups and copies nothing from one.
    requirement_group_id: str | None = Field(default=None, min_length=1, max_length=255)
    requirements: list[RequirementValue] = Field(default_factory=list, max_length=100)


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
    # portin: one order's deliveries to the channel go out one at a time, in event order.
    ordered: StrictBool | None = None


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


# -- LOA configurations and additional documents -----------------------------------------
# Printed on a letter: leading and trailing blanks dropped, never empty.
LoaText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class LoaAddress(Strict):
    city: LoaText
    country_code: str = Field(pattern=r"^[A-Za-z]{2}$")
    state: LoaText
    street_address: LoaText
    zip_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=32)]
    extended_address: str | None = Text255


class LoaContact(Strict):
    email: str = Field(max_length=254)
    phone_number: str = Field(max_length=32)  # +E.164, checked by the service


class LoaLogo(Strict):
    document_id: str = Field(max_length=64)


class LoaConfigurationBody(Strict):
    """Create and preview. The SDK types `logo` as required; portin also takes a
    configuration without one (omitted or null)."""

    address: LoaAddress
    company_name: LoaText
    contact: LoaContact
    logo: LoaLogo | None = None
    name: LoaText


class LoaConfigurationUpdate(Strict):
    """PATCH: omitted fields keep their value; `logo: null` removes the logo; the other
    fields cannot be cleared."""

    address: LoaAddress | None = None
    company_name: LoaText | None = None
    contact: LoaContact | None = None
    logo: LoaLogo | None = None
    name: LoaText | None = None


class AdditionalDocumentItem(Strict):
    document_id: str = Field(max_length=64)
    document_type: Literal["loa", "invoice", "csr", "other"]


class AdditionalDocumentsCreate(Strict):
    additional_documents: list[AdditionalDocumentItem] = Field(min_length=1, max_length=50)


# -- number ranges ----------------------------------------------------------------------
E164Text = Field(max_length=16)


class PhoneNumberRangeBody(Strict):
    start_at: str = E164Text
    end_at: str = E164Text


class OptionalPhoneNumberRangeBody(Strict):
    """An associated number's range: the SDK makes both ends optional; one end alone is a
    range of one number."""

    start_at: str | None = Field(default=None, max_length=16)
    end_at: str | None = Field(default=None, max_length=16)


class ExtensionRangeBody(Strict):
    start_at: int
    end_at: int


class PhoneNumberBlockCreate(Strict):
    phone_number_range: PhoneNumberRangeBody
    activation_ranges: list[PhoneNumberRangeBody] = Field(max_length=100)


class PhoneNumberExtensionCreate(Strict):
    porting_phone_number_id: str = Field(max_length=64)
    extension_range: ExtensionRangeBody
    activation_ranges: list[ExtensionRangeBody] = Field(max_length=100)


class AssociatedPhoneNumberCreate(Strict):
    action: Literal["keep", "disconnect"]
    phone_number_range: OptionalPhoneNumberRangeBody


class PhoneNumberConfigurationItem(Strict):
    porting_phone_number_id: str = Field(max_length=64)
    user_bundle_id: str = Field(max_length=64)


class PhoneNumberConfigurationsCreate(Strict):
    phone_number_configurations: list[PhoneNumberConfigurationItem] = Field(
        default_factory=list, max_length=1000)


# -- requirements ---------------------------------------------------------------------------
class RequirementValue(Strict):
    """One item of a PATCH's `requirements`: a document id or the text itself."""

    requirement_type_id: str = Field(min_length=1, max_length=36)
    field_value: str = Field(min_length=1, max_length=1000)


class AcceptanceCriteria(Strict):
    """What a requirement type accepts. portin checks the lengths, values and characters of a
    textual value; the limits of time and place guide the desk's review."""

    acceptable_characters: str | None = Field(default=None, min_length=1, max_length=1000)
    acceptable_values: list[Annotated[str, Field(max_length=255)]] | None = Field(
        default=None, max_length=100)
    locality_limit: str | None = Field(default=None, max_length=500)
    max_length: int | None = Field(default=None, ge=1, le=1000)
    min_length: int | None = Field(default=None, ge=0, le=1000)
    time_limit: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _lengths_in_order(self) -> AcceptanceCriteria:
        if (self.min_length is not None and self.max_length is not None
                and self.min_length > self.max_length):
            raise ValueError("min_length must not exceed max_length")
        return self


class RequirementTypeBody(Strict):
    name: str = Field(min_length=1, max_length=255)
    description: str = Field(min_length=1, max_length=2000)
    example: str | None = Field(default=None, max_length=2000)
    type: Literal["document", "textual"]
    acceptance_criteria: AcceptanceCriteria = Field(default_factory=AcceptanceCriteria)


class CountryRequirementsBody(Strict):
    requirement_type_ids: list[Annotated[str, Field(max_length=36)]] = Field(max_length=50)


class RequirementReview(Strict):
    status: Literal["approved", "rejected"]
    reason: str | None = Field(default=None, max_length=500)


class PortingSettingsUpdate(Strict):
    confirm_requires_requirements_met: bool | None = None


OrderUpdate.model_rebuild()


# -- documents ----------------------------------------------------------------------------
class DocumentUpload(Strict):
    """POST /v2/documents as JSON (the SDK's `upload` and `upload_json`)."""

    file: str | None = None  # base64; its size is bounded by the route's body limit
    filename: str | None = Field(default=None, min_length=1, max_length=255)
    customer_reference: str | None = Text255
    url: str | None = Field(default=None, max_length=2048)


class DocumentUpdate(Strict):
    filename: str | None = Field(default=None, min_length=1, max_length=255)
    customer_reference: str | None = Text255


# -- verification codes and action requirements -----------------------------------------
class VerificationCodeSend(Strict):
    """Omit phone_numbers to send to every number of the order still needing a code."""

    phone_numbers: list[str] | None = Field(default=None, max_length=1000)
    verification_method: Literal["sms", "call"] = "sms"


class VerificationCodeEntry(Strict):
    phone_number: str = Field(max_length=16)
    code: str = Field(max_length=16)


class VerificationCodeVerify(Strict):
    verification_codes: list[VerificationCodeEntry] = Field(max_length=1000)


class ActionRequirementParams(Strict):
    first_name: str = Field(min_length=1, max_length=255)
    last_name: str = Field(min_length=1, max_length=255)


class ActionRequirementInitiate(Strict):
    params: ActionRequirementParams


class ActionRequirementStatusChange(Strict):
    """The porting desk's move of an action requirement."""

    status: str = Field(max_length=16)
    cancel_reason: str | None = Field(default=None, max_length=500)


# -- FOC windows and activation ---------------------------------------------------------
class ActivationJobUpdate(Strict):
    activate_at: StorableDatetime | None = None


class ActivationJobOutcome(Strict):
    """The porting desk's outcome of an activation job."""

    status: Literal["completed", "failed"]


class FocLeadTimeBody(Strict):
    lead_business_days: int = Field(ge=0, le=60)
    time_zone: str | None = Field(default=None, max_length=64)


class FocHolidayBody(Strict):
    country_code: str = Field(min_length=2, max_length=2)
    date: Date
    kind: Literal["closed", "open"]
    name: str | None = Field(default=None, max_length=255)


# -- portability and UK carriers --------------------------------------------------------
# A check answers up to MAX_NUMBERS_PER_CHECK numbers; each item is at most 64 characters (an +E.164
# number has 16), so a bad item is refused rather than echoed back at any length.
CheckedNumber = Annotated[str, Field(max_length=64)]


class PortabilityCheckBody(Strict):
    phone_numbers: list[CheckedNumber] = Field(min_length=1,
                                                  max_length=portability.MAX_NUMBERS_PER_CHECK)


class PortabilityRuleBody(Strict):
    # JSON booleans only: a rule is the desk's word, so "yes" or 1 is refused, not guessed.
    portable: StrictBool
    fast_portable: StrictBool
    not_portable_reason: str = Field(default="", max_length=255)


class UkCarrierBody(Strict):
    name: str = Field(max_length=255)
    cupid: str = Field(max_length=3)
    alternative_cupids: list[Annotated[str, Field(max_length=3)]] = Field(
        default_factory=list, max_length=50)


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


# -- webhook signing keys ---------------------------------------------------------------
class SigningKeyRotate(Strict):
    """portin's rotation: at most one of the three; none announces the switch
    PORTIN_SIGNING_KEY_ANNOUNCE_SECONDS ahead."""

    immediately: StrictBool = False
    switch_at: StorableDatetime | None = None
    announce_seconds: int | None = Field(default=None, strict=True,
                                         ge=signing_keys.MIN_NOTICE_SECONDS,
                                         le=signing_keys.MAX_ANNOUNCE_SECONDS)


# -- recovering failed deliveries (portin) ------------------------------------------------
class RecoverBody(Strict):
    """POST /v2/webhook_deliveries/actions/recover: the failed deliveries made in [since,
    until] (at most 31 days), optionally only those to one destination or of one channel."""

    since: StorableDatetime
    until: StorableDatetime
    destination: str | None = Field(default=None, min_length=1, max_length=2048)
    notification_channel_id: str | None = Field(default=None, max_length=64)
