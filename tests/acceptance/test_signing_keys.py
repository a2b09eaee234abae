"""Webhook signing key rotation end to end, as an integrator lives it: a real `portin serve`
(its own worker process) sends webhooks to a loopback receiver; the installed telnyx SDK's
`webhooks.unwrap` verifies them. Before the switch webhooks verify with the first key; after
`portin signing-key rotate --now` has switched, with the new key and NOT the old one. The
public key endpoint announced the next key ahead; a second rotation while one is announced is
refused by the API (409) and the CLI."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
import telnyx
from telnyx.lib.webhook_verification import WebhookVerificationError

from tests.acceptance.conftest import PORTIN, Server
from tests.support.receiver import Received, Receiver


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running


def unwraps(client: telnyx.Telnyx, hit: Received, key: str) -> bool:
    """What an integrator's handler does: the SDK's unwrap with the key it holds."""
    try:
        event = client.webhooks.unwrap(hit.body.decode(), headers=hit.headers, key=key)
    except (ValueError, WebhookVerificationError):
        return False
    return event is not None


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_webhooks_verify_with_the_key_current_at_each_side_of_the_switch(
        server: Server, org: dict[str, str], sdk: telnyx.Telnyx, receiver: Receiver) -> None:
    first_key = org["public_key"]
    api = httpx.Client(base_url=f"{server.base_url}/v2", timeout=10,
                       headers={"Authorization": f"Bearer {org['api_key']}"})
    order = sdk.porting_orders.create(phone_numbers=["+17203339001"]).data[0]  # type: ignore[index]
    assert order.id is not None
    sdk.porting_orders.update(order.id, webhook_url=receiver.url("/keys"))

    def comment(text: str, count: int) -> Received:
        sdk.porting_orders.comments.create(order.id, body=text)  # type: ignore[arg-type]
        return receiver.wait_for("/keys", count, timeout=30)[count - 1]

    before = comment("before the rotation", 1)
    assert unwraps(sdk, before, first_key)

    rotated = json.loads(server.portin("signing-key", "rotate", "--org",
                                       org["organization_id"], "--now", "--json"))
    assert rotated["public_key"] == first_key
    second_key = rotated["next_public_key"]
    assert second_key not in (None, first_key) and "seed" not in json.dumps(rotated)
    served = api.get("/public_key").json()["data"]
    assert served["public_key"] == first_key and served["next_public_key"] == second_key
    assert served["switch_at"] == rotated["switch_at"]
    refused = api.post("/public_key/actions/rotate", json={"immediately": True})
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "10011"

    # Sent before the switch: still the first key (the worker already held it).
    announced = comment("announced, not yet switched", 2)
    assert time.time() < _time(rotated["switch_at"]).timestamp()  # received, so sent, before
    assert unwraps(sdk, announced, first_key) and not unwraps(sdk, announced, second_key)

    time.sleep(max(0.0, _time(rotated["switch_at"]).timestamp() - time.time()) + 0.1)
    after = comment("after the switch", 3)
    assert unwraps(sdk, after, second_key)
    assert not unwraps(sdk, after, first_key)
    assert api.get("/public_key").json()["data"]["public_key"] == second_key

    # The switch is done: the next rotation is announced a day ahead; another one is refused.
    announced_again = json.loads(server.portin(
        "signing-key", "rotate", "--org", org["organization_id"], "--json"))
    assert announced_again["public_key"] == second_key
    again = subprocess.run([PORTIN, "signing-key", "rotate", "--org", org["organization_id"]],
                           env=server.env, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already announced" in again.stderr
    shown = json.loads(server.portin("signing-key", "show", "--org", org["organization_id"],
                                     "--json"))
    assert shown == announced_again
    api.close()
