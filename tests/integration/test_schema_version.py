"""The CLI's check before it migrates: the newest revision read from the migration files is
Alembic's own head, and a database is newest only when it records exactly that revision."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from portin.storage import migrations
from portin.storage.db import Database
from portin.storage.schema_version import VERSIONS, is_newest, newest_revision


def test_the_newest_revision_is_alembics_head() -> None:
    heads = ScriptDirectory.from_config(migrations.alembic_config("unused")).get_heads()
    assert [newest_revision()] == heads


def test_a_file_it_cannot_read_for_certain_leaves_it_to_alembic(tmp_path: Path) -> None:
    folder = tmp_path / "versions"
    shutil.copytree(VERSIONS, folder)
    assert newest_revision(folder) == newest_revision()
    head = folder / "9999_merge.py"
    head.write_text(f"revision = '9999'\ndown_revision = ('{newest_revision()}', '0001')\n"
                    "branch_labels = None\ndepends_on = None\n")
    assert newest_revision(folder) is None
    head.write_text("revision = '9999'\ndown_revision = None\ndepends_on = None\n")
    assert newest_revision(folder) is None  # two chains: two heads


def set_version(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"),
                           {"revision": revision})


def test_only_a_database_at_the_newest_revision_is_newest(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert is_newest(db)  # the fixture's database is migrated
        set_version(db, "0001")
        try:
            assert not is_newest(db)
        finally:
            set_version(db, str(newest_revision()))  # the PostgreSQL database is shared
        assert is_newest(db)
    finally:
        db.dispose()


def test_a_new_database_is_not_newest(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "new.db"))
    try:
        assert not is_newest(db)
    finally:
        db.dispose()
