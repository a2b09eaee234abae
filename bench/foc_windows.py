"""Latency of GET /v2/porting_orders/{id}/allowed_foc_windows: p50/p99 through the real app
in-process (ASGI, no network), for orders of 1, 10 and 100 numbers, beside the pure rule alone
(domain.foc_windows.foc_windows, no database).

    PYTHONPATH=src .venv/bin/python bench/foc_windows.py                       # SQLite (temp)
    PYTHONPATH=src .venv/bin/python bench/foc_windows.py --database-url postgresql://...

A --database-url is migrated and written to: give it a scratch database.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from portin.api.app import create_app
from portin.config import Settings
from portin.domain.foc_windows import foc_windows
from portin.services.accounts import create_api_key, create_organization
from portin.storage import migrations
from portin.storage.db import Database

AREA_CODES = ("303", "720", "212", "415", "312")


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """(p50, p99) in milliseconds of `runs` calls, after 20 warm-up calls."""
    for _ in range(20):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or str(Path(folder) / "bench.db")
        migrations.upgrade(url)
        db = Database(url)
        with db.writing() as session:
            organization = create_organization(session, "bench")
            key = create_api_key(session, "user", organization.id)
        headers = {"Authorization": f"Bearer {key}"}
        app = create_app(Settings(database_url=url), db)
        print(f"database: {db.url.split(':')[0]}, {args.runs} calls each")
        with TestClient(app) as client:
            for tag, size in enumerate((1, 10, 100), start=1):
                numbers = [f"+1{AREA_CODES[i % len(AREA_CODES)]}44{tag}{i:04d}"
                           for i in range(size)]
                created = client.post("/v2/porting_orders", headers=headers,
                                      json={"phone_numbers": numbers})
                assert created.status_code == 201, created.text
                path = f"/v2/porting_orders/{created.json()['data'][0]['id']}"

                def ask(path: str = path) -> object:
                    answer = client.get(f"{path}/allowed_foc_windows", headers=headers)
                    assert answer.status_code == 200, answer.text
                    return answer

                count = len(ask().json()["data"])  # type: ignore[attr-defined]
                p50, p99 = timed(ask, args.runs)
                print(f"allowed_foc_windows, {size:>3} number(s), {count} windows:"
                      f" p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        now = datetime.now(UTC)
        holidays = frozenset({date(now.year, 12, 25), date(now.year + 1, 1, 1)})
        zones = ["America/Denver", "America/New_York"]
        p50, p99 = timed(lambda: foc_windows(now, zones, 3, holidays), args.runs)
        print(f"the rule alone (two zones, 30 days): p50 {p50:.3f} ms, p99 {p99:.3f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
