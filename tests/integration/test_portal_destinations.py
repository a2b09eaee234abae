"""The deliveries page shows each destination's health and enables or disables it, with the
CSRF token; another organization's destination is a 404 and stays as it was."""

from __future__ import annotations

from fastapi.testclient import TestClient

from portin.domain.timefmt import utcnow
from portin.services.destinations import require_destination
from portin.storage.db import Database
from portin.storage.models import DeliveryDestination
from tests.conftest import Api, Tenant, make_tenant
from tests.integration.test_security_headers import _hidden_token, _sign_in


def a_destination(db: Database, tenant: Tenant, url: str, state: str = "failing"
                  ) -> str:
    from portin.domain.endpoint_health import destination_id

    key = destination_id(tenant.organization_id, "webhook", url)
    now = utcnow()
    with db.writing() as session:
        session.add(DeliveryDestination(
            id=key, organization_id=tenant.organization_id, method="webhook", destination=url,
            state=state, consecutive_failures=3, failing_since=now, last_error="HTTP 503",
            last_failure_at=now, alerted=False, created_at=now, updated_at=now))
    return key


def test_the_deliveries_page_disables_and_enables_a_destination(
        client: TestClient, db: Database, tenant: Tenant, api: Api) -> None:
    _sign_in(client, db, tenant)
    key = a_destination(db, tenant, "https://hooks.example/portin")
    page = client.get("/deliveries")
    assert page.status_code == 200
    assert "https://hooks.example/portin" in page.text and "HTTP 503" in page.text
    assert f"/deliveries/destinations/{key}/disable" in page.text
    token = _hidden_token(page.text)

    refused = client.post(f"/deliveries/destinations/{key}/disable",
                          data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    with db.reading() as session:
        assert require_destination(session, tenant.organization_id, key).state == "failing"

    done = client.post(f"/deliveries/destinations/{key}/disable", data={"csrf_token": token})
    assert done.status_code == 200
    assert "Disabled https://hooks.example/portin" in done.text
    assert f"/deliveries/destinations/{key}/enable" in done.text
    with db.reading() as session:
        assert require_destination(session, tenant.organization_id, key).state == "disabled"

    done = client.post(f"/deliveries/destinations/{key}/enable", data={"csrf_token": token})
    assert "Enabled https://hooks.example/portin." in done.text
    with db.reading() as session:
        assert require_destination(session, tenant.organization_id, key).state == "healthy"


def test_another_organizations_destination_is_not_found(
        client: TestClient, db: Database, tenant: Tenant) -> None:
    other = make_tenant(db, "globex")
    key = a_destination(db, other, "https://globex.example/hook")
    _sign_in(client, db, tenant)
    page = client.get("/deliveries")
    assert "globex.example" not in page.text
    token = _hidden_token(page.text)
    answer = client.post(f"/deliveries/destinations/{key}/disable", data={"csrf_token": token})
    assert answer.status_code == 404
    with db.reading() as session:
        assert require_destination(session, other.organization_id, key).state == "failing"
