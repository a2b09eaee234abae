"""What /v2 answers, as pydantic models: the OpenAPI document's response schemas, and the shapes
`resources` builds. Names, field types and enums follow the telnyx SDK's own types; fields are
listed in the order they are sent, and a field that can be null is sent as null, never left out.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from portin.domain.events import EventType
from portin.domain.lifecycle import OrderStatus
from portin.domain.reports import ReportStatus, ReportType
from portin.domain.sharing import Permission

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
# The domain's own enums, so a status or event type added there is one the answers may carry.
OrderStatusValue = OrderStatus
ActivationStatus = Literal["New", "Pending", "Conflict", "Cancel Pending", "Failed", "Concurred",
                           "Activate RDY", "Disconnect Pending", "Concurrence Sent", "Old",
                           "Sending", "Active", "Cancelled"]
PhoneNumberType = Literal["landline", "local", "localcommercial", "mobile", "multipurpose",
                          "national", "other", "shared_cost", "toll_free"]
MessagingPortStatus = Literal["not_applicable", "pending", "activating", "exception", "canceled",
                              "partial_port_complete", "ported"]
EventTypeValue = EventType
RequirementStatusValue = Literal["requirement-info-pending", "requirement-info-under-review",
                                 "requirement-info-exception", "approved"]
FreeForm = Annotated[dict[str, Any], Field(description="A free-form JSON object.")]


class Wire(BaseModel):
    """Every field is always sent; nothing else is."""

    model_config = ConfigDict(extra="forbid")


class Stored(BaseModel):
    """An object kept as JSON on the order: the keys it has are the keys sent."""

    model_config = ConfigDict(extra="forbid")


# -- porting orders ---------------------------------------------------------------------
class PortingOrderStatusDetail(Wire):
    code: str
    description: str


class PortingOrderStatus(Wire):
    value: OrderStatusValue
    details: list[PortingOrderStatusDetail]


class PortingPhoneNumber(Wire):
    id: str
    phone_number: str
    porting_order_id: str
    porting_order_status: OrderStatusValue
    support_key: str | None
    activation_status: ActivationStatus | None
    phone_number_type: PhoneNumberType | None
    portability_status: Literal["pending", "confirmed", "provisional"] | None
    requirements_status: RequirementStatusValue | None
    country_code: str | None
    record_type: Literal["porting_phone_number"]


class PortingOrderMessaging(Wire):
    enable_messaging: bool
    messaging_capable: bool
    messaging_port_completed: bool
    messaging_port_status: MessagingPortStatus


class PortingOrderActivationSettings(Wire):
    activation_status: ActivationStatus | None
    fast_port_eligible: bool
    foc_datetime_requested: Timestamp | None
    foc_datetime_actual: Timestamp | None


class PortingOrderEndUserAdmin(Stored):
    account_number: str | None = None
    auth_person_name: str | None = None
    billing_phone_number: str | None = None
    business_identifier: str | None = None
    entity_name: str | None = None
    pin_passcode: str | None = None
    tax_identifier: str | None = None


class PortingOrderEndUserLocation(Stored):
    administrative_area: str | None = None
    country_code: str | None = None
    extended_address: str | None = None
    locality: str | None = None
    postal_code: str | None = None
    street_address: str | None = None


class PortingOrderEndUser(Stored):
    admin: PortingOrderEndUserAdmin | None = None
    location: PortingOrderEndUserLocation | None = None


class PortingOrderDocuments(Stored):
    loa: str | None = None
    invoice: str | None = None


class PortingOrderMisc(Stored):
    """Only the keys the user has set are sent (misc starts as null)."""

    type: Literal["full", "partial"] | None = None
    remaining_numbers_action: Literal["keep", "disconnect"] | None = None
    new_billing_phone_number: str | None = None


class PortingOrderPhoneNumberConfiguration(Stored):
    billing_group_id: str | None = None
    connection_id: str | None = None
    emergency_address_id: str | None = None
    messaging_profile_id: str | None = None
    tags: list[str] | None = None


class PortingOrderUserFeedback(Stored):
    user_comment: str | None = None
    user_rating: int | None = None


class PortingOrderRequirement(Wire):
    """A document requirement on the order (the public API types this list as documents only;
    textual requirements are listed by GET /v2/porting_orders/{id}/requirements)."""

    field_type: Literal["document"]
    field_value: str | None
    record_type: Literal["porting_requirement"]
    requirement_status: RequirementStatusValue
    requirement_type_id: str


class PortingOrder(Wire):
    id: str
    record_type: Literal["porting_order"]
    status: PortingOrderStatus
    customer_reference: str | None
    customer_group_reference: str | None
    description: str | None
    support_key: str | None
    parent_support_key: str | None
    webhook_url: str | None
    old_service_provider_ocn: str | None
    user_id: str | None
    organization_id: str
    phone_number_type: PhoneNumberType | None
    phone_numbers: list[PortingPhoneNumber] | None = Field(
        description="The first 50 numbers; null when include_phone_numbers=false.")
    porting_phone_numbers_count: int
    messaging: PortingOrderMessaging
    activation_settings: PortingOrderActivationSettings
    end_user: PortingOrderEndUser
    documents: PortingOrderDocuments
    misc: PortingOrderMisc | None
    phone_number_configuration: PortingOrderPhoneNumberConfiguration
    requirements: list[PortingOrderRequirement]
    requirements_met: bool
    additional_steps: list[Literal["associated_phone_numbers", "phone_number_verification_codes"]]
    user_feedback: PortingOrderUserFeedback
    created_at: Timestamp
    updated_at: Timestamp

    # Stored objects send the keys they have; the schema stays the model's.
    @field_serializer("end_user", "documents", "misc", "phone_number_configuration",
                      "user_feedback", mode="plain")
    def _present_keys(self, value: Stored | None):  # type: ignore[no-untyped-def]
        # No return annotation on purpose: pydantic would document that type instead.
        return None if value is None else value.model_dump(mode="json", exclude_unset=True)


class PortingComment(Wire):
    id: str
    body: str
    porting_order_id: str
    user_type: Literal["admin", "user", "system"]
    user_id: str | None
    created_at: Timestamp
    record_type: Literal["porting_comment"]


class PortingOrdersExceptionType(Wire):
    code: str
    description: str


# -- events -----------------------------------------------------------------------------
class PortingEvent(Wire):
    id: str
    event_type: EventTypeValue
    payload: FreeForm | None = Field(description="The event's payload, as it was recorded.")
    payload_status: Literal["created", "completed"]
    porting_order_id: str | None
    available_notification_methods: list[Literal["email", "webhook", "webhook_v1"]]
    occurred_at: Timestamp
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["porting_event"]
    sequence: int = Field(description="portin: the event's place in its order's history: 1, 2,"
                                      " 3 ... with no gaps.")


# -- notifications ----------------------------------------------------------------------
class NotificationProfile(Wire):
    id: str
    name: str | None
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["notification_profile"]


class NotificationChannel(Wire):
    id: str
    channel_type_id: Literal["sms", "voice", "email", "webhook"]
    channel_destination: str
    notification_profile_id: str
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["notification_channel"]
    ordered: bool = Field(description="portin: one order's deliveries to this channel go out"
                          " one at a time, in the order of their events.")


class NotificationSettingParameter(Wire):
    name: str | None
    value: str | None


class NotificationSetting(Wire):
    id: str
    notification_event_condition_id: str
    notification_profile_id: str
    notification_channel_id: str
    associated_record_type: str | None
    associated_record_type_value: str | None
    parameters: list[NotificationSettingParameter]
    status: Literal["enabled", "enable-received", "enable-pending", "enable-submtited",
                    "delete-received", "delete-pending", "delete-submitted", "deleted"]
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["notification_setting"]
    paused: bool = Field(description="portin: a paused setting sends nothing for new events"
                         " (actions/pause, actions/resume); its status is unchanged.")


class NotificationEvent(Wire):
    id: str
    name: str
    enabled: bool
    notification_category: str
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["notification_event"]


class NotificationEventCondition(Wire):
    id: str
    name: str
    description: str
    enabled: bool
    notification_event_id: str
    associated_record_type: Literal["account", "phone_number"]
    asynchronous: bool
    allow_multiple_channels: bool
    supported_channels: list[str]
    parameters: list[FreeForm]
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["notification_event_condition"]


# -- deliveries -------------------------------------------------------------------------
class DeliveryAttempt(Wire):
    attempt: int
    status: Literal["delivered", "failed"]
    started_at: Timestamp
    finished_at: Timestamp
    duration_ms: int
    errors: list[int] = Field(description="The HTTP status or SMTP code of a failure.")
    error: str | None
    http: FreeForm | None = Field(
        description="Webhooks: {request: {url, headers}, response: {status, headers, body}}.")
    email: FreeForm | None = Field(description="Emails: {to, subject, smtp_code, smtp_message}.")
    sent_by: str


class WebhookDeliveryWebhook(Wire):
    id: str
    event_type: EventTypeValue
    occurred_at: Timestamp
    payload: FreeForm | None
    record_type: Literal["event"]


class WebhookDelivery(Wire):
    id: str
    record_type: Literal["webhook_delivery"]
    user_id: str
    status: Literal["delivered", "failed", "pending", "paused"]
    method: Literal["webhook", "email"]
    destination: str
    notification_channel_id: str | None
    event_id: str
    porting_order_id: str | None
    republished: bool
    attempt_count: int
    next_attempt_at: Timestamp | None
    last_error: str | None
    started_at: Timestamp | None
    finished_at: Timestamp | None
    created_at: Timestamp
    webhook: WebhookDeliveryWebhook | None
    attempts: list[DeliveryAttempt]
    recovered_by: str | None = Field(description="portin: a failed delivery sent again by a"
                                     " recover: the id of the delivery that replaced it.")


# -- account ----------------------------------------------------------------------------
class PublicKey(Wire):
    public_key: str = Field(description="The key signing webhooks now (base64 Ed25519).")
    record_type: Literal["public_key"]
    # portin's additions: key rotation (see docs/API.md, "Webhook signing keys").
    key_id: str = Field(description="The current key's id.")
    valid_from: Timestamp = Field(description="Since when the current key signs.")
    next_public_key: str | None = Field(
        description="The announced key that takes over at switch_at; null if none.")
    next_key_id: str | None
    switch_at: Timestamp | None = Field(
        description="When next_public_key starts signing (and public_key stops).")


# -- envelopes --------------------------------------------------------------------------
Item = TypeVar("Item", bound=BaseModel)


class PageMeta(Wire):
    page_number: int
    page_size: int
    total_pages: int
    total_results: int


class ListOf(Wire, Generic[Item]):
    data: list[Item]
    meta: PageMeta


class One(Wire, Generic[Item]):
    data: Item


class Many(Wire, Generic[Item]):
    """A list without paging: a created order (a list of one) and the exception types."""

    data: list[Item]


class OrderMeta(Wire):
    phone_numbers_url: str


class OneOrder(Wire):
    data: PortingOrder
    meta: OrderMeta


# -- errors -----------------------------------------------------------------------------
class ErrorSource(Wire):
    pointer: str | None = None
    parameter: str | None = None


class ErrorMeta(Wire):
    url: str


class Error(Wire):
    code: str
    title: str
    detail: str
    source: ErrorSource | None = None
    meta: ErrorMeta | None = None


class ErrorResponse(Wire):
    """Every failure: {"errors": [{code, title, detail, source, meta}]}."""

    errors: list[Error]


# -- what each route answers ------------------------------------------------------------
OrderList = ListOf[PortingOrder]
CreatedOrders = Many[PortingOrder]
ExceptionTypes = Many[PortingOrdersExceptionType]
CommentList = ListOf[PortingComment]
OneComment = One[PortingComment]
EventList = ListOf[PortingEvent]
OneEvent = One[PortingEvent]
PhoneNumberList = ListOf[PortingPhoneNumber]
OnePublicKey = One[PublicKey]
ProfileList = ListOf[NotificationProfile]
OneProfile = One[NotificationProfile]
ChannelList = ListOf[NotificationChannel]
OneChannel = One[NotificationChannel]
SettingList = ListOf[NotificationSetting]
OneSetting = One[NotificationSetting]
NotificationEventList = ListOf[NotificationEvent]
EventConditionList = ListOf[NotificationEventCondition]
DeliveryList = ListOf[WebhookDelivery]
OneDelivery = One[WebhookDelivery]


# -- LOA configurations and additional documents -----------------------------------------
class LoaConfigurationAddress(Wire):
    city: str
    country_code: str
    extended_address: str | None
    state: str
    street_address: str
    zip_code: str


class LoaConfigurationContact(Wire):
    email: str
    phone_number: str


class LoaConfigurationLogo(Wire):
    content_type: Literal["image/png"]
    document_id: str


class PortingLoaConfiguration(Wire):
    id: str
    name: str
    company_name: str
    organization_id: str
    address: LoaConfigurationAddress
    contact: LoaConfigurationContact
    logo: LoaConfigurationLogo | None
    record_type: Literal["porting_loa_configuration"]
    created_at: Timestamp
    updated_at: Timestamp


class PortingAdditionalDocument(Wire):
    id: str
    porting_order_id: str
    document_id: str
    document_type: Literal["loa", "invoice", "csr", "other"]
    content_type: str
    filename: str
    record_type: Literal["porting_additional_document"]
    created_at: Timestamp
    updated_at: Timestamp


LoaConfigurationList = ListOf[PortingLoaConfiguration]
OneLoaConfiguration = One[PortingLoaConfiguration]
AdditionalDocumentList = ListOf[PortingAdditionalDocument]
CreatedAdditionalDocuments = Many[PortingAdditionalDocument]


# -- number ranges ----------------------------------------------------------------------
class PhoneNumberRange(Wire):
    start_at: str
    end_at: str


class ExtensionRange(Wire):
    start_at: int
    end_at: int


class PortingPhoneNumberBlock(Wire):
    id: str
    phone_number_range: PhoneNumberRange
    activation_ranges: list[PhoneNumberRange]
    country_code: str | None
    phone_number_type: PhoneNumberType
    record_type: Literal["porting_phone_number_block"]
    created_at: Timestamp
    updated_at: Timestamp


class PortingPhoneNumberExtension(Wire):
    id: str
    porting_phone_number_id: str
    extension_range: ExtensionRange
    activation_ranges: list[ExtensionRange]
    record_type: Literal["porting_phone_number_extension"]
    created_at: Timestamp
    updated_at: Timestamp


class PortingAssociatedPhoneNumber(Wire):
    id: str
    porting_order_id: str
    action: Literal["keep", "disconnect"]
    phone_number_range: PhoneNumberRange
    country_code: str | None
    phone_number_type: Literal["landline", "local", "mobile", "national", "shared_cost",
                               "toll_free"]
    record_type: Literal["porting_associated_phone_number"]
    created_at: Timestamp
    updated_at: Timestamp


class PortingPhoneNumberConfiguration(Wire):
    id: str
    porting_phone_number_id: str
    user_bundle_id: str
    record_type: Literal["porting_phone_number_configuration"]
    created_at: Timestamp
    updated_at: Timestamp


BlockList = ListOf[PortingPhoneNumberBlock]
OneBlock = One[PortingPhoneNumberBlock]
ExtensionList = ListOf[PortingPhoneNumberExtension]
OneExtension = One[PortingPhoneNumberExtension]
AssociatedList = ListOf[PortingAssociatedPhoneNumber]
OneAssociated = One[PortingAssociatedPhoneNumber]
ConfigurationList = ListOf[PortingPhoneNumberConfiguration]
CreatedConfigurations = Many[PortingPhoneNumberConfiguration]


# -- requirements -----------------------------------------------------------------------
class RequirementTypeInfo(Wire):
    id: str
    name: str
    description: str
    example: str | None
    type: Literal["document", "textual"]
    acceptance_criteria: FreeForm


class PortingRequirement(Wire):
    """One requirement of an order, as GET /v2/porting_orders/{id}/requirements lists it."""

    field_type: Literal["document", "textual"]
    field_value: str | None = Field(description="The document id or the text given; null"
                                                " until the user gives one.")
    record_type: Literal["porting_requirement"]
    requirement_status: RequirementStatusValue
    requirement_type: RequirementTypeInfo


class RequirementType(Wire):
    """A catalogue entry, as the operator edits it."""

    id: str
    name: str
    description: str
    example: str | None
    type: Literal["document", "textual"]
    acceptance_criteria: FreeForm
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["requirement_type"]


class CountryRequirements(Wire):
    """Which requirement types numbers of one country and type need."""

    country_code: str
    phone_number_type: PhoneNumberType
    requirement_type_ids: list[str]
    record_type: Literal["country_requirements"]


class PortingSettings(Wire):
    organization_id: str
    confirm_requires_requirements_met: bool = Field(
        description="Confirm refuses (422) an order whose requirements are not met.")
    updated_at: Timestamp | None = Field(description="Null until the settings are first set.")
    record_type: Literal["porting_settings"]


RequirementList = ListOf[PortingRequirement]
OneRequirement = One[PortingRequirement]
RequirementTypeList = ListOf[RequirementType]
OneRequirementType = One[RequirementType]
CountryRequirementsList = ListOf[CountryRequirements]
OneCountryRequirements = One[CountryRequirements]
OnePortingSettings = One[PortingSettings]


# -- documents --------------------------------------------------------------------------
class DocumentSize(Wire):
    amount: int = Field(description="The number of bytes.")
    unit: Literal["bytes"]


class Document(Wire):
    id: str
    record_type: Literal["document"]
    created_at: Timestamp
    updated_at: Timestamp
    filename: str
    content_type: str = Field(description="Told from the file's content: application/pdf,"
                                          " image/png or image/jpeg.")
    customer_reference: str | None
    sha256: str
    size: DocumentSize
    status: Literal["pending", "verified", "denied"]
    av_scan_status: Literal["scanned", "infected", "pending_scan", "not_scanned"] = Field(
        description="portin does not scan files: always not_scanned.")


class DocumentLink(Wire):
    id: str
    record_type: Literal["document_link"]
    document_id: str
    linked_record_type: str
    linked_resource_id: str
    created_at: Timestamp
    updated_at: Timestamp


class DownloadLink(Wire):
    url: str = Field(description="An absolute URL that downloads the file without an API key"
                                 " until it expires (PORTIN_DOCUMENT_LINK_SECONDS).")


OneDocument = One[Document]
DocumentList = ListOf[Document]
DocumentLinkList = ListOf[DocumentLink]
OneDownloadLink = One[DownloadLink]


# -- verification codes and action requirements -----------------------------------------
class PortingVerificationCode(Wire):
    id: str
    phone_number: str
    porting_order_id: str
    verified: bool
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["porting_verification_code"]


class OperatorVerificationCode(PortingVerificationCode):
    """What the porting desk sees: the code itself while the sandbox keeps it readable."""

    code: str | None = Field(description="The code sent, in the sandbox until it is verified;"
                                         " null once verified or with a carrier's sender.")
    verification_method: Literal["sms", "call"]
    expires_at: Timestamp
    failed_attempts: int = Field(description="Wrong codes in a row.")
    locked_until: Timestamp | None


class PortingActionRequirement(Wire):
    id: str
    action_type: str
    action_url: str | None
    cancel_reason: str | None
    porting_order_id: str
    requirement_type_id: str
    status: Literal["created", "pending", "completed", "cancelled", "failed"]
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["porting_action_requirement"]


VerificationCodeList = ListOf[PortingVerificationCode]
VerifiedCodes = Many[PortingVerificationCode]
OperatorVerificationCodeList = ListOf[OperatorVerificationCode]
ActionRequirementList = ListOf[PortingActionRequirement]
OneActionRequirement = One[PortingActionRequirement]


# -- FOC windows and activation ---------------------------------------------------------
class AllowedFocWindow(Wire):
    started_at: Timestamp
    ended_at: Timestamp
    record_type: Literal["allowed_foc_window"]


class AllowedFocWindows(Wire):
    """Every window of the horizon on one page: meta says page 1 of 1."""

    data: list[AllowedFocWindow]
    meta: PageMeta


class ActivationWindow(Wire):
    start_at: Timestamp
    end_at: Timestamp


class PortingOrdersActivationJob(Wire):
    id: str
    activate_at: Timestamp
    activation_type: Literal["scheduled", "on-demand"]
    activation_windows: list[ActivationWindow]
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["porting_activation_job"]
    status: Literal["created", "in-process", "completed", "failed"]


class FocLeadTime(Wire):
    country_code: str
    phone_number_type: str
    lead_business_days: int
    time_zone: str | None
    updated_at: Timestamp
    record_type: Literal["foc_lead_time"]


class FocHoliday(Wire):
    id: str
    country_code: str
    date: str
    kind: Literal["closed", "open"]
    name: str | None
    created_at: Timestamp
    record_type: Literal["foc_holiday"]


ActivationJobList = ListOf[PortingOrdersActivationJob]
OneActivationJob = One[PortingOrdersActivationJob]
FocLeadTimes = Many[FocLeadTime]
OneFocLeadTime = One[FocLeadTime]
FocHolidays = Many[FocHoliday]
OneFocHoliday = One[FocHoliday]


# -- portability and UK carriers --------------------------------------------------------
class PortabilityCheckResult(Wire):
    phone_number: str
    portable: bool
    fast_portable: bool
    not_portable_reason: str
    record_type: Literal["portability_check_result"]


class PortabilityRule(Wire):
    country_code: str
    phone_number_type: str
    portable: bool
    fast_portable: bool
    not_portable_reason: str
    updated_at: Timestamp
    record_type: Literal["portability_rule"]


class UkCarrier(Wire):
    id: str
    name: str
    cupid: str
    alternative_cupids: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["porting_uk_carrier"]


PortabilityCheckResults = Many[PortabilityCheckResult]
PortabilityRuleList = Many[PortabilityRule]
OnePortabilityRule = One[PortabilityRule]
UkCarrierList = Many[UkCarrier]
OneUkCarrier = One[UkCarrier]


# -- sharing ----------------------------------------------------------------------------
class PortingOrderSharingToken(Wire):
    id: str = Field(description="The token's id (its JWT's `jti`).")
    token: str = Field(description="The JWT: send it as 'Authorization: Bearer <token>' to the"
                                   " /shared_documents routes of this order.")
    created_at: Timestamp
    expires_at: Timestamp
    expires_in_seconds: int
    permissions: list[Permission]
    porting_order_id: str
    record_type: Literal["porting_order_sharing_token"]


class SharedDocumentSize(Wire):
    amount: int
    unit: Literal["bytes"]


class SharedDocument(Wire):
    """A document of a shared order, as the document service shows documents, with what it
    is on the order (`purpose`: loa, invoice ...)."""

    id: str
    purpose: str
    filename: str
    content_type: str
    size: SharedDocumentSize
    sha256: str
    status: Literal["pending", "verified", "denied"]
    created_at: Timestamp
    updated_at: Timestamp
    record_type: Literal["document"]


class SubRequest(Wire):
    sub_request_id: str = Field(description="Derived from the order's id: never changes.")
    port_request_id: str | None = Field(
        description="Derived from the order's parent_support_key, so orders split from one"
                    " order share it; null for a draft (not submitted yet).")


OneSharingToken = One[PortingOrderSharingToken]
SharedDocuments = Many[SharedDocument]
OneSharedDocument = One[SharedDocument]
OneSubRequest = One[SubRequest]


# -- reports ----------------------------------------------------------------------------
class ExportFilters(Wire):
    created_at__gt: Timestamp | None
    created_at__lt: Timestamp | None
    customer_reference__in: list[str] | None
    status__in: list[OrderStatusValue] | None


class ExportParams(Wire):
    filters: ExportFilters


class PortingReport(Wire):
    id: str
    created_at: Timestamp
    document_id: str | None = Field(description="The CSV (GET /v2/documents/{id}/download),"
                                                " once the report is completed.")
    params: ExportParams
    record_type: Literal["porting_report"]
    report_type: ReportType
    status: ReportStatus
    updated_at: Timestamp


ReportList = ListOf[PortingReport]
OneReport = One[PortingReport]


# -- endpoint health (portin's addition) -------------------------------------------------
class DeliveryDestination(Wire):
    id: str
    record_type: Literal["delivery_destination"]
    method: Literal["webhook", "email"]
    destination: str
    state: Literal["healthy", "failing", "disabled"]
    consecutive_failures: int
    failing_since: Timestamp | None
    last_error: str | None
    last_failure_at: Timestamp | None
    last_success_at: Timestamp | None
    disabled_at: Timestamp | None
    disabled_reason: Literal["failing_too_long", "gone", "by_user"] | None = Field(
        description="Why it is disabled: failing without a break for"
                    " PORTIN_ENDPOINT_DISABLE_AFTER_SECONDS, a 410 Gone answer, or by hand.")
    paused_deliveries: int = Field(description="Deliveries kept while it is disabled; sent,"
                                               " oldest first, when it is enabled.")
    created_at: Timestamp
    updated_at: Timestamp


DeliveryDestinationList = ListOf[DeliveryDestination]
OneDeliveryDestination = One[DeliveryDestination]


# -- recovering failed deliveries (portin) ------------------------------------------------
class DeliveryRecovery(Wire):
    record_type: Literal["delivery_recovery"]
    recovered: int = Field(description="Failed deliveries sent again, each once.")
    queued: int = Field(description="New deliveries made for them, due now (failed"
                                    " deliveries now going to one destination share one).")
    remaining: int = Field(description="Failed deliveries of the range still to recover"
                                       " (one call takes at most 1000): call again.")
    since: Timestamp
    until: Timestamp
    destination: str | None
    notification_channel_id: str | None


OneDeliveryRecovery = One[DeliveryRecovery]


# -- the event feed (portin) --------------------------------------------------------------
class FeedEvent(PortingEvent):
    cursor: str = Field(description="The feed's cursor at this event: follow on from it with"
                                    " ?after= (or Last-Event-ID on the stream).")


class FeedMeta(Wire):
    after: str = Field(description="The cursor this page follows on from.")
    next_cursor: str = Field(description="The cursor to ask with next: the last event's, or"
                                         " `after` again when the page is empty.")
    has_more: bool = Field(description="More events are waiting after this page.")


class EventFeedPage(Wire):
    data: list[FeedEvent]
    meta: FeedMeta
