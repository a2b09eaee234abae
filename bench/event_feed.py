"""The event feed's throughput, in one run on loopback.

    .venv/bin/python bench/event_feed.py [--events 20000] [--database-url postgresql://...]

A --database-url is migrated and filled with benchmark data: give it a scratch database.

It commits --events events for one organization (100 to a transaction, through the same
`record()` every change uses, so each gets its sequence and feed position), then follows the
whole feed from the start three ways and prints events per second for each:
1. the ceiling: the bare SQL behind a page (1,000 events after a position), on the driver;
2. GET /v2/porting/event_feed pages of 1,000 from a real `portin serve` (no worker);
3. its Server-Sent Events stream (`?wait=false`, so it ends once caught up), read whole.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp
from delivery import PORTIN, free_port, get_json, make_org, write_events
from sqlalchemy import text

from portin.services import accounts
from portin.storage import migrations
from portin.storage.db import Database

PAGE = 1000


def bare_sql(db: Database, organization_id: str) -> float:
    statement = text(
        "SELECT id, porting_order_id, event_type, payload, created_at, sequence, feed_position"
        " FROM porting_events WHERE organization_id = :org AND feed_position > :after"
        " ORDER BY feed_position LIMIT :limit")
    read, after = 0, 0
    started = time.perf_counter()
    with db.engine.connect() as connection:
        while True:
            rows = connection.execute(statement, {"org": organization_id, "after": after,
                                                  "limit": PAGE}).all()
            if not rows:
                break
            read += len(rows)
            after = rows[-1].feed_position
    return read / (time.perf_counter() - started)


async def pages(base: str, key: str) -> tuple[int, float]:
    headers = {"Authorization": f"Bearer {key}"}
    read, after = 0, "0"
    started = time.perf_counter()
    async with aiohttp.ClientSession(headers=headers) as session:
        while True:
            async with session.get(f"{base}/v2/porting/event_feed",
                                   params={"after": after, "limit": PAGE}) as response:
                body = await response.json()
            read += len(body["data"])
            after = body["meta"]["next_cursor"]
            if not body["meta"]["has_more"]:
                break
    return read, read / (time.perf_counter() - started)


async def stream(base: str, key: str) -> tuple[int, float]:
    headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
    read = 0
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session, \
            session.get(f"{base}/v2/porting/event_feed/stream",
                        params={"wait": "false"}) as response:
        async for line in response.content:
            if line.startswith(b"id:"):
                read += 1
    return read, read / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="portin-feed-bench-")
    url = args.database_url or str(Path(folder) / "bench.db")
    migrations.upgrade(url)
    db = Database(url)
    organization_id, order, _ = make_org(db)
    with db.writing() as session:
        key = accounts.create_api_key(session, "user", organization_id)
    started = time.perf_counter()
    write_events(db, order, args.events, 100)
    written = args.events / (time.perf_counter() - started)
    print(f"database: {db.engine.dialect.name}; {os.cpu_count()} cores")
    print(f"write    {args.events} events, 100 to a transaction:      {written:8.0f} events/s")
    ceiling = bare_sql(db, organization_id)
    print(f"ceiling  bare SQL, pages of {PAGE}:                     {ceiling:8.0f} events/s")
    port = free_port()
    env = {**os.environ, "PORTIN_DATABASE_URL": url, "PORTIN_WORKER_PROCESSES": "0",
           "PORTIN_RATE_LIMIT_ENABLED": "0"}
    server = subprocess.Popen([PORTIN, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                get_json(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        read, rate = asyncio.run(pages(base, key))
        assert read == args.events, read
        print(f"portin   GET /v2/porting/event_feed, limit {PAGE}:     {rate:8.0f} events/s"
              f" ({rate / ceiling:.0%} of the bare SQL)")
        read, rate = asyncio.run(stream(base, key))
        assert read == args.events, read
        print(f"portin   the SSE stream, read whole:                 {rate:8.0f} events/s"
              f" ({rate / ceiling:.0%} of the bare SQL)")
    finally:
        server.terminate()
        server.wait(timeout=30)
        db.dispose()


if __name__ == "__main__":
    main()
