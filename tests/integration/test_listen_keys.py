"""`portin listen` across a key rotation: given the current and the next public key, its
receiver (on loopback, real HTTP) accepts a webhook signed with either and refuses one signed
with any other key."""

from __future__ import annotations

import asyncio
import base64
import time

import aiohttp
from aiohttp import web
from nacl.signing import SigningKey

from portin.cli.listen import make_app
from portin.delivery.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

BODY = (b'{"data":{"event_type":"porting_order.new_comment","id":"e1","occurred_at":"x",'
        b'"payload":{},"record_type":"event"},"meta":{"attempt":1,"delivered_to":"x"}}')


def _public(key: SigningKey) -> str:
    return base64.b64encode(bytes(key.verify_key)).decode()


async def _answers(keys: list[SigningKey], accepted: list[str]) -> list[int]:
    runner = web.AppRunner(make_app(accepted, as_json=False, path="/"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    statuses = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:
            for key in keys:
                timestamp = str(int(time.time()))
                headers = {TIMESTAMP_HEADER: timestamp,
                           SIGNATURE_HEADER: sign(key, timestamp, BODY)}
                async with client.post(f"http://127.0.0.1:{port}/", data=BODY,
                                       headers=headers) as answer:
                    statuses.append(answer.status)
    finally:
        await runner.cleanup()
    return statuses


def test_either_key_of_a_rotation_verifies_and_no_other() -> None:
    current, following, stranger = (SigningKey.generate() for _ in range(3))
    accepted = [_public(current), _public(following)]
    assert asyncio.run(_answers([current, following, stranger], accepted)) == [200, 200, 400]
    assert asyncio.run(_answers([following], [_public(current)])) == [400]
