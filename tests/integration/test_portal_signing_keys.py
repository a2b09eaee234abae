"""The portal's webhook keys page: the current public key, a Rotate form that needs the CSRF
token and a ticked confirmation (plain forms, no JavaScript), the announced key with its switch
time, a second rotation refused while one is announced; only the user's own organization's
keys; never a seed."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from portin.domain.timefmt import utcnow
from portin.storage.db import Database
from portin.storage.models import SigningKey
from tests.conftest import Api, Tenant
from tests.integration.test_security_headers import _hidden_token, _sign_in

PAGE = "/account/signing-keys"


def seeds(db: Database) -> list[str]:
    with db.reading() as session:
        return [key.seed for key in session.query(SigningKey)]


def test_the_page_shows_the_current_key_and_rotates_after_a_confirmation(
        client: TestClient, db: Database, tenant: Tenant, api: Api,
        other_tenant: Tenant) -> None:
    _sign_in(client, db, tenant)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert tenant.public_key in page.text and other_tenant.public_key not in page.text
    assert 'data-testid="next-key"' not in page.text
    assert 'action="/account/signing-keys/rotate"' in page.text
    token = _hidden_token(page.text)

    # No CSRF token, or no tick: nothing changes.
    refused = client.post(PAGE + "/rotate", data={"confirmed": "yes"}, follow_redirects=False)
    assert refused.status_code == 403
    unconfirmed = client.post(PAGE + "/rotate", data={"csrf_token": token, "when": "now"},
                              follow_redirects=False)
    # A confirmation page first, saying what rotating now does; it re-posts `when`.
    assert unconfirmed.status_code == 200 and "will then fail" in unconfirmed.text
    assert 'name="when" value="now"' in unconfirmed.text
    odd = client.post(PAGE + "/rotate", data={"csrf_token": token, "confirmed": "yes",
                                             "when": "yesterday"}, follow_redirects=False)
    assert odd.status_code == 422
    assert api.user("GET", "/v2/public_key")["data"]["next_public_key"] is None

    answer = client.post(PAGE + "/rotate", data={"csrf_token": token, "confirmed": "yes",
                                                "when": "announce"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    served = api.user("GET", "/v2/public_key")["data"]
    assert served["public_key"] == tenant.public_key and served["next_public_key"]
    shown = client.get(PAGE)
    assert "A new key is announced" in shown.text
    assert served["next_public_key"] in shown.text and 'data-testid="next-key"' in shown.text
    assert 'action="/account/signing-keys/rotate"' not in shown.text  # one at a time

    again = client.post(PAGE + "/rotate", data={"csrf_token": token, "confirmed": "yes",
                                               "when": "now"}, follow_redirects=False)
    assert again.status_code == 409 and "already announced" in again.text
    assert api.user("GET", "/v2/public_key")["data"] == served
    # The other organization's key is untouched.
    theirs = client.get("/v2/public_key", headers=other_tenant.headers).json()["data"]
    assert theirs["public_key"] == other_tenant.public_key and theirs["next_public_key"] is None
    for text in (page.text, shown.text, again.text):
        assert not any(seed in text for seed in seeds(db))


def test_rotating_now_switches_within_seconds(client: TestClient, db: Database,
                                              tenant: Tenant, api: Api) -> None:
    _sign_in(client, db, tenant)
    token = _hidden_token(client.get(PAGE).text)
    answer = client.post(PAGE + "/rotate", data={"csrf_token": token, "confirmed": "yes",
                                                "when": "now"}, follow_redirects=False)
    assert answer.status_code == 303
    served = api.user("GET", "/v2/public_key")["data"]
    assert served["next_public_key"] is not None
    switch_at = datetime.fromisoformat(served["switch_at"].replace("Z", "+00:00"))
    assert timedelta(0) < switch_at - utcnow() <= timedelta(seconds=3)


def test_signed_out_the_page_asks_for_sign_in(client: TestClient, api: Api) -> None:
    answer = client.get(PAGE, follow_redirects=False)
    assert answer.status_code in (303, 307) and "/login" in answer.headers["location"]
    posted = client.post(PAGE + "/rotate", data={"confirmed": "yes"}, follow_redirects=False)
    assert posted.status_code in (303, 307, 403)
    assert api.user("GET", "/v2/public_key")["data"]["next_public_key"] is None
