"""Setting notifications up and checking them: duplicate settings refused (API and portal),
a paused setting gets no delivery and a resumed one does, test events that reach the real
receiver signed (or are refused by the address guard, or time out), and deletes that ask first.
Each on SQLite and PostgreSQL (the `db` fixture)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from alembic import command
from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from sqlalchemy import create_engine, text

from portin.api.app import create_app
from portin.config import Settings
from portin.delivery import probe
from portin.delivery.address_guard import PRIVATE_ADDRESS_REFUSED
from portin.domain.timefmt import utcnow
from portin.services import signing_keys
from portin.storage.db import Database
from portin.storage.migrations import alembic_config
from tests.conftest import Api, Tenant
from tests.integration.test_security_headers import _hidden_token, _sign_in
from tests.support import waiting
from tests.support.receiver import Receiver, verifies
from tests.support.smtp import Inbox
from tests.support.worker import running_worker


def _condition(api: Api) -> str:
    return str(api.user("GET", "/v2/notification_event_conditions")["data"][0]["id"])


def _signed_in(client: TestClient, db: Database, tenant: Tenant) -> str:
    _sign_in(client, db, tenant)
    return _hidden_token(client.get("/notifications").text)


def _key(db: Database, tenant: Tenant) -> SigningKey:
    with db.reading() as session:
        return signing_keys.signing_key_at(session, tenant.organization_id, utcnow())


# -- duplicates ---------------------------------------------------------------------------
def test_the_api_refuses_a_duplicate_setting_and_keeps_one(api: Api) -> None:
    ids = api.subscribe("webhook", "https://hooks.example.com/a")
    body = {"notification_event_condition_id": _condition(api),
            "notification_profile_id": ids["profile_id"],
            "notification_channel_id": ids["channel_id"]}
    answer = api.user("POST", "/v2/notification_settings", 409, json=body)
    error = answer["errors"][0]
    assert error["code"] == "10011" and error["title"] == "Conflict."
    assert error["source"]["pointer"] == "/notification_channel_id"
    assert "already sends “Port In Notifications”" in error["detail"]
    assert ids["setting_id"] in error["detail"]
    assert api.user("GET", "/v2/notification_settings")["meta"]["total_results"] == 1
    # Once deleted, the same setting may be made again.
    api.user("DELETE", f"/v2/notification_settings/{ids['setting_id']}")
    api.user("POST", "/v2/notification_settings", 200, json=body)


def test_the_portal_makes_one_setting_per_ticked_channel_and_refuses_a_duplicate(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = _signed_in(client, db, tenant)
    first = api.subscribe("email", "ops@example.com")
    second = api.user("POST", "/v2/notification_channels", json={
        "channel_type_id": "webhook", "channel_destination": "https://hooks.example.com/b",
        "notification_profile_id": first["profile_id"]})["data"]["id"]
    third = api.user("POST", "/v2/notification_channels", json={
        "channel_type_id": "email", "channel_destination": "desk@example.com",
        "notification_profile_id": first["profile_id"]})["data"]["id"]
    form = {"csrf_token": token, "notification_event_condition_id": _condition(api),
            "notification_profile_id": first["profile_id"]}
    # One of the ticked channels already has the setting: nothing at all is made.
    refused = client.post("/notifications/settings", data={
        **form, "notification_channel_id": [second, first["channel_id"]]})
    assert refused.status_code == 422
    assert re.search(r'<p class="field-error[^"]*" id="setting_channels-error">“Port In'
                     r' Notifications” already goes to ops@example.com \(email\)', refused.text)
    assert f'value="{second}" checked' in refused.text  # what was ticked stays ticked
    assert api.user("GET", "/v2/notification_settings")["meta"]["total_results"] == 1
    made = client.post("/notifications/settings", data={
        **form, "notification_channel_id": [second, third]}, follow_redirects=False)
    assert made.status_code == 303
    listed = api.user("GET", "/v2/notification_settings")["data"]
    assert {s["notification_channel_id"] for s in listed} == {first["channel_id"], second, third}
    page = client.get("/notifications").text
    settings_table = page.split('id="settings"')[1].split("</table>")[0]
    assert settings_table.count("<tr><td") == 1  # one profile + condition: one row
    assert settings_table.count('<li class="setting-channel') == 3
    nothing = client.post("/notifications/settings", data=form)
    assert nothing.status_code == 422 and "Tick at least one channel" in nothing.text


# -- pause --------------------------------------------------------------------------------
def test_a_paused_setting_gets_no_delivery_and_a_resumed_one_does(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    url = receiver.url("/paused")
    ids = api.subscribe("webhook", url)
    setting = f"/v2/notification_settings/{ids['setting_id']}"
    paused = api.user("POST", f"{setting}/actions/pause")["data"]
    assert paused["paused"] is True and paused["status"] == "enabled"
    assert api.user("GET", setting)["data"]["paused"] is True
    order = api.create_order("+13032220001")
    with running_worker(db, settings):
        api.confirm(order["id"])  # an event while paused
        assert [d for d in api.deliveries() if d["destination"] == url] == []
        resumed = api.user("POST", f"{setting}/actions/resume")["data"]
        assert resumed["paused"] is False
        api.move(order["id"], "submitted")  # an event once resumed
        got = receiver.wait_for("/paused", 1)
    deliveries = [d for d in api.deliveries() if d["destination"] == url]
    assert len(deliveries) == 1
    assert got[0].json["data"]["payload"]["status"]["value"] == "submitted"
    assert len(receiver.at("/paused")) == 1


def test_pausing_from_the_portal_stops_new_deliveries(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = _signed_in(client, db, tenant)
    ids = api.subscribe("webhook", "https://hooks.example.com/p")
    answer = client.post(f"/notifications/settings/{ids['setting_id']}/pause",
                         data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert "Resume sending to https://hooks.example.com/p" in client.get("/notifications").text
    api.confirm(api.create_order("+13032220002")["id"])
    assert api.deliveries() == []
    client.post(f"/notifications/settings/{ids['setting_id']}/resume",
                data={"csrf_token": token})
    assert api.user("GET", f"/v2/notification_settings/{ids['setting_id']}")["data"][
        "paused"] is False


# -- test events ------------------------------------------------------------------------------
def test_a_test_event_reaches_the_receiver_signed_and_its_answer_is_shown(
        client: TestClient, db: Database, tenant: Tenant, api: Api, receiver: Receiver) -> None:
    token = _signed_in(client, db, tenant)
    ids = api.subscribe("webhook", receiver.behave("/tested", status=200))
    page = client.post(f"/notifications/channels/{ids['channel_id']}/test",
                       data={"csrf_token": token})
    assert page.status_code == 200
    assert re.search(r'id="test-result">Test event sent\. Your endpoint answered HTTP 200 in'
                     r' \d+ ms\.', page.text)
    received = receiver.at("/tested")
    assert len(received) == 1
    assert verifies(received[0], tenant.public_key)  # the SDK's own check, the served key
    assert received[0].json["data"]["event_type"] == "notification.test"
    assert received[0].json["data"]["payload"]["notification_channel_id"] == ids["channel_id"]
    assert tenant.public_key in client.get("/notifications").text  # shown beside the channels
    assert api.deliveries() == []  # a test is not a delivery of an event

    failing = api.subscribe("webhook", receiver.behave("/down", status=503),
                            profile_id=ids["profile_id"])
    page = client.post(f"/notifications/channels/{failing['channel_id']}/test",
                       data={"csrf_token": token})
    assert "Test event not delivered. Your endpoint answered HTTP 503" in page.text


def test_a_test_event_respects_the_address_guard_and_a_short_timeout(
        db: Database, tenant: Tenant, receiver: Receiver) -> None:
    key = _key(db, tenant)
    channel = probe.ProbeChannel("c", "webhook", receiver.url("/private"))
    refused = probe.send(channel, key, allow_private=False, smtp_url="smtp://127.0.0.1:1",
                         email_from="portin@localhost")
    assert not refused.delivered and refused.answer == PRIVATE_ADDRESS_REFUSED
    assert receiver.at("/private") == []
    hanging = probe.ProbeChannel("c", "webhook", receiver.behave("/slow", hang_seconds=3))
    started = time.monotonic()
    slow = probe.send(hanging, key, allow_private=True, smtp_url="smtp://127.0.0.1:1",
                      email_from="portin@localhost", timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert not slow.delivered and slow.answer == "No answer within 0.5 s."


def test_a_test_mail_goes_through_the_smtp_server(
        db: Database, tenant: Tenant, smtp: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp
    channel = probe.ProbeChannel("c", "email", "desk@example.com")
    sent = probe.send(channel, _key(db, tenant), allow_private=False, smtp_url=smtp_url,
                      email_from="portin@example.net")
    assert sent.delivered and sent.answer.startswith("The mail server accepted it: SMTP 250")
    waiting.wait_for(lambda: inbox.messages, 5)
    assert inbox.messages[0]["To"] == "desk@example.com"
    assert inbox.messages[0]["X-Portin-Event-Id"] == sent.event_id
    inbox.refuse_code = 550
    refused = probe.send(channel, _key(db, tenant), allow_private=False, smtp_url=smtp_url,
                         email_from="portin@example.net")
    assert not refused.delivered and "refused it: SMTP 550" in refused.answer


# -- deletes ask first ------------------------------------------------------------------------
def test_deleting_a_profile_asks_first_and_says_what_else_goes(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = _signed_in(client, db, tenant)
    ids = api.subscribe("email", "ops@example.com")
    api.subscribe("webhook", "https://hooks.example.com/x", profile_id=ids["profile_id"])
    path = f"/notifications/profiles/{ids['profile_id']}/delete"
    asked = client.post(path, data={"csrf_token": token})
    assert asked.status_code == 200 and "Delete this profile?" in asked.text
    for line in ("delete its 2 channels: ", "ops@example.com (email)",
                 "https://hooks.example.com/x (webhook)", "delete its 2 settings",
                 "stop notifications for “Port In Notifications” to "):
        assert line in asked.text, line
    assert api.user("GET", "/v2/notification_profiles")["meta"]["total_results"] == 1
    done = client.post(path, data={"csrf_token": token, "confirmed": "yes"},
                       follow_redirects=False)
    assert done.status_code == 303
    for kind in ("profiles", "channels", "settings"):
        assert api.user("GET", f"/v2/notification_{kind}")["meta"]["total_results"] == 0


def test_deleting_a_channel_or_setting_asks_first(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    token = _signed_in(client, db, tenant)
    ids = api.subscribe("webhook", "https://hooks.example.com/y")
    asked = client.post(f"/notifications/settings/{ids['setting_id']}/delete",
                        data={"csrf_token": token})
    assert "Delete this setting?" in asked.text
    assert "to https://hooks.example.com/y (webhook) of the profile “Porting team”" in asked.text
    asked = client.post(f"/notifications/channels/{ids['channel_id']}/delete",
                        data={"csrf_token": token})
    assert "delete the 1 setting that send to it" in asked.text
    assert api.user("GET", "/v2/notification_settings")["meta"]["total_results"] == 1
    client.post(f"/notifications/channels/{ids['channel_id']}/delete",
                data={"csrf_token": token, "confirmed": "yes"})
    assert api.user("GET", "/v2/notification_channels")["meta"]["total_results"] == 0
    assert client.post("/notifications/channels/nope/delete",
                       data={"csrf_token": token}).status_code == 404


def test_a_private_address_is_refused_in_the_customers_words(
        settings: Settings, db: Database, tenant: Tenant, api: Api) -> None:
    guarded = settings.model_copy(update={"allow_private_webhooks": False})
    with TestClient(create_app(guarded, db)) as portal:
        token = _signed_in(portal, db, tenant)
        profile = api.user("POST", "/v2/notification_profiles", json={"name": "P"})["data"]["id"]
        page = portal.post("/notifications/channels", data={
            "csrf_token": token, "notification_profile_id": profile,
            "channel_type_id": "webhook", "channel_destination": "http://127.0.0.1:9/hook"})
        assert page.status_code == 422
        assert 'id="channel_destination-error">This address is on a private or local' in page.text
        assert 'value="http://127.0.0.1:9/hook"' in page.text
        assert "PORTIN_ALLOW_PRIVATE_WEBHOOKS" not in page.text
        answer = portal.post("/v2/notification_channels", headers=tenant.headers, json={
            "channel_type_id": "webhook", "channel_destination": "http://10.0.0.1/hook",
            "notification_profile_id": profile})
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["detail"] == PRIVATE_ADDRESS_REFUSED


# -- the migration ------------------------------------------------------------------------------
def test_0020_keeps_one_of_each_duplicate_setting(tmp_path: Path) -> None:
    url = str(tmp_path / "old.db")
    command.upgrade(alembic_config(url), "0016")
    engine = create_engine(f"sqlite:///{url}")
    rows = [("s1", "p", "c1"), ("s2", "p", "c1"), ("s3", "p", "c2")]
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF"))
        for setting_id, profile, channel in rows:
            connection.execute(text(
                "INSERT INTO notification_settings (id, organization_id,"
                " notification_event_condition_id, notification_profile_id,"
                " notification_channel_id, associated_record_type,"
                " associated_record_type_value, parameters, status, created_at, updated_at)"
                " VALUES (:id, 'o', 'cond', :profile, :channel, 'account', 'o', '[]',"
                " 'enabled', '2026-12-01 08:00:00.000000', '2026-12-01 08:00:00.000000')"),
                {"id": setting_id, "profile": profile, "channel": channel})
    command.upgrade(alembic_config(url), "0020")
    with engine.connect() as connection:
        kept = connection.execute(text(
            "SELECT id, paused_at FROM notification_settings ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in kept] == [("s1", None), ("s3", None)]
