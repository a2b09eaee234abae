"""A webhook receiver for the delivery benchmark: verifies every Ed25519 signature and records
when each event arrived. GET /count answers {"received", "bad"} (cheap enough to poll during a
run); GET /stats adds "arrivals": {event_id: [t]} (read once, at the end)."""

from __future__ import annotations

import argparse
import base64
import json
import time
from collections import defaultdict

from aiohttp import web
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--public-key", required=True)
    args = parser.parse_args()
    key = VerifyKey(base64.b64decode(args.public_key))
    arrivals: dict[str, list[float]] = defaultdict(list)
    counts = {"received": 0, "bad": 0}

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        now = time.time()
        timestamp = request.headers["telnyx-timestamp"]
        try:
            key.verify(timestamp.encode() + b"|" + body,
                       base64.b64decode(request.headers["telnyx-signature-ed25519"]))
        except (BadSignatureError, KeyError, ValueError):
            counts["bad"] += 1
            return web.Response(status=400)
        counts["received"] += 1
        arrivals[json.loads(body)["data"]["id"]].append(now)
        return web.Response(text="ok")

    async def count(_request: web.Request) -> web.Response:
        return web.json_response(counts)

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({**counts, "arrivals": arrivals})

    async def reset(_request: web.Request) -> web.Response:
        arrivals.clear()
        counts.update(received=0, bad=0)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook/{n}", hook)
    app.router.add_get("/count", count)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
