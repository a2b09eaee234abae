"""/v2/notification_*: profiles, channels, settings, and the read-only catalogues."""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter, Depends, Request

from portin.api import resources, responses
from portin.api.deps import get_db, get_settings, org_id, user_caller
from portin.api.query import PAGE_DOCS, ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.api.schemas import ChannelBody, ProfileBody, SettingBody
from portin.config import Settings
from portin.domain import notification_catalog as catalog
from portin.domain.timefmt import iso, utcnow
from portin.services import notifications as service
from portin.services.accounts import Caller
from portin.storage import notifications as store
from portin.storage.db import Database
from portin.storage.notifications import ChannelFilters, SettingFilters

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Notifications"])
Item = TypeVar("Item", responses.NotificationEvent, responses.NotificationEventCondition)

CHANNEL_DOCS: list[ParamDoc] = [
    ("filter[channel_type_id][eq]", {"type": "string", "enum": list(catalog.CHANNEL_TYPES_KNOWN)},
     "Channels of this type."),
    ("filter[notification_profile_id][eq]", {"type": "string"}, "Channels of one profile."),
    *PAGE_DOCS,
]
SETTING_DOCS: list[ParamDoc] = [
    ("filter[notification_profile_id][eq]", {"type": "string"}, "Settings of one profile."),
    ("filter[notification_channel][eq]", {"type": "string"}, "Settings of one channel."),
    ("filter[notification_event_condition_id][eq]", {"type": "string"}, "One condition."),
    ("filter[associated_record_type][eq]", {"type": "string", "enum": ["account"]}, ""),
    ("filter[status][eq]", {"type": "string"}, "Settings in this status."),
    *PAGE_DOCS,
]


# -- profiles ---------------------------------------------------------------------------
@router.get("/notification_profiles", summary="List notification profiles",
            openapi_extra=parameter_docs(PAGE_DOCS))
def list_profiles(request: Request, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db)) -> responses.ProfileList:
    page = Query(request.query_params).page()
    with db.reading() as session:
        result = store.list_profiles(session, org_id(caller), page)
        return responses.ProfileList(data=[resources.profile(p) for p in result.items],
                                              meta=result.meta())


@router.post("/notification_profiles", summary="Create a notification profile")
def create_profile(body: ProfileBody, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneProfile:
    with db.writing() as session:
        profile = service.create_profile(session, org_id(caller), body.name, utcnow())
        return responses.OneProfile(data=resources.profile(profile))


@router.get("/notification_profiles/{profile_id}", summary="Retrieve a notification profile")
def retrieve_profile(profile_id: str, caller: Caller = Depends(user_caller),
                     db: Database = Depends(get_db)) -> responses.OneProfile:
    with db.reading() as session:
        return responses.OneProfile(data=resources.profile(
            service.require_profile(session, org_id(caller), profile_id)))


@router.patch("/notification_profiles/{profile_id}", summary="Rename a notification profile")
def update_profile(profile_id: str, body: ProfileBody, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneProfile:
    with db.writing() as session:
        profile = service.rename_profile(session, org_id(caller), profile_id, body.name,
                                         utcnow())
        return responses.OneProfile(data=resources.profile(profile))


@router.delete("/notification_profiles/{profile_id}",
               summary="Delete a notification profile with its channels and settings")
def delete_profile(profile_id: str, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneProfile:
    with db.writing() as session:
        profile = service.delete_profile(session, org_id(caller), profile_id)
        return responses.OneProfile(data=resources.profile(profile))


# -- channels ---------------------------------------------------------------------------
@router.get("/notification_channels", summary="List notification channels",
            openapi_extra=parameter_docs(CHANNEL_DOCS))
def list_channels(request: Request, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db)) -> responses.ChannelList:
    query = Query(request.query_params)
    filters = ChannelFilters(
        organization_id=org_id(caller),
        channel_type_id=query.choice("filter[channel_type_id][eq]",
                                     catalog.CHANNEL_TYPES_KNOWN),
        notification_profile_id=query.text("filter[notification_profile_id][eq]", 64))
    page = query.page()
    with db.reading() as session:
        result = store.list_channels(session, filters, page)
        return responses.ChannelList(data=[resources.channel(c) for c in result.items],
                                              meta=result.meta())


@router.post("/notification_channels", summary="Create a notification channel")
def create_channel(body: ChannelBody, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db),
                   settings: Settings = Depends(get_settings)) -> responses.OneChannel:
    with db.writing() as session:
        channel = service.create_channel(session, org_id(caller), body.model_dump(), settings,
                                         utcnow())
        return responses.OneChannel(data=resources.channel(channel))


@router.get("/notification_channels/{channel_id}", summary="Retrieve a notification channel")
def retrieve_channel(channel_id: str, caller: Caller = Depends(user_caller),
                     db: Database = Depends(get_db)) -> responses.OneChannel:
    with db.reading() as session:
        return responses.OneChannel(data=resources.channel(
            service.require_channel(session, org_id(caller), channel_id)))


@router.patch("/notification_channels/{channel_id}", summary="Update a notification channel")
def update_channel(channel_id: str, body: ChannelBody, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db),
                   settings: Settings = Depends(get_settings)) -> responses.OneChannel:
    with db.writing() as session:
        channel = service.update_channel(session, org_id(caller), channel_id,
                                         body.model_dump(exclude_unset=True), settings,
                                         utcnow())
        return responses.OneChannel(data=resources.channel(channel))


@router.delete("/notification_channels/{channel_id}",
               summary="Delete a notification channel and the settings that use it")
def delete_channel(channel_id: str, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneChannel:
    with db.writing() as session:
        return responses.OneChannel(data=resources.channel(
            service.delete_channel(session, org_id(caller), channel_id)))


# -- settings ---------------------------------------------------------------------------
@router.get("/notification_settings", summary="List notification settings",
            openapi_extra=parameter_docs(SETTING_DOCS))
def list_settings(request: Request, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db)) -> responses.SettingList:
    query = Query(request.query_params)
    filters = SettingFilters(
        organization_id=org_id(caller),
        notification_profile_id=query.text("filter[notification_profile_id][eq]", 64),
        notification_channel_id=query.text("filter[notification_channel][eq]", 64),
        notification_event_condition_id=query.text(
            "filter[notification_event_condition_id][eq]", 64),
        associated_record_type=query.text("filter[associated_record_type][eq]", 32),
        status=query.text("filter[status][eq]", 32))
    page = query.page()
    with db.reading() as session:
        result = store.list_settings(session, filters, page)
        return responses.SettingList(data=[resources.setting(s) for s in result.items],
                                              meta=result.meta())


@router.post("/notification_settings", summary="Send a condition's events to a channel")
def create_setting(body: SettingBody, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneSetting:
    with db.writing() as session:
        setting = service.create_setting(session, org_id(caller), body.model_dump(), utcnow())
        return responses.OneSetting(data=resources.setting(setting))


@router.get("/notification_settings/{setting_id}", summary="Retrieve a notification setting")
def retrieve_setting(setting_id: str, caller: Caller = Depends(user_caller),
                     db: Database = Depends(get_db)) -> responses.OneSetting:
    with db.reading() as session:
        return responses.OneSetting(data=resources.setting(
            service.require_setting(session, org_id(caller), setting_id)))


@router.delete("/notification_settings/{setting_id}", summary="Delete a notification setting")
def delete_setting(setting_id: str, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneSetting:
    with db.writing() as session:
        return responses.OneSetting(data=resources.setting(
            service.delete_setting(session, org_id(caller), setting_id)))


@router.post("/notification_settings/{setting_id}/actions/pause",
             summary="Pause a notification setting: nothing is sent for new events")
def pause_setting(setting_id: str, caller: Caller = Depends(user_caller),
                  db: Database = Depends(get_db)) -> responses.OneSetting:
    with db.writing() as session:
        return responses.OneSetting(data=resources.setting(
            service.pause_setting(session, org_id(caller), setting_id, utcnow())))


@router.post("/notification_settings/{setting_id}/actions/resume",
             summary="Resume a paused notification setting: new events are sent again")
def resume_setting(setting_id: str, caller: Caller = Depends(user_caller),
                   db: Database = Depends(get_db)) -> responses.OneSetting:
    with db.writing() as session:
        return responses.OneSetting(data=resources.setting(
            service.resume_setting(session, org_id(caller), setting_id, utcnow())))


# -- catalogues -------------------------------------------------------------------------
def _catalogue_page(request: Request, items: list[Item]) -> responses.ListOf[Item]:
    page = Query(request.query_params).page()
    chunk = items[page.offset:page.offset + page.size]
    total_pages = max(1, -(-len(items) // page.size))
    return responses.ListOf[Item](data=chunk, meta=responses.PageMeta(
        page_number=page.number, page_size=page.size, total_pages=total_pages,
        total_results=len(items)))


@router.get("/notification_events", summary="The events one can be notified of",
            openapi_extra=parameter_docs(PAGE_DOCS))
def notification_events(request: Request, _caller: Caller = Depends(user_caller)
                        ) -> responses.NotificationEventList:
    since = iso(catalog.CATALOGUE_SINCE)
    return _catalogue_page(request, [
        responses.NotificationEvent.model_validate({
            "id": e.id, "name": e.name, "enabled": e.enabled,
            "notification_category": e.notification_category, "created_at": since,
            "updated_at": since, "record_type": "notification_event"})
        for e in catalog.NOTIFICATION_EVENTS])


@router.get("/notification_event_conditions", summary="The conditions a setting can name",
            openapi_extra=parameter_docs([
                ("filter[associated_record_type][eq]",
                 {"type": "string", "enum": ["account", "phone_number"]}, ""), *PAGE_DOCS]))
def notification_event_conditions(request: Request, _caller: Caller = Depends(user_caller)
                                  ) -> responses.EventConditionList:
    wanted = Query(request.query_params).choice("filter[associated_record_type][eq]",
                                                ["account", "phone_number"])
    since = iso(catalog.CATALOGUE_SINCE)
    return _catalogue_page(request, [
        responses.NotificationEventCondition.model_validate({
            "id": c.id, "name": c.name, "description": c.description, "enabled": c.enabled,
            "notification_event_id": c.notification_event_id,
            "associated_record_type": c.associated_record_type,
            "asynchronous": c.asynchronous, "allow_multiple_channels": c.allow_multiple_channels,
            "supported_channels": list(c.supported_channels), "parameters": [],
            "created_at": since, "updated_at": since,
            "record_type": "notification_event_condition"})
        for c in catalog.EVENT_CONDITIONS
        if wanted is None or c.associated_record_type == wanted])
