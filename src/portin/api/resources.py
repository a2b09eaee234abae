"""How stored rows look on the wire: rows -> the models of `responses`, every field present."""

from __future__ import annotations

from portin.api import responses
from portin.domain import sub_requests
from portin.domain.timefmt import iso
from portin.services.sharing import IssuedToken
from portin.storage.models import (
    Delivery,
    DeliveryAttempt,
    Document,
    NotificationChannel,
    NotificationProfile,
    NotificationSetting,
    PortingComment,
    PortingEvent,
    PortingOrder,
    PortingPhoneNumber,
    PortingReport,
)

PHONE_NUMBERS_SHOWN = 50


def phone_numbers_url(order_id: str) -> str:
    return f"/v2/porting_phone_numbers?filter[porting_order_id]={order_id}"


def phone_number(number: PortingPhoneNumber, order: PortingOrder) -> responses.PortingPhoneNumber:
    return responses.PortingPhoneNumber.model_validate({
        "id": number.id,
        "phone_number": number.phone_number,
        "porting_order_id": order.id,
        "porting_order_status": order.status,
        "support_key": order.support_key,
        "activation_status": number.activation_status,
        "phone_number_type": number.phone_number_type,
        "portability_status": number.portability_status,
        "requirements_status": number.requirements_status,
        "country_code": number.country_code,
        "record_type": "porting_phone_number",
    })


def order(row: PortingOrder, numbers: list[PortingPhoneNumber] | None,
          numbers_count: int) -> responses.PortingOrder:
    """A PortingOrder. `numbers` is None when the caller did not ask to include them."""
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
                          else [phone_number(n, row) for n in numbers[:PHONE_NUMBERS_SHOWN]]),
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
        "requirements": [],
        "requirements_met": _requirements_met(row),
        "additional_steps": [],
        "user_feedback": row.user_feedback,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    })


def _requirements_met(row: PortingOrder) -> bool:
    """True once the end user's name, authorized person and service address are filled in."""
    admin = row.end_user.get("admin") or {}
    location = row.end_user.get("location") or {}
    needed = [admin.get("entity_name"), admin.get("auth_person_name"),
              location.get("street_address"), location.get("locality"),
              location.get("postal_code"), location.get("country_code")]
    return all(needed)


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


def event(row: PortingEvent) -> responses.PortingEvent:
    return responses.PortingEvent.model_validate({
        "id": row.id,
        "event_type": row.event_type,
        "payload": row.payload,
        "payload_status": "completed",
        "porting_order_id": row.porting_order_id,
        "available_notification_methods": list(row.notification_methods or []),
        "occurred_at": iso(row.created_at),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.created_at),
        "record_type": "porting_event",
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
        "record_type": "notification_channel"})


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
        "record_type": "notification_setting"})


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
    })


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
