"""The ceiling of bench/api.py: a bare FastAPI app on the same uvicorn that runs, per request,
the very statements portin ran for the same request (captured by bench/api.py), on the
driver's own connection, and answers the rows it read as JSON. No portin code runs here.

    python bench/api_bare.py --database-url URL --statements FILE --port PORT

Reads replay the captured statements as they are. Writes replay them with the values that
must be new each time (ids, support keys, phone numbers) replaced, and the event positions
taken from the counter upsert, as portin does, so the replay writes the same rows portin
writes.
"""

from __future__ import annotations

import argparse
import pickle
import re
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.pool import QueuePool

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INSERT_COLUMNS = re.compile(r"INSERT INTO (\w+) \(([^)]*)\)", re.S)


def new_value(old: str, counter: Iterator[int]) -> str:
    if UUID.match(old):
        return str(uuid.uuid4())
    if old.startswith("sr_"):
        return "sr_" + secrets.token_hex(3)
    if old.startswith("+"):  # a phone number: a fresh one, as each portin request sends
        return f"+1719{2_000_000 + next(counter) % 7_000_000:07d}"
    return old


def substitute(value: Any, fresh: dict[str, str]) -> Any:
    if isinstance(value, str):
        return fresh.get(value, value)
    if isinstance(value, dict):
        return {k: substitute(v, fresh) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(substitute(v, fresh) for v in value)
    return value


def set_positions(sql: str, params: Any, positions: dict[str, int]) -> Any:
    """The event row's feed_position and sequence, from this request's counter upsert."""
    match = _INSERT_COLUMNS.search(sql)
    if not match or match.group(1) != "porting_events" or not positions:
        return params
    wanted = {"feed_position": positions.get("organization"), "sequence": positions.get("order")}
    if isinstance(params, dict):
        return {k: wanted.get(k.split("__")[0], v) if wanted.get(k.split("__")[0]) is not None
                else v for k, v in params.items()}
    columns = [c.strip() for c in match.group(2).split(",")]
    values = list(params)
    for name, number in wanted.items():
        if number is not None and name in columns:
            values[columns.index(name)] = number
    return type(params)(values)


def make_app(database_url: str, scenarios: dict[str, Any]) -> FastAPI:
    is_sqlite = database_url.startswith("sqlite")
    engine = create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://", 1),
        poolclass=QueuePool, pool_size=10, max_overflow=10,
        connect_args={"check_same_thread": False} if is_sqlite else {})
    write_lock = threading.Lock()  # portin's writers of one process take turns on SQLite too
    numbers = iter(range(10**9))
    app = FastAPI()

    @contextmanager
    def transaction(writes: bool) -> Iterator[Any]:
        connection = engine.raw_connection()
        lock = write_lock if (writes and is_sqlite) else None
        if lock:
            lock.acquire()
        try:
            if is_sqlite:
                connection.isolation_level = None
                connection.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
            yield connection
            connection.commit() if writes else connection.rollback()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if lock:
                lock.release()
            connection.close()

    def run(name: str) -> dict[str, Any]:
        scenario = scenarios[name]
        fresh = {old: new_value(old, numbers) for old in scenario["fresh"]}
        answer: dict[str, Any] = {}
        with transaction(scenario["writes"]) as connection:
            cursor = connection.cursor()
            positions: dict[str, int] = {}
            for index, (sql, params, many) in enumerate(scenario["statements"]):
                if many:
                    cursor.executemany(sql, substitute(params, fresh))
                    continue
                params = set_positions(sql, substitute(params, fresh), positions)
                cursor.execute(sql, params)
                if cursor.description is None:
                    continue
                columns = [c[0] for c in cursor.description]
                rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
                if sql.lstrip().startswith("INSERT INTO event_positions"):
                    positions = {row["scope"]: row["last"] for row in rows}
                answer[str(index)] = rows
        return answer

    for name in scenarios:
        # Each a plain sync route, as a FastAPI app doing blocking SQL would have.
        app.add_api_route(f"/{name}", (lambda n=name: run(n)),
                          methods=["POST" if scenarios[name]["writes"] else "GET"])
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--statements", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with open(args.statements, "rb") as file:
        scenarios = pickle.load(file)
    uvicorn.run(make_app(args.database_url, scenarios), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
