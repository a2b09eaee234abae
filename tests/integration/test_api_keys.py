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
