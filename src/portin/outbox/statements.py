"""Running the catalogue's statements on one driver connection (sqlite3 or psycopg), inside
the caller's transaction (see `Database.driver_writing`); the caller commits."""

from __future__ import annotations

from typing import Any

from portin.outbox.queries import SQL
from portin.outbox.rows import Row
from portin.outbox.spelling import SPELLINGS, Spelling


class Statements:
    def __init__(self, connection: Any, dialect_name: str) -> None:
        self.connection = connection
        self.spelling: Spelling = SPELLINGS[dialect_name]
        self._sql = SQL[dialect_name]

    def rows(self, name: str, params: dict[str, Any]) -> list[Row]:
        """The statement's rows, each read by column name."""
        cursor = self.spelling.named_cursor(self.connection)
        try:
            cursor.execute(self._sql[name], params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def many(self, name: str, rows: list[dict[str, Any]]) -> int:
        """Run the statement once per parameter set; how many rows it changed in all."""
        cursor = self.connection.cursor()
        try:
            cursor.executemany(self._sql[name], rows)
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def execute(self, sql: str) -> None:
        """A statement outside the catalogue: a savepoint, a setting."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()
