"""Notification profiles, channels, settings and the catalogues: CRUD, validation, tenancy."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, Tenant


def test_catalogue_has_the_port_in_condition(api: Api) -> None:
    events = api.user("GET", "/v2/notification_events")
    assert events["data"][0]["name"] == "Port In"
    assert events["meta"]["total_pages"] == 1
    conditions = api.user("GET", "/v2/notification_event_conditions")["data"]
    assert [c["name"] for c in conditions] == ["Port In Notifications"]
    assert conditions[0]["notification_event_id"] == events["data"][0]["id"]
    assert set(conditions[0]["supported_channels"]) == {"email", "webhook"}
    assert api.user("GET", "/v2/notification_event_conditions",
                    params={"filter[associated_record_type][eq]": "phone_number"})["data"] == []


def test_profile_crud(api: Api) -> None:
    made = api.user("POST", "/v2/notification_profiles", json={"name": "Desk"})["data"]
    assert made["name"] == "Desk"
    path = f"/v2/notification_profiles/{made['id']}"
    assert api.user("PATCH", path, json={"name": "Ops"})["data"]["name"] == "Ops"
    assert api.user("GET", path)["data"]["name"] == "Ops"
    listed = api.user("GET", "/v2/notification_profiles")
    assert [p["id"] for p in listed["data"]] == [made["id"]]
    assert api.user("DELETE", path)["data"]["id"] == made["id"]
    api.user("GET", path, 404)
    api.user("POST", "/v2/notification_profiles", 422, json={"name": "  "})


def test_channel_validation(api: Api) -> None:
    profile = api.user("POST", "/v2/notification_profiles", json={"name": "P"})["data"]["id"]

    def make(kind: str, destination: str, expect: int) -> dict[str, object]:
        return dict(api.user("POST", "/v2/notification_channels", expect, json={
            "channel_type_id": kind, "channel_destination": destination,
            "notification_profile_id": profile}))

    make("email", "ops@example.com", 200)
    make("webhook", "https://hooks.example.com/portin", 200)
    for kind, destination in (("email", "not-an-address"), ("webhook", "ftp://x.example"),
                              ("webhook", "hooks.example.com"), ("email", "")):
        error = make(kind, destination, 422)["errors"][0]  # type: ignore[index]
        assert error["source"]["pointer"] == "/channel_destination"
    for kind in ("sms", "voice"):
        error = make(kind, "+13032220001", 422)["errors"][0]  # type: ignore[index]
        assert "not supported" in error["detail"]
        assert error["source"]["pointer"] == "/channel_type_id"
    api.user("POST", "/v2/notification_channels", 422, json={
        "channel_type_id": "email", "channel_destination": "a@example.com",
        "notification_profile_id": "0b7c1b9e-0000-4000-8000-000000000000"})
    kinds = api.user("GET", "/v2/notification_channels",
                     params={"filter[channel_type_id][eq]": "email"})["data"]
    assert [c["channel_destination"] for c in kinds] == ["ops@example.com"]


def test_settings_bind_condition_profile_and_channel(api: Api) -> None:
    ids = api.subscribe("webhook", "https://hooks.example.com/a")
    setting = api.user("GET", f"/v2/notification_settings/{ids['setting_id']}")["data"]
    assert setting["status"] == "enabled"
    assert setting["associated_record_type"] == "account"
    listed = api.user("GET", "/v2/notification_settings",
                      params={"filter[notification_channel][eq]": ids["channel_id"]})["data"]
    assert [s["id"] for s in listed] == [ids["setting_id"]]
    api.user("POST", "/v2/notification_settings", 422, json={
        "notification_event_condition_id": "nope", "notification_profile_id":
        ids["profile_id"], "notification_channel_id": ids["channel_id"]})
    other_profile = api.user("POST", "/v2/notification_profiles",
                             json={"name": "Other"})["data"]["id"]
    error = api.user("POST", "/v2/notification_settings", 422, json={
        "notification_event_condition_id": setting["notification_event_condition_id"],
        "notification_profile_id": other_profile,
        "notification_channel_id": ids["channel_id"]})
    assert error["errors"][0]["source"]["pointer"] == "/notification_channel_id"
    deleted = api.user("DELETE", f"/v2/notification_settings/{ids['setting_id']}")["data"]
    assert deleted["status"] == "deleted"
    api.user("GET", f"/v2/notification_settings/{ids['setting_id']}", 404)


def test_deleting_a_profile_takes_its_channels_and_settings(api: Api) -> None:
    ids = api.subscribe("email", "ops@example.com")
    api.user("DELETE", f"/v2/notification_profiles/{ids['profile_id']}")
    api.user("GET", f"/v2/notification_channels/{ids['channel_id']}", 404)
    api.user("GET", f"/v2/notification_settings/{ids['setting_id']}", 404)


def test_no_update_route_for_settings(api: Api) -> None:
    ids = api.subscribe("email", "ops@example.com")
    response = api.client.patch(f"/v2/notification_settings/{ids['setting_id']}",
                                json={}, headers=api.tenant.headers)
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/v2/notification_profiles/{profile_id}",
                                  "/v2/notification_channels/{channel_id}",
                                  "/v2/notification_settings/{setting_id}"])
def test_another_organization_cannot_touch_them(api: Api, client: TestClient,
                                                other_tenant: Tenant, path: str) -> None:
    ids = api.subscribe("email", "ops@example.com")
    url = path.format(**ids)
    assert client.get(url, headers=other_tenant.headers).status_code == 404
    assert client.delete(url, headers=other_tenant.headers).status_code == 404
    api.user("GET", url)
    for listing in ("/v2/notification_profiles", "/v2/notification_channels",
                    "/v2/notification_settings"):
        body = client.get(listing, headers=other_tenant.headers).json()
        assert body["meta"]["total_results"] == 0
    # Nor bind their own setting to my channel.
    theirs = client.post("/v2/notification_profiles", json={"name": "x"},
                         headers=other_tenant.headers).json()["data"]["id"]
    response = client.post("/v2/notification_settings", headers=other_tenant.headers, json={
        "notification_event_condition_id": api.user(
            "GET", "/v2/notification_event_conditions")["data"][0]["id"],
        "notification_profile_id": theirs, "notification_channel_id": ids["channel_id"]})
    assert response.status_code == 422
