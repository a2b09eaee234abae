"""An organization's API keys: another one issued, listed without secrets, revoked -> 401."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from portin.domain.errors import NotFound
from portin.services import accounts
from portin.storage.db import Database
from tests.conftest import Tenant


def test_a_revoked_key_answers_401_at_once_and_the_new_key_works(
        client: TestClient, db: Database, tenant: Tenant) -> None:
    with db.writing() as session:
        issued = accounts.issue_user_key(session, tenant.organization_id)
    new_headers = {"Authorization": f"Bearer {issued.api_key}"}
    assert client.get("/v2/porting_orders", headers=tenant.headers).status_code == 200
    with db.writing() as session:
        old = accounts.revoke_raw_key(session, tenant.api_key)
    refused = client.get("/v2/porting_orders", headers=tenant.headers)
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == "10009"
    assert client.get("/v2/porting_orders", headers=new_headers).status_code == 200
    with db.reading() as session:
        listed = {key.id: key for key in accounts.list_user_keys(session, tenant.organization_id)}
    assert set(listed) == {old.id, issued.id}
    assert listed[old.id].revoked_at is not None and listed[issued.id].revoked_at is None
    assert issued.api_key.startswith(listed[issued.id].prefix)


def test_a_key_of_another_organization_is_not_revoked(
        db: Database, tenant: Tenant, other_tenant: Tenant) -> None:
    with db.writing() as session:
        keys = accounts.list_user_keys(session, other_tenant.organization_id)
        with pytest.raises(NotFound):
            accounts.revoke_key(session, keys[0].id, organization_id=tenant.organization_id)
    with db.reading() as session:
        assert accounts.list_user_keys(session, other_tenant.organization_id)[0].revoked_at is None


def signed_in_client(client: TestClient, db: Database, tenant: Tenant) -> str:
    """Sign a portal user of the tenant in; returns the session's CSRF token."""
    from portin.domain.timefmt import utcnow
    from portin.services import users

    with db.writing() as session:
        users.create_user(session, tenant.organization_id, "keys@example.com",
                          "long-enough-password", utcnow())
    client.get("/login")
    signed = client.post("/login", data={"email": "keys@example.com",
                                         "password": "long-enough-password",
                                         "csrf_token": client.cookies["portin_login_csrf"]},
                         follow_redirects=False)
    assert signed.status_code == 303
    page = client.get("/account/api-keys").text
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_portal_issues_a_key_once_and_revokes_one_with_confirmation(
        client: TestClient, db: Database, tenant: Tenant) -> None:
    csrf = signed_in_client(client, db, tenant)
    assert client.post("/account/api-keys", data={}).status_code == 403  # no CSRF token
    issued = client.post("/account/api-keys", data={"csrf_token": csrf})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    new_key = issued.text.split('data-testid="new-api-key">', 1)[1].split("<", 1)[0]
    assert client.get("/v2/porting_orders",
                      headers={"Authorization": f"Bearer {new_key}"}).status_code == 200
    assert new_key not in client.get("/account/api-keys").text  # shown once
    with db.reading() as session:
        old = next(key for key in accounts.list_user_keys(session, tenant.organization_id)
                   if tenant.api_key.startswith(key.prefix) and key.revoked_at is None)
    unconfirmed = client.post(f"/account/api-keys/{old.id}/revoke", data={"csrf_token": csrf})
    # First a confirmation page that says what revoking does; nothing is revoked yet.
    assert unconfirmed.status_code == 200 and "stops working at once" in unconfirmed.text
    assert 'name="confirmed" value="yes"' in unconfirmed.text
    assert client.get("/v2/porting_orders", headers=tenant.headers).status_code == 200
    revoked = client.post(f"/account/api-keys/{old.id}/revoke",
                          data={"csrf_token": csrf, "confirmed": "yes"})
    assert revoked.status_code == 200 and "no longer works" in revoked.text
    assert client.get("/v2/porting_orders", headers=tenant.headers).status_code == 401
