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
    requirements_status: Literal["requirement-info-pending", "requirement-info-under-review",
                                 "requirement-info-exception", "approved"] | None
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
    requirements: list[FreeForm]
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
    status: Literal["delivered", "failed", "pending"]
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


# -- account ----------------------------------------------------------------------------
class PublicKey(Wire):
    public_key: str
    record_type: Literal["public_key"]


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
