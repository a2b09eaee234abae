"""Notification profiles, channels and settings: the account-wide subscription to events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portin.config import Settings
from portin.delivery.address_guard import check_saved_url
from portin.domain import notification_catalog as catalog
from portin.domain.email_address import validate_email
from portin.domain.errors import Conflict, InvalidRequest, NotFound
from portin.domain.webhook_urls import validate_webhook_url
from portin.storage import notifications as store
from portin.storage.models import NotificationChannel, NotificationProfile, NotificationSetting

Owned = TypeVar("Owned", NotificationProfile, NotificationChannel, NotificationSetting)


def _require(session: Session, model: type[Owned], label: str, organization_id: str,
             row_id: str, pointer: str | None) -> Owned:
    """The organization's row, or: a 404 when it is the resource asked for, a 422 pointing at
    the field when a request body names it."""
    row = store.get_owned(session, model, row_id, organization_id)
    if row is None:
        message = f"Notification {label} {row_id} was not found."
        raise InvalidRequest(message, pointer=pointer) if pointer else NotFound(message)
    return row


def require_profile(session: Session, organization_id: str, profile_id: str,
                    pointer: str | None = None) -> NotificationProfile:
    return _require(session, NotificationProfile, "profile", organization_id, profile_id,
                    pointer)


def require_channel(session: Session, organization_id: str, channel_id: str,
                    pointer: str | None = None) -> NotificationChannel:
    return _require(session, NotificationChannel, "channel", organization_id, channel_id,
                    pointer)


def require_setting(session: Session, organization_id: str, setting_id: str
                    ) -> NotificationSetting:
    return _require(session, NotificationSetting, "setting", organization_id, setting_id,
                    None)


class DuplicateSetting(Conflict):
    """Conflict."""

    def __init__(self, condition_name: str, channel: NotificationChannel,
                 existing_id: str | None) -> None:
        self.condition_name = condition_name
        self.channel = channel
        known = f" (setting {existing_id})" if existing_id else ""
        super().__init__(
            f"This profile already sends “{condition_name}” to the {channel.channel_type_id}"
            f" channel {channel.channel_destination}{known}; a second setting would add"
            " nothing.", pointer="/notification_channel_id")


def _name(name: str | None) -> str:
    text = (name or "").strip()
    if not text:
        raise InvalidRequest("A notification profile needs a name.", pointer="/name")
    return text


def create_profile(session: Session, organization_id: str, name: str | None,
                   now: datetime) -> NotificationProfile:
    profile = NotificationProfile(id=str(uuid.uuid4()), organization_id=organization_id,
                                  name=_name(name), created_at=now, updated_at=now)
    session.add(profile)
    session.flush()
    return profile


def rename_profile(session: Session, organization_id: str, profile_id: str, name: str | None,
                   now: datetime) -> NotificationProfile:
    profile = require_profile(session, organization_id, profile_id)
    profile.name = _name(name)
    profile.updated_at = now
    session.flush()
    return profile


def delete_profile(session: Session, organization_id: str, profile_id: str
                   ) -> NotificationProfile:
    """Deleting a profile deletes its channels and settings with it."""
    profile = require_profile(session, organization_id, profile_id)
    for setting in store.settings_of_profile(session, profile.id):
        session.delete(setting)
    session.flush()
    for channel in store.channels_of_profile(session, profile.id):
        session.delete(channel)
    session.flush()
    session.delete(profile)
    session.flush()
    return profile


def valid_destination(channel_type: str, destination: str | None, settings: Settings) -> str:
    pointer = "/channel_destination"
    if not destination or not destination.strip():
        raise InvalidRequest("A channel needs a destination.", pointer=pointer)
    if channel_type == "email":
        return validate_email(destination, pointer)
    url = validate_webhook_url(destination, pointer)
    check_saved_url(url, settings.allow_private_webhooks, pointer)
    return url


def _channel_type(value: str | None) -> str:
    if value not in catalog.CHANNEL_TYPES_KNOWN:
        raise InvalidRequest(
            f"channel_type_id must be one of {', '.join(catalog.CHANNEL_TYPES_SUPPORTED)}.",
            pointer="/channel_type_id")
    if value not in catalog.CHANNEL_TYPES_SUPPORTED:
        raise InvalidRequest(
            f"'{value}' channels are not supported yet; use email or webhook.",
            pointer="/channel_type_id")
    return value


def create_channel(session: Session, organization_id: str, fields: dict[str, Any],
                   settings: Settings, now: datetime) -> NotificationChannel:
    channel_type = _channel_type(fields.get("channel_type_id"))
    profile_id = fields.get("notification_profile_id")
    if not profile_id:
        raise InvalidRequest("A channel belongs to a notification profile.",
                             pointer="/notification_profile_id")
    require_profile(session, organization_id, profile_id, pointer="/notification_profile_id")
    channel = NotificationChannel(
        id=str(uuid.uuid4()), organization_id=organization_id,
        notification_profile_id=profile_id, channel_type_id=channel_type,
        channel_destination=valid_destination(channel_type, fields.get("channel_destination"),
                                              settings),
        ordered=bool(fields.get("ordered")), created_at=now, updated_at=now)
    session.add(channel)
    session.flush()
    return channel


def update_channel(session: Session, organization_id: str, channel_id: str,
                   fields: dict[str, Any], settings: Settings, now: datetime
                   ) -> NotificationChannel:
    channel = require_channel(session, organization_id, channel_id)
    channel_type = channel.channel_type_id
    if fields.get("channel_type_id") is not None:
        channel_type = _channel_type(fields["channel_type_id"])
    if fields.get("notification_profile_id") is not None:
        require_profile(session, organization_id, fields["notification_profile_id"],
                        pointer="/notification_profile_id")
        channel.notification_profile_id = fields["notification_profile_id"]
    destination = fields.get("channel_destination") or channel.channel_destination
    channel.channel_destination = valid_destination(channel_type, destination, settings)
    channel.channel_type_id = channel_type
    if fields.get("ordered") is not None:
        # Deliveries keep the flag they were written with: a change applies to new ones.
        channel.ordered = bool(fields["ordered"])
    channel.updated_at = now
    session.flush()
    return channel


def delete_channel(session: Session, organization_id: str, channel_id: str
                   ) -> NotificationChannel:
    """Deleting a channel deletes the settings that name it: nothing is sent there any more."""
    channel = require_channel(session, organization_id, channel_id)
    for setting in store.settings_of_channel(session, channel.id):
        session.delete(setting)
    session.flush()
    session.delete(channel)
    session.flush()
    return channel


def create_setting(session: Session, organization_id: str, fields: dict[str, Any],
                   now: datetime) -> NotificationSetting:
    condition_id = fields.get("notification_event_condition_id")
    condition = catalog.condition(condition_id or "")
    if condition is None:
        raise InvalidRequest(
            "Unknown notification_event_condition_id; see GET"
            " /v2/notification_event_conditions.", pointer="/notification_event_condition_id")
    profile_id = fields.get("notification_profile_id")
    channel_id = fields.get("notification_channel_id")
    if not profile_id:
        raise InvalidRequest("A setting names a notification profile.",
                             pointer="/notification_profile_id")
    if not channel_id:
        raise InvalidRequest("A setting names a notification channel.",
                             pointer="/notification_channel_id")
    profile = require_profile(session, organization_id, profile_id,
                              pointer="/notification_profile_id")
    channel = require_channel(session, organization_id, channel_id,
                              pointer="/notification_channel_id")
    if channel.notification_profile_id != profile.id:
        raise InvalidRequest(f"The channel {channel.channel_destination} belongs to another"
                             " notification profile.",
                             pointer="/notification_channel_id")
    if channel.channel_type_id not in condition.supported_channels:
        raise InvalidRequest(f"'{condition.name}' cannot be sent to a"
                             f" {channel.channel_type_id} channel.",
                             pointer="/notification_channel_id")
    existing = store.same_binding(session, profile.id, condition.id, channel.id)
    if existing is not None:
        raise DuplicateSetting(condition.name, channel, existing.id)
    parameters = fields.get("parameters") or []
    setting = NotificationSetting(
        id=str(uuid.uuid4()), organization_id=organization_id,
        notification_event_condition_id=condition.id, notification_profile_id=profile.id,
        notification_channel_id=channel.id,
        associated_record_type=condition.associated_record_type,
        associated_record_type_value=organization_id,
        parameters=[{"name": p.get("name"), "value": p.get("value")} for p in parameters],
        status="enabled", created_at=now, updated_at=now)
    session.add(setting)
    try:
        session.flush()
    except IntegrityError as exc:  # the same setting made at the same moment by another
        raise DuplicateSetting(condition.name, channel, None) from exc
    return setting


def pause_setting(session: Session, organization_id: str, setting_id: str, now: datetime
                  ) -> NotificationSetting:
    """A paused setting sends nothing for events recorded while it is paused (deliveries
    already written go on); pausing twice keeps the first time."""
    setting = require_setting(session, organization_id, setting_id)
    if setting.paused_at is None:
        setting.paused_at = now
        setting.updated_at = now
        session.flush()
    return setting


def resume_setting(session: Session, organization_id: str, setting_id: str, now: datetime
                   ) -> NotificationSetting:
    """New events are sent again; those recorded while paused are not (republish them)."""
    setting = require_setting(session, organization_id, setting_id)
    if setting.paused_at is not None:
        setting.paused_at = None
        setting.updated_at = now
        session.flush()
    return setting


def delete_setting(session: Session, organization_id: str, setting_id: str
                   ) -> NotificationSetting:
    setting = require_setting(session, organization_id, setting_id)
    session.delete(setting)
    session.flush()
    setting.status = "deleted"
    return setting
