"""What a commit costs on PostgreSQL with `synchronous_commit` on and off: the wait for the
WAL's flush, which a worker's claim transaction would save with it off.

    .venv/bin/python bench/commit_cost.py --database-url postgresql://... [--commits 500]

Makes a scratch table in the given database (dropped after) and times single-row inserts, each
its own transaction, alternating the setting over --rounds rounds.
"""

from __future__ import annotations

import argparse
import time
import uuid

import psycopg


def per_commit_us(connection: psycopg.Connection[tuple[object, ...]], table: str,
                  commits: int) -> float:
    started = time.perf_counter()
    for n in range(commits):
        connection.execute(f"INSERT INTO {table} VALUES (%s)", (n,))
        connection.commit()
    return (time.perf_counter() - started) / commits * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    table = f"commit_cost_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(options.database_url) as connection:
        connection.execute(f"CREATE TABLE {table} (n int)")
        connection.commit()
        try:
            for round_number in range(1, options.rounds + 1):
                figures = []
                for setting in ("on", "off"):
                    connection.execute(f"SET synchronous_commit = {setting}")
                    connection.commit()
                    figures.append(f"synchronous_commit {setting:>3}:"
                                   f" {per_commit_us(connection, table, options.commits):6.0f}"
                                   " µs per insert and commit")
                print(f"round {round_number}: " + ";  ".join(figures), flush=True)
        finally:
            connection.execute(f"DROP TABLE {table}")
            connection.commit()


if __name__ == "__main__":
    main()
