"""executemany straight to SQLite's driver, for the delivery worker's attempt records.

SQLAlchemy prepares every row's parameters in Python (one dict and a type conversion per
value); for the attempts a worker records, that cost about as much as SQLite's own work
(`bench/delivery.py`, and a claim-and-record loop without sending: 0.15 ms per delivery
through SQLAlchemy, 0.09 ms straight to sqlite3). So on SQLite the statement, compiled once,
goes to sqlite3's executemany, each value converted by its column type's own bind processor
(times as UTC text, JSON compact), so what is stored is what SQLAlchemy would store. Other
databases take SQLAlchemy's path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase


def _as_is(value: Any) -> Any:
    return value


class ManyRows:
    def __init__(self, statement: UpdateBase) -> None:
        self.statement = statement
        self._sql = ""
        self._plan: list[tuple[str, Any, Callable[[Any], Any]]] = []

    def _compile(self, connection: Connection) -> None:
        dialect = connection.dialect
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        assert compiled.positiontup is not None  # SQLite's parameters are positional
        self._sql = compiled.string
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            # Each value is converted by its type's own processor, as SQLAlchemy would.
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect) or _as_is
            self._plan.append((name, bind.value, convert))  # a value set in the statement

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run the statement once per row; return how many rows it changed in all."""
        if connection.dialect.name != "sqlite":
            return int(connection.execute(self.statement, list(rows)).rowcount)
        if not self._plan:
            self._compile(connection)
        values = [tuple(convert(row.get(name, default)) for name, default, convert in self._plan)
                  for row in rows]
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self._sql, values)
            return int(cursor.rowcount)
        finally:
            cursor.close()
