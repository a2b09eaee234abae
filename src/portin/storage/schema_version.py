"""Whether a database's schema is at the newest migration, told without Alembic.

The CLI's small commands migrate before they run; importing Alembic to find nothing to do
costs them more than their own work (about 130 ms), so they ask here first and import it only
when the database is behind. The newest revision is read from the migration files' own
`revision = '...'` and `down_revision = '...'` lines. Whatever this cannot read for certain
(another form of those lines, a merge, several heads, no version table) answers "not known
to be newest", and Alembic decides as before.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portin.storage.db import Database

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_ASSIGNMENT = re.compile(r"^(revision|down_revision|depends_on) = (None|'\w+'|\"\w+\")$",
                         re.MULTILINE)


def newest_revision(folder: Path = VERSIONS) -> str | None:
    """The one head of the chain of migrations in `folder`, or None if it is not certain."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        found = _ASSIGNMENT.findall(path.read_text(encoding="utf-8"))
        values = {name: None if value == "None" else value[1:-1] for name, value in found}
        if len(found) != 3 or len(values) != 3 or values["depends_on"] is not None:
            return None
        revision, parent = values["revision"], values["down_revision"]
        if revision is None or revision in revisions:
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_newest(db: Database) -> bool:
    """Whether the database records exactly the newest revision (False on any doubt)."""
    newest = newest_revision()
    if newest is None:
        return False
    try:
        with db.engine.connect() as connection:
            stored = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no version table yet: a new database
        return False
    return [row[0] for row in stored] == [newest]
