"""The notifications page, following the seed's portal steps: profiles, channels, settings.

Deletes ask first and say what else goes. A setting form takes several channels and makes one
API-level setting per channel, in one transaction; the list groups them back. Each channel has
a "Send a test event" button whose answer is shown on the page (delivery/probe.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from portin.api.deps import get_db, get_settings
from portin.config import Settings
from portin.delivery import probe
from portin.domain import notification_catalog as catalog
from portin.domain.errors import InvalidRequest, NotFound, PortinError
from portin.domain.timefmt import utcnow
from portin.portal.web import (
    check_csrf,
    confirmation_page,
    is_confirmed,
    redirect_with_notice,
    render,
    signed_in,
)
from portin.services import notifications as service
from portin.services import signing_keys
from portin.services.users import SignedIn
from portin.storage import notifications as store
from portin.storage.db import Database
from portin.storage.models import NotificationChannel, NotificationSetting
from portin.storage.notifications import ChannelFilters, SettingFilters
from portin.storage.paging import PageRequest

router = APIRouter(include_in_schema=False)
EVERYTHING = PageRequest(1, 250)
PATH = "/notifications"
KEYS_PAGE = "/account/signing-keys"


@dataclass
class SettingGroup:
    """The portal's one setting: a profile and condition with every channel it goes to."""

    profile_name: str
    condition_name: str
    entries: list[tuple[NotificationSetting, NotificationChannel | None]] = field(
        default_factory=list)


def _condition_name(condition_id: str) -> str:
    condition = catalog.condition(condition_id)
    return condition.name if condition else condition_id


def _groups(settings: list[NotificationSetting], profile_names: dict[str, str],
            channel_by_id: dict[str, NotificationChannel]) -> list[SettingGroup]:
    groups: dict[tuple[str, str], SettingGroup] = {}
    for setting in sorted(settings, key=lambda s: (s.created_at, s.id)):
        key = (setting.notification_profile_id, setting.notification_event_condition_id)
        group = groups.setdefault(key, SettingGroup(
            profile_names.get(setting.notification_profile_id, ""),
            _condition_name(setting.notification_event_condition_id)))
        group.entries.append((setting, channel_by_id.get(setting.notification_channel_id)))
    return list(groups.values())


def _page(request: Request, user: SignedIn, db: Database, status_code: int = 200,
          errors: dict[str, str] | None = None, error: str | None = None,
          form: dict[str, Any] | None = None,
          tested: tuple[str, probe.ProbeOutcome] | None = None) -> HTMLResponse:
    with db.reading() as session:
        profiles = store.list_profiles(session, user.organization_id, EVERYTHING).items
        channels = store.list_channels(session, ChannelFilters(user.organization_id),
                                       EVERYTHING).items
        settings = store.list_settings(session, SettingFilters(user.organization_id),
                                       EVERYTHING).items
        keys = signing_keys.key_state(session, user.organization_id, utcnow())
    channel_by_id = {c.id: c for c in channels}
    profile_names = {p.id: p.name for p in profiles}
    return render(request, "notifications.html", user, status_code=status_code, error=error,
                  errors=errors or {}, form=form or {}, profiles=profiles, channels=channels,
                  groups=_groups(list(settings), profile_names, channel_by_id),
                  conditions=catalog.EVENT_CONDITIONS, profile_names=profile_names,
                  channel_types=catalog.CHANNEL_TYPES_SUPPORTED, keys=keys,
                  keys_page=KEYS_PAGE, tested=tested)


@router.get(PATH, response_class=HTMLResponse)
def notifications(request: Request, user: SignedIn = Depends(signed_in),
                  db: Database = Depends(get_db)) -> HTMLResponse:
    return _page(request, user, db)


def _change(request: Request, user: SignedIn, db: Database, action: Callable[[Session], Any],
            done: str, form: dict[str, Any], fields: dict[str, str] | None = None
            ) -> Response:
    """Run the change in one transaction. A refusal is shown beside the field it is about
    (`fields` maps the error's pointer to the form field), else at the top of the page."""
    try:
        with db.writing() as session:
            action(session)
    except PortinError as exc:
        name = (fields or {}).get(exc.pointer or "")
        if name is None:
            return _page(request, user, db, exc.status_code, error=exc.detail, form=form)
        return _page(request, user, db, 422, errors={name: exc.detail}, form=form)
    return redirect_with_notice(request, PATH, done)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _channel_words(channel: NotificationChannel) -> str:
    return f"{channel.channel_destination} ({channel.channel_type_id})"


def _stops(settings: list[NotificationSetting], channel_by_id: dict[str, NotificationChannel]
           ) -> list[str]:
    """What stops being sent when these settings go: one line per condition."""
    sending: dict[str, list[str]] = {}
    for setting in settings:
        channel = channel_by_id.get(setting.notification_channel_id)
        if setting.paused_at is None and channel is not None:
            sending.setdefault(setting.notification_event_condition_id, []).append(
                channel.channel_destination)
    return [f"stop notifications for “{_condition_name(condition)}” to {', '.join(to)}"
            for condition, to in sending.items()]


# -- profiles ---------------------------------------------------------------------------
@router.post(PATH + "/profiles")
def new_profile(request: Request, name: str = Form(""), csrf_token: str = Form(""),
                user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.create_profile(
        s, user.organization_id, name, utcnow()), f"Profile “{name.strip()}” created.",
        {"profile_name": name}, {"/name": "profile_name"})


@router.post(PATH + "/profiles/{profile_id}/rename")
def rename_profile(profile_id: str, request: Request, name: str = Form(""),
                   csrf_token: str = Form(""), user: SignedIn = Depends(signed_in),
                   db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.rename_profile(
        s, user.organization_id, profile_id, name, utcnow()), "Profile renamed.",
        {f"rename_{profile_id}": name}, {"/name": f"rename_{profile_id}"})


def _profile_consequences(session: Session, organization_id: str, profile_id: str
                          ) -> list[str]:
    profile = service.require_profile(session, organization_id, profile_id)
    channels = store.channels_of_profile(session, profile.id)
    settings = store.settings_of_profile(session, profile.id)
    lines = [f"delete the profile “{profile.name}”"]
    if channels:
        lines.append(f"delete its {_plural(len(channels), 'channel')}: "
                     + ", ".join(_channel_words(c) for c in channels))
    if settings:
        lines.append(f"delete its {_plural(len(settings), 'setting')}")
        lines += _stops(settings, {c.id: c for c in channels})
    else:
        lines.append("stop nothing: it has no settings, so nothing is sent through it")
    lines.append("not be undone: make the profile, channels and settings again to send"
                 " to them later")
    return lines


@router.post(PATH + "/profiles/{profile_id}/delete")
def delete_profile(profile_id: str, request: Request, csrf_token: str = Form(""),
                   confirmed: str = Form(""), user: SignedIn = Depends(signed_in),
                   db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if not is_confirmed(confirmed):
        try:
            with db.reading() as session:
                lines = _profile_consequences(session, user.organization_id, profile_id)
        except NotFound as exc:
            return _page(request, user, db, 404, error=exc.detail)
        return confirmation_page(
            request, user, title="Delete this profile?",
            action=f"{PATH}/profiles/{profile_id}/delete", consequences=lines,
            button="Yes, delete the profile", back=PATH)
    return _change(request, user, db, lambda s: service.delete_profile(
        s, user.organization_id, profile_id), "Profile deleted with its channels and settings.",
        {})


# -- channels ---------------------------------------------------------------------------
@router.post(PATH + "/channels")
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
        f"{channel_type_id.capitalize()} channel added.", fields,
        {"/channel_destination": "channel_destination", "/channel_type_id": "channel_type_id",
         "/notification_profile_id": "notification_profile_id"})


def _channel_consequences(session: Session, organization_id: str, channel_id: str
                          ) -> list[str]:
    channel = service.require_channel(session, organization_id, channel_id)
    profile = service.require_profile(session, organization_id,
                                      channel.notification_profile_id)
    settings = store.settings_of_channel(session, channel.id)
    lines = [f"delete the channel {_channel_words(channel)} of the profile “{profile.name}”"]
    if settings:
        lines.append(f"delete the {_plural(len(settings), 'setting')} that send to it")
        lines += _stops(settings, {channel.id: channel})
    else:
        lines.append("stop nothing: no setting sends to it")
    return lines


@router.post(PATH + "/channels/{channel_id}/delete")
def delete_channel(channel_id: str, request: Request, csrf_token: str = Form(""),
                   confirmed: str = Form(""), user: SignedIn = Depends(signed_in),
                   db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if not is_confirmed(confirmed):
        try:
            with db.reading() as session:
                lines = _channel_consequences(session, user.organization_id, channel_id)
        except NotFound as exc:
            return _page(request, user, db, 404, error=exc.detail)
        return confirmation_page(
            request, user, title="Delete this channel?",
            action=f"{PATH}/channels/{channel_id}/delete", consequences=lines,
            button="Yes, delete the channel", back=PATH)
    return _change(request, user, db, lambda s: service.delete_channel(
        s, user.organization_id, channel_id), "Channel deleted.", {})


@router.post(PATH + "/channels/{channel_id}/test")
def send_test_event(channel_id: str, request: Request, csrf_token: str = Form(""),
                 user: SignedIn = Depends(signed_in), db: Database = Depends(get_db),
                 settings: Settings = Depends(get_settings)) -> Response:
    """Send a test event now and show its answer (a sync route: it runs in a worker thread,
    so the send's own short event loop blocks no one else)."""
    check_csrf(user, csrf_token)
    now = utcnow()
    try:
        with db.reading() as session:
            channel = service.require_channel(session, user.organization_id, channel_id)
            target = probe.ProbeChannel(channel.id, channel.channel_type_id,
                                        channel.channel_destination)
            key = signing_keys.signing_key_at(session, user.organization_id, now)
    except NotFound as exc:
        return _page(request, user, db, 404, error=exc.detail)
    outcome = probe.send(target, key, allow_private=settings.allow_private_webhooks,
                         smtp_url=settings.smtp_url, email_from=settings.email_from,
                         timeout=min(probe.TIMEOUT_SECONDS, settings.delivery_timeout_seconds))
    return _page(request, user, db, tested=(channel_id, outcome))


# -- settings ---------------------------------------------------------------------------
SETTING_FIELDS = {"/notification_channel_id": "setting_channels",
                  "/notification_profile_id": "setting_profile",
                  "/notification_event_condition_id": "setting_condition"}


@router.post(PATH + "/settings")
def new_setting(request: Request, notification_event_condition_id: str = Form(""),
                notification_profile_id: str = Form(""),
                notification_channel_id: list[str] = Form([]), csrf_token: str = Form(""),
                user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                ) -> Response:
    check_csrf(user, csrf_token)
    channel_ids = list(dict.fromkeys(c for c in notification_channel_id if c))
    form = {"setting_condition": notification_event_condition_id,
            "setting_profile": notification_profile_id, "setting_channels": channel_ids}
    if not channel_ids:
        return _page(request, user, db, 422, form=form, errors={
            "setting_channels": "Tick at least one channel to send these notifications to."})

    def make(session: Session) -> None:
        for channel_id in channel_ids:
            try:
                service.create_setting(session, user.organization_id, {
                    "notification_event_condition_id": notification_event_condition_id,
                    "notification_profile_id": notification_profile_id,
                    "notification_channel_id": channel_id}, utcnow())
            except service.DuplicateSetting as exc:
                raise InvalidRequest(
                    f"“{exc.condition_name}” already goes to"
                    f" {_channel_words(exc.channel)} for this profile: untick it.",
                    pointer=exc.pointer) from exc

    done = f"Setting added: {_plural(len(channel_ids), 'channel')}."
    return _change(request, user, db, make, done, form, SETTING_FIELDS)


def _setting_consequences(session: Session, organization_id: str, setting_id: str
                          ) -> list[str]:
    setting = service.require_setting(session, organization_id, setting_id)
    channel = service.require_channel(session, organization_id,
                                      setting.notification_channel_id)
    profile = service.require_profile(session, organization_id,
                                      setting.notification_profile_id)
    lines = [f"delete the setting “{_condition_name(setting.notification_event_condition_id)}”"
             f" to {_channel_words(channel)} of the profile “{profile.name}”"]
    lines += _stops([setting], {channel.id: channel})
    lines.append("keep the channel itself (pause the setting instead to stop for a while)")
    return lines


@router.post(PATH + "/settings/{setting_id}/delete")
def delete_setting(setting_id: str, request: Request, csrf_token: str = Form(""),
                   confirmed: str = Form(""), user: SignedIn = Depends(signed_in),
                   db: Database = Depends(get_db)) -> Response:
    check_csrf(user, csrf_token)
    if not is_confirmed(confirmed):
        try:
            with db.reading() as session:
                lines = _setting_consequences(session, user.organization_id, setting_id)
        except NotFound as exc:
            return _page(request, user, db, 404, error=exc.detail)
        return confirmation_page(
            request, user, title="Delete this setting?",
            action=f"{PATH}/settings/{setting_id}/delete", consequences=lines,
            button="Yes, delete the setting", back=PATH)
    return _change(request, user, db, lambda s: service.delete_setting(
        s, user.organization_id, setting_id), "Setting deleted.", {})


@router.post(PATH + "/settings/{setting_id}/pause")
def pause_setting(setting_id: str, request: Request, csrf_token: str = Form(""),
                  user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                  ) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.pause_setting(
        s, user.organization_id, setting_id, utcnow()),
        "Setting paused: nothing is sent through it for new events.", {})


@router.post(PATH + "/settings/{setting_id}/resume")
def resume_setting(setting_id: str, request: Request, csrf_token: str = Form(""),
                   user: SignedIn = Depends(signed_in), db: Database = Depends(get_db)
                   ) -> Response:
    check_csrf(user, csrf_token)
    return _change(request, user, db, lambda s: service.resume_setting(
        s, user.organization_id, setting_id, utcnow()),
        "Setting resumed: new events are sent again.", {})
