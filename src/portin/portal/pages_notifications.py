"""The notifications page, following the seed's portal steps: profiles, channels, settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from portin.api.deps import get_db, get_settings
from portin.config import Settings
from portin.domain import notification_catalog as catalog
from portin.domain.errors import PortinError
from portin.domain.timefmt import utcnow
from portin.portal.web import check_csrf, redirect_with_notice, render, signed_in
from portin.services import notifications as service
from portin.services.users import SignedIn
from portin.storage import notifications as store
from portin.storage.db import Database
from portin.storage.notifications import ChannelFilters, SettingFilters
from portin.storage.paging import PageRequest

router = APIRouter(include_in_schema=False)
EVERYTHING = PageRequest(1, 250)


def _page(request: Request, user: SignedIn, db: Database, status_code: int = 200,
          error: str | None = None, form: dict[str, Any] | None = None) -> HTMLResponse:
    with db.reading() as session:
        profiles = store.list_profiles(session, user.organization_id, EVERYTHING).items
        channels = store.list_channels(session, ChannelFilters(user.organization_id),
                                       EVERYTHING).items
        settings = store.list_settings(session, SettingFilters(user.organization_id),
                                       EVERYTHING).items
    names = {c.id: c.name for c in catalog.EVENT_CONDITIONS}
    channel_by_id = {c.id: c for c in channels}
    profile_by_id = {p.id: p for p in profiles}
    return render(request, "notifications.html", user, status_code=status_code, error=error,
                  form=form or {}, profiles=profiles, channels=channels, settings=settings,
                  conditions=catalog.EVENT_CONDITIONS, condition_names=names,
                  channel_by_id=channel_by_id, profile_by_id=profile_by_id,
                  channel_types=catalog.CHANNEL_TYPES_SUPPORTED)


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, user: SignedIn = Depends(signed_in),
                  db: Database = Depends(get_db)) -> HTMLResponse:
    return _page(request, user, db)


def _change(request: Request, user: SignedIn, db: Database, action: Any, done: str,
            form: dict[str, Any]) -> Response:
    try:
        with db.writing() as session:
            action(session)
    except PortinError as exc:
        return _page(request, user, db, exc.status_code, exc.detail, form)
    return redirect_with_notice(request, "/notifications", done)


@router.post("/notifications/profiles")
def new_profile(request: Request, name: str = Form(""), csrf_token: str = Form(""),
                user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.create_profile(
        s, user.organization_id, name, utcnow()), f"Profile “{name.strip()}” created.",
        {"profile_name": name})


@router.post("/notifications/profiles/{profile_id}/rename")
def rename_profile(profile_id: str, request: Request, name: str = Form(""),
                   csrf_token: str = Form(""), user: SignedIn = Depends(signed_in),
                   db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.rename_profile(
        s, user.organization_id, profile_id, name, utcnow()), "Profile renamed.",
        {f"rename_{profile_id}": name})


@router.post("/notifications/profiles/{profile_id}/delete")
def delete_profile(profile_id: str, request: Request, csrf_token: str = Form(""),
                   user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                   ) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.delete_profile(
        s, user.organization_id, profile_id), "Profile deleted with its channels and settings.",
        {})


@router.post("/notifications/channels")
def new_channel(request: Request, notification_profile_id: str = Form(""),
                channel_type_id: str = Form(""), channel_destination: str = Form(""),
                ordered: str = Form(""), csrf_token: str = Form(""),
                user: SignedIn = Depends(signed_in), db: Database = Depends(get_db),
                settings: Settings = Depends(get_settings)) -> Response:
    check_csrf(user, csrf_token)
    fields = {"notification_profile_id": notification_profile_id,
              "channel_type_id": channel_type_id, "channel_destination": channel_destination,
              "ordered": ordered == "on"}
    return _change(request, user, db, lambda s: service.create_channel(
        s, user.organization_id, fields, settings, utcnow()),
        f"{channel_type_id.capitalize()} channel added.", fields)


@router.post("/notifications/channels/{channel_id}/delete")
def delete_channel(channel_id: str, request: Request, csrf_token: str = Form(""),
                   user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                   ) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.delete_channel(
        s, user.organization_id, channel_id), "Channel deleted.", {})


@router.post("/notifications/settings")
def new_setting(request: Request, notification_event_condition_id: str = Form(""),
                notification_profile_id: str = Form(""),
                notification_channel_id: str = Form(""), csrf_token: str = Form(""),
                user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                ) -> Response:
    check_csrf(user, csrf_token)
    fields = {"notification_event_condition_id": notification_event_condition_id,
              "notification_profile_id": notification_profile_id,
              "notification_channel_id": notification_channel_id}
    return _change(request, user, db, lambda s: service.create_setting(
        s, user.organization_id, fields, utcnow()), "Setting added.",
        {f"setting_{k}": v for k, v in fields.items()})


@router.post("/notifications/settings/{setting_id}/delete")
def delete_setting(setting_id: str, request: Request, csrf_token: str = Form(""),
                   user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                   ) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.delete_setting(
        s, user.organization_id, setting_id), "Setting deleted.", {})
