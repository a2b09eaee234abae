"""Alembic migrations, run in code (no alembic.ini): `portin migrate` and `portin serve`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.orm import Session

from portin.config import sqlalchemy_url

HERE = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    # ConfigParser interpolation: a literal '%' in a password must be doubled.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def scripts() -> ScriptDirectory:
    """The migration files this package ships (read from disk: call it once, not per use)."""
    return ScriptDirectory(str(HERE))


def database_revisions(session: Session) -> set[str]:
    """The revisions the database says it is at (one row on a linear chain, as portin's is).
    Raises the driver's error when the database has no alembic_version table."""
    return set(session.execute(text("SELECT version_num FROM alembic_version")).scalars())
