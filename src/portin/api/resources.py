"""How stored rows look on the wire: rows -> the models of `responses`, every field present."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from portin.api import responses
from portin.domain import feed_cursors, sub_requests
from portin.domain.foc_windows import Window
from portin.domain.portability import Verdict
from portin.domain.timefmt import iso
from portin.services.event_feed import FeedPage
from portin.services.requirements import OrderRequirements, Requirement, Settings
from portin.services.sharing import IssuedToken
from portin.services.signing_keys import KeyState
from portin.storage.models import (
    ActivationJob,
    Delivery,
    DeliveryAttempt,
    DeliveryDestination,
    Document,
    DocumentLink,
    FocHoliday,
    FocLeadTime,
    LoaConfiguration,
    NotificationChannel,
    NotificationProfile,
    NotificationSetting,
    PortabilityRule,
    PortingActionRequirement,
    PortingAdditionalDocument,
    PortingAssociatedPhoneNumber,
    PortingComment,
    PortingEvent,
    PortingOrder,
    PortingPhoneNumberBlock,
    PortingPhoneNumberConfiguration,
    PortingPhoneNumberExtension,
    PortingReport,
    PortingVerificationCode,
    RequirementType,
    UkCarrier,
)
from portin.storage.reads import EventRecord, NumberRecord, OrderRecord, RequirementTypeRecord

PHONE_NUMBERS_SHOWN = 50


def phone_numbers_url(order_id: str) -> str:
    return f"/v2/porting_phone_numbers?filter[porting_order_id]={order_id}"


def phone_number(number: NumberRecord, order: OrderRecord,
                 requirements: OrderRequirements) -> responses.PortingPhoneNumber:
    return responses.PortingPhoneNumber.model_validate({
        "id": number.id,
        "phone_number": number.phone_number,
        "porting_order_id": order.id,
        "porting_order_status": order.status,
        "support_key": order.support_key,
        "activation_status": number.activation_status,
        "phone_number_type": number.phone_number_type,
        "portability_status": number.portability_status,
        "requirements_status": str(requirements.number_status(number.country_code,
                                                              number.phone_number_type)),
        "country_code": number.country_code,
        "record_type": "porting_phone_number",
    })


def order(row: OrderRecord, numbers: Sequence[NumberRecord] | None,
          numbers_count: int, requirements: OrderRequirements,
          additional_steps: Sequence[str] = ()) -> responses.PortingOrder:
    """A PortingOrder. `numbers` is None when the caller did not ask to include them;
    `additional_steps` are the steps the order still needs (see `additional_steps_of`)."""
    return responses.PortingOrder.model_validate({
        "id": row.id,
        "record_type": "porting_order",
        "status": {"value": row.status, "details": list(row.status_details or [])},
        "customer_reference": row.customer_reference,
        "customer_group_reference": row.customer_group_reference,
        "description": row.description,
        "support_key": row.support_key,
        "parent_support_key": row.parent_support_key,
        "webhook_url": row.webhook_url,
        "old_service_provider_ocn": row.old_service_provider_ocn,
        "user_id": None,
        "organization_id": row.organization_id,
        "phone_number_type": row.phone_number_type,
        "phone_numbers": (None if numbers is None
                          else [phone_number(n, row, requirements)
                                for n in numbers[:PHONE_NUMBERS_SHOWN]]),
        "porting_phone_numbers_count": numbers_count,
        "messaging": {
            "enable_messaging": row.enable_messaging,
            "messaging_capable": row.messaging_capable,
            "messaging_port_completed": row.messaging_port_status == "ported",
            "messaging_port_status": row.messaging_port_status,
        },
        "activation_settings": {
            "activation_status": row.activation_status,
            "fast_port_eligible": row.fast_port_eligible,
            "foc_datetime_requested": iso(row.foc_datetime_requested),
            "foc_datetime_actual": iso(row.foc_datetime_actual),
        },
        "end_user": row.end_user,
        "documents": row.documents,
        "misc": row.misc,
        "phone_number_configuration": row.phone_number_configuration,
        "requirements": [order_requirement(item) for item in requirements.items
                         if item.type.type == "document"],
        "requirements_met": requirements.met,
        "additional_steps": list(additional_steps),
        "user_feedback": row.user_feedback,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


def comment(row: PortingComment) -> responses.PortingComment:
    return responses.PortingComment.model_validate({
        "id": row.id,
        "body": row.body,
        "porting_order_id": row.porting_order_id,
        "user_type": row.user_type,
        "user_id": row.user_id,
        "created_at": iso(row.created_at),
        "record_type": "porting_comment",
    })


def event(row: EventRecord) -> responses.PortingEvent:
    created_at = iso(row.created_at)  # an event never changes: all three times are its birth
    return responses.PortingEvent.model_validate({
        "id": row.id,
        "event_type": row.event_type,
        "payload": row.payload,
        "payload_status": "completed",
        "porting_order_id": row.porting_order_id,
        "available_notification_methods": list(row.notification_methods or []),
        "occurred_at": created_at,
        "created_at": created_at,
        "updated_at": created_at,
        "record_type": "porting_event",
        "sequence": row.sequence,
    })


def profile(row: NotificationProfile) -> responses.NotificationProfile:
    return responses.NotificationProfile.model_validate({
        "id": row.id, "name": row.name, "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at), "record_type": "notification_profile"})


def channel(row: NotificationChannel) -> responses.NotificationChannel:
    return responses.NotificationChannel.model_validate({
        "id": row.id, "channel_type_id": row.channel_type_id,
        "channel_destination": row.channel_destination,
        "notification_profile_id": row.notification_profile_id,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
        "record_type": "notification_channel", "ordered": bool(row.ordered)})


def setting(row: NotificationSetting) -> responses.NotificationSetting:
    return responses.NotificationSetting.model_validate({
        "id": row.id,
        "notification_event_condition_id": row.notification_event_condition_id,
        "notification_profile_id": row.notification_profile_id,
        "notification_channel_id": row.notification_channel_id,
        "associated_record_type": row.associated_record_type,
        "associated_record_type_value": row.associated_record_type_value,
        "parameters": list(row.parameters or []), "status": row.status,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
        "record_type": "notification_setting", "paused": row.paused_at is not None})


def attempt(row: DeliveryAttempt) -> responses.DeliveryAttempt:
    return responses.DeliveryAttempt.model_validate({
        "attempt": row.attempt, "status": row.status,
        "started_at": iso(row.started_at), "finished_at": iso(row.finished_at),
        "duration_ms": row.duration_ms, "errors": list(row.errors or []),
        "error": row.error, "http": row.http, "email": row.email, "sent_by": row.sent_by})


def delivery(row: Delivery, event_row: PortingEvent | None,
             attempts: list[DeliveryAttempt]) -> responses.WebhookDelivery:
    webhook = None
    if event_row is not None:
        webhook = {"id": event_row.id, "event_type": event_row.event_type,
                   "occurred_at": iso(event_row.created_at), "payload": event_row.payload,
                   "record_type": "event"}
    return responses.WebhookDelivery.model_validate({
        "id": row.id,
        "record_type": "webhook_delivery",
        "user_id": row.organization_id,
        "status": row.status,
        "method": row.method,
        "destination": row.destination,
        "notification_channel_id": row.notification_channel_id,
        "event_id": row.event_id,
        "porting_order_id": event_row.porting_order_id if event_row else None,
        "republished": row.republished,
        "attempt_count": row.attempt_count,
        "next_attempt_at": iso(row.next_attempt_at) if row.status == "pending" else None,
        "last_error": row.last_error,
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "created_at": iso(row.created_at),
        "webhook": webhook,
        "attempts": [attempt(a) for a in attempts],
        "recovered_by": row.recovered_by,
    })


# -- LOA configurations and additional documents -----------------------------------------
def loa_configuration(row: LoaConfiguration) -> responses.PortingLoaConfiguration:
    return responses.PortingLoaConfiguration.model_validate({
        "id": row.id,
        "name": row.name,
        "company_name": row.company_name,
        "organization_id": row.organization_id,
        "address": {
            "city": row.city,
            "country_code": row.country_code,
            "extended_address": row.extended_address,
            "state": row.state,
            "street_address": row.street_address,
            "zip_code": row.zip_code,
        },
        "contact": {"email": row.contact_email, "phone_number": row.contact_phone_number},
        # A logo is always a PNG: the service refuses any other kind.
        "logo": (None if row.logo_document_id is None
                 else {"content_type": "image/png", "document_id": row.logo_document_id}),
        "record_type": "porting_loa_configuration",
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


def additional_document(row: PortingAdditionalDocument, document: Document
                        ) -> responses.PortingAdditionalDocument:
    return responses.PortingAdditionalDocument.model_validate({
        "id": row.id,
        "porting_order_id": row.porting_order_id,
        "document_id": row.document_id,
        "document_type": row.document_type,
        "content_type": document.content_type,
        "filename": document.filename,
        "record_type": "porting_additional_document",
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


# -- number ranges ----------------------------------------------------------------------
def block(row: PortingPhoneNumberBlock) -> responses.PortingPhoneNumberBlock:
    return responses.PortingPhoneNumberBlock.model_validate({
        "id": row.id,
        "phone_number_range": {"start_at": row.start_at, "end_at": row.end_at},
        "activation_ranges": list(row.activation_ranges or []),
        "country_code": row.country_code,
        "phone_number_type": row.phone_number_type,
        "record_type": "porting_phone_number_block",
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


def extension(row: PortingPhoneNumberExtension) -> responses.PortingPhoneNumberExtension:
    return responses.PortingPhoneNumberExtension.model_validate({
        "id": row.id,
        "porting_phone_number_id": row.porting_phone_number_id,
        "extension_range": {"start_at": row.start_at, "end_at": row.end_at},
        "activation_ranges": list(row.activation_ranges or []),
        "record_type": "porting_phone_number_extension",
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


def associated(row: PortingAssociatedPhoneNumber) -> responses.PortingAssociatedPhoneNumber:
    return responses.PortingAssociatedPhoneNumber.model_validate({
        "id": row.id,
        "porting_order_id": row.porting_order_id,
        "action": row.action,
        "phone_number_range": {"start_at": row.start_at, "end_at": row.end_at},
        "country_code": row.country_code,
        "phone_number_type": row.phone_number_type,
        "record_type": "porting_associated_phone_number",
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


def configuration(row: PortingPhoneNumberConfiguration
                  ) -> responses.PortingPhoneNumberConfiguration:
    return responses.PortingPhoneNumberConfiguration.model_validate({
        "id": row.id,
        "porting_phone_number_id": row.porting_phone_number_id,
        "user_bundle_id": row.user_bundle_id,
        "record_type": "porting_phone_number_configuration",
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


# -- requirements -------------------------------------------------------------------------
def requirement_type_info(row: RequirementTypeRecord) -> responses.RequirementTypeInfo:
    return responses.RequirementTypeInfo.model_validate({
        "id": row.id, "name": row.name, "description": row.description,
        "example": row.example, "type": row.type,
        "acceptance_criteria": dict(row.acceptance_criteria or {})})


def order_requirement(item: Requirement) -> responses.PortingOrderRequirement:
    return responses.PortingOrderRequirement.model_validate({
        "field_type": item.type.type,
        "field_value": item.value.field_value if item.value else None,
        "record_type": "porting_requirement",
        "requirement_status": str(item.status),
        "requirement_type_id": item.type.id})


def requirement(item: Requirement) -> responses.PortingRequirement:
    return responses.PortingRequirement.model_validate({
        "field_type": item.type.type,
        "field_value": item.value.field_value if item.value else None,
        "record_type": "porting_requirement",
        "requirement_status": str(item.status),
        "requirement_type": requirement_type_info(item.type)})


def requirement_type(row: RequirementType) -> responses.RequirementType:
    return responses.RequirementType.model_validate({
        **requirement_type_info(row).model_dump(),
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
        "record_type": "requirement_type"})


def country_requirements(country_code: str, phone_number_type: str,
                         type_ids: list[str]) -> responses.CountryRequirements:
    return responses.CountryRequirements.model_validate({
        "country_code": country_code, "phone_number_type": phone_number_type,
        "requirement_type_ids": sorted(type_ids), "record_type": "country_requirements"})


def porting_settings(settings: Settings) -> responses.PortingSettings:
    return responses.PortingSettings.model_validate({
        "organization_id": settings.organization_id,
        "confirm_requires_requirements_met": settings.confirm_requires_requirements_met,
        "updated_at": iso(settings.updated_at), "record_type": "porting_settings"})


# -- documents --------------------------------------------------------------------------
def document(row: Document) -> responses.Document:
    return responses.Document.model_validate({
        "id": row.id,
        "record_type": "document",
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "filename": row.filename,
        "content_type": row.content_type,
        "customer_reference": row.customer_reference,
        "sha256": row.sha256,
        "size": {"amount": row.size_bytes, "unit": "bytes"},
        "status": row.status,
        "av_scan_status": "not_scanned",
    })


def document_link(row: DocumentLink) -> responses.DocumentLink:
    # A link is never changed (a replaced document gets a new link), so it was last updated
    # when it was made.
    return responses.DocumentLink.model_validate({
        "id": row.id,
        "record_type": "document_link",
        "document_id": row.document_id,
        "linked_record_type": row.linked_record_type,
        "linked_resource_id": row.linked_resource_id,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.created_at),
    })


# -- verification codes and action requirements -----------------------------------------
def _code_fields(row: PortingVerificationCode) -> dict[str, object]:
    return {"id": row.id, "phone_number": row.phone_number,
            "porting_order_id": row.porting_order_id, "verified": row.verified,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
            "record_type": "porting_verification_code"}


def verification_code(row: PortingVerificationCode) -> responses.PortingVerificationCode:
    return responses.PortingVerificationCode.model_validate(_code_fields(row))


def operator_verification_code(row: PortingVerificationCode
                               ) -> responses.OperatorVerificationCode:
    return responses.OperatorVerificationCode.model_validate({
        **_code_fields(row), "code": row.sandbox_code,
        "verification_method": row.verification_method, "expires_at": iso(row.expires_at),
        "failed_attempts": row.failed_attempts, "locked_until": iso(row.locked_until)})


def action_requirement(row: PortingActionRequirement) -> responses.PortingActionRequirement:
    return responses.PortingActionRequirement.model_validate({
        "id": row.id, "action_type": row.action_type, "action_url": row.action_url,
        "cancel_reason": row.cancel_reason, "porting_order_id": row.porting_order_id,
        "requirement_type_id": row.requirement_type_id, "status": row.status,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
        "record_type": "porting_action_requirement"})


# -- FOC windows and activation ---------------------------------------------------------
def foc_windows(windows: list[Window]) -> responses.AllowedFocWindows:
    count = len(windows)
    return responses.AllowedFocWindows.model_validate({
        "data": [{"started_at": iso(w.start), "ended_at": iso(w.end),
                  "record_type": "allowed_foc_window"} for w in windows],
        "meta": {"page_number": 1, "page_size": max(count, 1), "total_pages": 1,
                 "total_results": count}})


def activation_job(row: ActivationJob) -> responses.PortingOrdersActivationJob:
    return responses.PortingOrdersActivationJob.model_validate({
        "id": row.id,
        "activate_at": iso(row.activate_at),
        "activation_type": row.activation_type,
        "activation_windows": [
            {"start_at": iso(datetime.fromisoformat(w["start_at"])),
             "end_at": iso(datetime.fromisoformat(w["end_at"]))}
            for w in row.activation_windows],
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "record_type": "porting_activation_job",
        "status": row.status,
    })


def foc_lead_time(row: FocLeadTime) -> responses.FocLeadTime:
    return responses.FocLeadTime.model_validate({
        "country_code": row.country_code, "phone_number_type": row.phone_number_type,
        "lead_business_days": row.lead_business_days, "time_zone": row.time_zone,
        "updated_at": iso(row.updated_at), "record_type": "foc_lead_time"})


def foc_holiday(row: FocHoliday) -> responses.FocHoliday:
    return responses.FocHoliday.model_validate({
        "id": row.id, "country_code": row.country_code, "date": row.day.isoformat(),
        "kind": row.kind, "name": row.name, "created_at": iso(row.created_at),
        "record_type": "foc_holiday"})


# -- portability and UK carriers --------------------------------------------------------
def portability_result(verdict: Verdict) -> responses.PortabilityCheckResult:
    return responses.PortabilityCheckResult(
        phone_number=verdict.phone_number, portable=verdict.portable,
        fast_portable=verdict.fast_portable, not_portable_reason=verdict.not_portable_reason,
        record_type="portability_check_result")


def portability_rule(row: PortabilityRule) -> responses.PortabilityRule:
    return responses.PortabilityRule(
        country_code=row.country_code, phone_number_type=row.phone_number_type,
        portable=row.portable, fast_portable=row.fast_portable,
        not_portable_reason=row.not_portable_reason, updated_at=iso(row.updated_at) or "",
        record_type="portability_rule")


def uk_carrier(row: UkCarrier) -> responses.UkCarrier:
    return responses.UkCarrier(
        id=row.id, name=row.name, cupid=row.cupid,
        alternative_cupids=[str(c) for c in row.alternative_cupids],
        created_at=iso(row.created_at) or "", updated_at=iso(row.updated_at) or "",
        record_type="porting_uk_carrier")


# -- sharing ----------------------------------------------------------------------------
def sharing_token(issued: IssuedToken) -> responses.PortingOrderSharingToken:
    row = issued.row
    return responses.PortingOrderSharingToken.model_validate({
        "id": row.id, "token": issued.token, "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at), "expires_in_seconds": issued.expires_in_seconds,
        "permissions": [row.permission], "porting_order_id": row.porting_order_id,
        "record_type": "porting_order_sharing_token"})


def shared_document(document: Document, purpose: str) -> responses.SharedDocument:
    return responses.SharedDocument.model_validate({
        "id": document.id, "purpose": purpose, "filename": document.filename,
        "content_type": document.content_type,
        "size": {"amount": document.size_bytes, "unit": "bytes"}, "sha256": document.sha256,
        "status": document.status, "created_at": iso(document.created_at),
        "updated_at": iso(document.updated_at), "record_type": "document"})


def sub_request(order: PortingOrder) -> responses.SubRequest:
    return responses.SubRequest(
        sub_request_id=sub_requests.sub_request_id(order.id),
        port_request_id=sub_requests.port_request_id(order.parent_support_key))


# -- reports ----------------------------------------------------------------------------
def report(row: PortingReport) -> responses.PortingReport:
    return responses.PortingReport.model_validate({
        "id": row.id, "created_at": iso(row.created_at), "document_id": row.document_id,
        "params": row.params, "record_type": "porting_report", "report_type": row.report_type,
        "status": row.status, "updated_at": iso(row.updated_at)})


# -- endpoint health (portin's addition) -------------------------------------------------
def delivery_destination(row: DeliveryDestination, paused: int
                         ) -> responses.DeliveryDestination:
    return responses.DeliveryDestination.model_validate({
        "id": row.id, "record_type": "delivery_destination", "method": row.method,
        "destination": row.destination, "state": row.state,
        "consecutive_failures": row.consecutive_failures,
        "failing_since": iso(row.failing_since), "last_error": row.last_error,
        "last_failure_at": iso(row.last_failure_at),
        "last_success_at": iso(row.last_success_at), "disabled_at": iso(row.disabled_at),
        "disabled_reason": row.disabled_reason, "paused_deliveries": paused,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)})


# -- webhook signing keys ---------------------------------------------------------------
def public_key(state: KeyState) -> responses.PublicKey:
    upcoming = state.next
    return responses.PublicKey(
        public_key=state.current.public_key, record_type="public_key",
        key_id=state.current.id, valid_from=iso(state.current.valid_from) or "",
        next_public_key=None if upcoming is None else upcoming.public_key,
        next_key_id=None if upcoming is None else upcoming.id,
        switch_at=None if upcoming is None else iso(upcoming.valid_from))


# -- the event feed (portin) --------------------------------------------------------------
def feed_event(row: PortingEvent) -> responses.FeedEvent:
    return responses.FeedEvent.model_validate({
        **event(row).model_dump(), "cursor": feed_cursors.format_cursor(row.feed_position)})


def feed_page(page: FeedPage) -> responses.EventFeedPage:
    return responses.EventFeedPage(
        data=[feed_event(row) for row in page.events],
        meta=responses.FeedMeta(after=feed_cursors.format_cursor(page.after),
                                next_cursor=feed_cursors.format_cursor(page.next_after),
                                has_more=page.has_more))
