"""`portin listen`: a local webhook receiver that verifies each signature and prints the event."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import click
from aiohttp import web

from portin.delivery.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


def summary(event: dict[str, object]) -> str:
    """One line: time, type, order, and what changed."""
    data = event.get("data") if isinstance(event.get("data"), dict) else event
    assert isinstance(data, dict)
    payload = data.get("payload") or {}
    assert isinstance(payload, dict)
    meta = event.get("meta") if isinstance(event.get("meta"), dict) else {}
    assert isinstance(meta, dict)
    kind = str(data.get("event_type", "?"))
    order = payload.get("id") or payload.get("porting_order_id") or (
        (payload.get("from") or {}).get("id") if isinstance(payload.get("from"), dict) else None)
    detail = ""
    if kind.endswith("status_changed"):
        status = payload.get("status") or {}
        assert isinstance(status, dict)
        codes = ",".join(str(d.get("code")) for d in status.get("details") or [])
        detail = f"-> {status.get('value')}" + (f" [{codes}]" if codes else "")
    elif kind.endswith("new_comment"):
        comment = payload.get("comment") or {}
        assert isinstance(comment, dict)
        detail = f"{comment.get('user_type')}: {str(comment.get('body'))[:60]!r}"
    elif kind.endswith("split"):
        to = payload.get("to") or {}
        assert isinstance(to, dict)
        detail = f"-> new order {to.get('id')}"
    elif kind.endswith("messaging_changed"):
        messaging = payload.get("messaging") or {}
        assert isinstance(messaging, dict)
        detail = f"messaging {messaging.get('messaging_port_status')}"
    elif kind.endswith("deleted"):
        detail = f"deleted at {payload.get('deleted_at')}"
    return (f"{data.get('occurred_at')} {kind} order={order} {detail} "
            f"(event {data.get('id')}, attempt {meta.get('attempt')})")


def make_app(public_keys: Sequence[str], as_json: bool, path: str) -> web.Application:
    """A webhook verifies with any of `public_keys`: the current key and, across a rotation,
    the announced next one (GET /v2/public_key's next_public_key)."""
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        now = time.time()
        if not any(verify(key, timestamp, body, signature, now) for key in public_keys):
            click.echo(f"REFUSED: bad or missing signature from {request.remote}", err=True)
            return web.json_response({"error": "bad signature"}, status=400)
        try:
            event = json.loads(body)
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        click.echo(json.dumps(event, indent=2) if as_json else summary(event))
        return web.json_response({"received": True})

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post(path, receive)
    return app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9000, show_default=True, type=int)
@click.option("--path", default="/", show_default=True, help="The path webhooks are POSTed to.")
@click.option("--public-key", "public_keys", required=True, multiple=True,
              envvar="TELNYX_PUBLIC_KEY",
              help="The organization's public key (base64), from GET /v2/public_key. Give it"
                   " twice across a key rotation: the current key and next_public_key.")
@click.option("--json", "as_json", is_flag=True, help="Print each event's whole JSON.")
def listen(host: str, port: int, path: str, public_keys: tuple[str, ...],
           as_json: bool) -> None:
    """Receive webhooks locally: verify each, print it, answer 200 (or 400 if the signature
    does not verify)."""
    click.echo(f"listening on http://{host}:{port}{path}", err=True)
    web.run_app(make_app(public_keys, as_json, path), host=host, port=port, print=None)
