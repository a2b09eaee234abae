"""`portin serve --port X`: links in emails (sent by its worker processes) point at port X."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.acceptance.conftest import Server, running_server
from tests.support.smtp import smtp_server


def call(server: Server, key: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        server.base_url + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_email_links_point_at_the_port_serve_listens_on(tmp_path: Path,
                                                        monkeypatch: Any) -> None:
    monkeypatch.delenv("PORTIN_PUBLIC_BASE_URL", raising=False)
    with smtp_server() as (inbox, smtp_url), \
            running_server(tmp_path, PORTIN_SMTP_URL=smtp_url) as server:
        assert "PORTIN_PUBLIC_BASE_URL" not in os.environ
        key = server.new_org("links")["api_key"]
        profile = call(server, key, "POST", "/v2/notification_profiles",
                       {"name": "Porting team"})["data"]["id"]
        channel = call(server, key, "POST", "/v2/notification_channels", {
            "channel_type_id": "email", "channel_destination": "desk@example.com",
            "notification_profile_id": profile})["data"]["id"]
        condition = call(server, key, "GET", "/v2/notification_event_conditions")["data"][0]
        call(server, key, "POST", "/v2/notification_settings", {
            "notification_event_condition_id": condition["id"],
            "notification_profile_id": profile, "notification_channel_id": channel})
        order = call(server, key, "POST", "/v2/porting_orders",
                     {"phone_numbers": ["+13032220001"]})["data"][0]
        call(server, key, "POST", f"/v2/porting_orders/{order['id']}/actions/confirm")
        deadline = time.monotonic() + 20
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert inbox.messages, "no email arrived"
        body = inbox.messages[0].get_body(("plain",))
        assert body is not None
        assert f"{server.base_url}/orders/{order['id']}" in body.get_content()
