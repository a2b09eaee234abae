"""`portin listen`: a local webhook receiver that verifies each signature and prints the event;
or (--stream) a follower of the event feed's stream that prints each event."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # aiohttp is imported when a command runs, not for `portin --help`
    from aiohttp import web

    from portin.cli.event_stream import StreamEvent


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
    where = (f"attempt {meta.get('attempt')}" if "attempt" in meta
             else f"sequence {data.get('sequence')}, cursor {data.get('cursor')}")
    return (f"{data.get('occurred_at')} {kind} order={order} {detail} "
            f"(event {data.get('id')}, {where})")


def make_app(public_keys: Sequence[str], as_json: bool, path: str) -> web.Application:
    """A webhook verifies with any of `public_keys`: the current key and, across a rotation,
    the announced next one (GET /v2/public_key's next_public_key)."""
    from aiohttp import web

    from portin.delivery.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

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
@click.option("--public-key", "public_keys", multiple=True, envvar="TELNYX_PUBLIC_KEY",
              help="The organization's public key (base64), from GET /v2/public_key. Needed to"
                   " receive webhooks; give it twice across a key rotation: the current key"
                   " and next_public_key.")
@click.option("--json", "as_json", is_flag=True, help="Print each event's whole JSON.")
@click.option("--stream", is_flag=True,
              help="Follow the event feed's stream (GET /v2/porting/event_feed/stream) instead"
                   " of receiving webhooks.")
@click.option("--api-key", envvar="TELNYX_API_KEY", help="With --stream: the API key.")
@click.option("--base-url", default="http://127.0.0.1:8080", show_default=True,
              envvar="PORTIN_BASE_URL", help="With --stream: where portin serves (with or"
                                             " without /v2).")
@click.option("--after", default=None,
              help="With --stream: the cursor to start after (default: the feed's start).")
def listen(host: str, port: int, path: str, public_keys: tuple[str, ...], as_json: bool,
           stream: bool, api_key: str | None, base_url: str, after: str | None) -> None:
    """Receive webhooks locally: verify each, print it, answer 200 (or 400 if the signature
    does not verify). With --stream: follow the organization's event feed instead, print each
    event as it arrives, and go on after the last one printed when the connection is lost."""
    if stream:
        if not api_key:
            raise click.UsageError("--stream needs --api-key (or TELNYX_API_KEY).")
        _follow_stream(base_url, api_key, after, as_json)
        return
    if not public_keys:
        raise click.UsageError("Receiving webhooks needs --public-key (or TELNYX_PUBLIC_KEY).")
    from aiohttp import web

    click.echo(f"listening on http://{host}:{port}{path}", err=True)
    web.run_app(make_app(public_keys, as_json, path), host=host, port=port, print=None)


def _follow_stream(base_url: str, api_key: str, after: str | None, as_json: bool) -> None:
    import asyncio

    from portin.cli.event_stream import StreamRefused, follow, stream_url

    def printed(event: StreamEvent) -> None:
        item = json.loads(event.data)
        click.echo(json.dumps(item, indent=2) if as_json else summary(item))

    def lost(why: str) -> None:
        click.echo(why, err=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        click.echo(f"following {stream_url(base_url)}", err=True)
        await follow(base_url, api_key, after, printed, lost, stop)

    try:
        asyncio.run(main())
    except StreamRefused as exc:
        raise click.ClickException(f"the stream was refused: {exc}") from exc
