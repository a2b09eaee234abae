"""Queries over notification profiles, channels and settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Select, bindparam, select
from sqlalchemy.orm import Session

from portin.storage.models import NotificationChannel, NotificationProfile, NotificationSetting
from portin.storage.paging import Page, PageRequest, count_rows

Row = TypeVar("Row", NotificationProfile, NotificationChannel, NotificationSetting)


def get_owned(session: Session, model: type[Row], row_id: str, organization_id: str
              ) -> Row | None:
    return session.execute(
        select(model).where(model.id == row_id, model.organization_id == organization_id)
    ).scalar_one_or_none()


def page_of(session: Session, stmt: Select[Any], model: type[Row], page: PageRequest
            ) -> Page[Row]:
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(model.created_at.desc(), model.id).limit(page.size).offset(page.offset)
    ).scalars().all()
    return Page(list(rows), total, page)


@dataclass(frozen=True)
class ChannelFilters:
    organization_id: str
    channel_type_id: str | None = None
    notification_profile_id: str | None = None


def list_channels(session: Session, filters: ChannelFilters, page: PageRequest
                  ) -> Page[NotificationChannel]:
    stmt = select(NotificationChannel).where(
        NotificationChannel.organization_id == filters.organization_id)
    if filters.channel_type_id is not None:
        stmt = stmt.where(NotificationChannel.channel_type_id == filters.channel_type_id)
    if filters.notification_profile_id is not None:
        stmt = stmt.where(
            NotificationChannel.notification_profile_id == filters.notification_profile_id)
    return page_of(session, stmt, NotificationChannel, page)


@dataclass(frozen=True)
class SettingFilters:
    organization_id: str
    notification_profile_id: str | None = None
    notification_channel_id: str | None = None
    notification_event_condition_id: str | None = None
    associated_record_type: str | None = None
    status: str | None = None


def list_settings(session: Session, filters: SettingFilters, page: PageRequest
                  ) -> Page[NotificationSetting]:
    stmt = select(NotificationSetting).where(
        NotificationSetting.organization_id == filters.organization_id)
    equal = {
        NotificationSetting.notification_profile_id: filters.notification_profile_id,
        NotificationSetting.notification_channel_id: filters.notification_channel_id,
        NotificationSetting.notification_event_condition_id:
            filters.notification_event_condition_id,
        NotificationSetting.associated_record_type: filters.associated_record_type,
        NotificationSetting.status: filters.status,
    }
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(column == value)
    return page_of(session, stmt, NotificationSetting, page)


def list_profiles(session: Session, organization_id: str, page: PageRequest
                  ) -> Page[NotificationProfile]:
    stmt = select(NotificationProfile).where(
        NotificationProfile.organization_id == organization_id)
    return page_of(session, stmt, NotificationProfile, page)


@dataclass(frozen=True)
class Subscription:
    channel_id: str
    channel_type_id: str
    destination: str
    ordered: bool = False


# Every event's fan-out reads it (outbox/fan_out.py): built once.
_SUBSCRIBED = (
    select(NotificationChannel.id, NotificationChannel.channel_type_id,
           NotificationChannel.channel_destination, NotificationChannel.ordered)
    .join(NotificationSetting,
          NotificationSetting.notification_channel_id == NotificationChannel.id)
    .where(NotificationSetting.organization_id == bindparam("organization_id"),
           NotificationSetting.notification_event_condition_id.in_(
               bindparam("condition_ids", expanding=True)),
           NotificationSetting.status == "enabled",
           NotificationSetting.paused_at.is_(None))
    .order_by(NotificationChannel.created_at, NotificationChannel.id))


def subscribed_channels(session: Session | Connection, organization_id: str,
                        condition_ids: Sequence[str]) -> list[Subscription]:
    """Channels of the organization that an enabled, unpaused setting for one of the
    conditions names, each once, oldest first."""
    if not condition_ids:
        return []
    rows = session.execute(_SUBSCRIBED, {"organization_id": organization_id,
                                         "condition_ids": list(condition_ids)}).all()
    unique: dict[str, Subscription] = {}
    for channel_id, channel_type, destination, ordered in rows:
        unique.setdefault(channel_id, Subscription(channel_id, channel_type, destination,
                                                   bool(ordered)))
    return list(unique.values())


def settings_of_channel(session: Session, channel_id: str) -> list[NotificationSetting]:
    return list(session.execute(
        select(NotificationSetting).where(NotificationSetting.notification_channel_id == channel_id)
    ).scalars())


def channels_of_profile(session: Session, profile_id: str) -> list[NotificationChannel]:
    return list(session.execute(
        select(NotificationChannel)
        .where(NotificationChannel.notification_profile_id == profile_id)
    ).scalars())


def settings_of_profile(session: Session, profile_id: str) -> list[NotificationSetting]:
    return list(session.execute(
        select(NotificationSetting).where(NotificationSetting.notification_profile_id == profile_id)
    ).scalars())


def same_binding(session: Session, profile_id: str, condition_id: str, channel_id: str
                 ) -> NotificationSetting | None:
    """The setting that already binds this profile, condition and channel, if any."""
    return session.execute(select(NotificationSetting).where(
        NotificationSetting.notification_profile_id == profile_id,
        NotificationSetting.notification_event_condition_id == condition_id,
        NotificationSetting.notification_channel_id == channel_id)).scalar_one_or_none()
