"""Bad input to the portal's forms and lists: a clear 4xx or a sane page, never a 5xx, and
nothing written. On PostgreSQL a NUL in any stored text would otherwise fail in the database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from portin.storage.db import Database
from tests.conftest import Api, Tenant
from tests.integration.test_security_headers import _hidden_token, _sign_in


def test_a_nul_in_the_sign_in_form_is_400(client: TestClient) -> None:
    form = client.get("/login")
    answer = client.post("/login", data={"email": "ops\x00@acme.example", "password": "x",
                                         "csrf_token": _hidden_token(form.text)})
    assert answer.status_code == 400
    assert "NUL" in answer.json()["errors"][0]["detail"]


@pytest.mark.parametrize("field", ["name", "csrf_token"])
def test_a_nul_in_a_signed_in_form_is_400_and_writes_nothing(
        client: TestClient, db: Database, tenant: Tenant, api: Api, field: str) -> None:
    _sign_in(client, db, tenant)
    data = {"name": "Desk", "csrf_token": _hidden_token(client.get("/notifications").text)}
    data[field] += "\x00"
    answer = client.post("/notifications/profiles", data=data, follow_redirects=False)
    assert answer.status_code == 400
    assert api.user("GET", "/v2/notification_profiles")["meta"]["total_results"] == 0


@pytest.mark.parametrize("token", ["é", "\u2603" * 40])
def test_a_csrf_token_that_is_not_ascii_is_refused_not_a_crash(
        client: TestClient, db: Database, tenant: Tenant, token: str) -> None:
    client.get("/login")
    sign_in = client.post("/login", data={"email": "ops@acme.example", "password": "x",
                                          "csrf_token": token})
    assert sign_in.status_code == 403
    _sign_in(client, db, tenant)
    form = client.post("/notifications/profiles", data={"name": "Desk", "csrf_token": token})
    assert form.status_code == 403
    # A notice cookie signed with bytes that are not ASCII (httpx sets only ASCII cookies).
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    header = f"{cookies}; portin_notice=aGk=.\u00e9".encode()
    assert client.get("/orders", headers={"cookie": header}).status_code == 200


@pytest.mark.parametrize("page", ["99999999999999999999999", "²", "-3", "x"])
def test_a_portal_list_page_out_of_range_still_answers(
        client: TestClient, db: Database, tenant: Tenant, page: str) -> None:
    _sign_in(client, db, tenant)
    for path in ("/orders", "/events", "/deliveries"):
        answer = client.get(path, params={"page": page})
        assert answer.status_code == 200, (path, page, answer.text[:300])
