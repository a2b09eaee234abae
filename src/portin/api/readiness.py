"""GET /readyz: ready when the database answers and its schema is the one this package's
migrations end at, so a load balancer sends no traffic to a process whose schema is behind
(or ahead, migrated by a newer portin) and would fail on the first changed table."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from portin.api.errors import error_body
from portin.storage import migrations
from portin.storage.database_errors import DATABASE_ERRORS, is_unreachable
from portin.storage.db import Database


class Readiness:
    def __init__(self, database: Database) -> None:
        self.database = database
        # Read from the migration files once, when the app is made: each check is one query.
        scripts = migrations.scripts()
        head = scripts.get_current_head()
        if head is None:
            raise RuntimeError(f"no migrations found in {migrations.HERE}")
        self.head: str = head
        self.known = {script.revision for script in scripts.walk_revisions()}

    def check(self) -> JSONResponse | dict[str, str]:
        try:
            with self.database.reading() as session:
                revisions = migrations.database_revisions(session)
        except DATABASE_ERRORS as exc:
            if is_unreachable(exc):
                raise  # the error handlers answer it: 503 "cannot be reached"
            revisions = set()  # no alembic_version table: never migrated
        if revisions == {self.head}:
            return {"status": "ok", "database": "ok", "migrations": "current"}
        return not_ready(self._why(revisions))

    def _why(self, revisions: set[str]) -> str:
        if not revisions:
            return (f"The database has no portin schema; run `portin migrate` (this portin"
                    f" needs revision {self.head}).")
        found = ", ".join(sorted(revisions))
        if revisions <= self.known:
            return (f"The database schema is at revision {found}; this portin needs {self.head}."
                    " Run `portin migrate`.")
        return (f"The database schema is at revision {found}, which this portin does not know"
                f" (it needs {self.head}): a newer portin has migrated it.")


def not_ready(detail: str) -> JSONResponse:
    return JSONResponse(error_body("10007", "Service unavailable", detail), status_code=503)
