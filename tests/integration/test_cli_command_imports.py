"""The CLI's small database commands load SQLAlchemy and the services they call, never the web
stack or the delivery code (issue #14); read from sys.modules in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_cli_imports import PROBE, SOURCE

# psycopg and limits too: on SQLite (as here) a small command needs neither, and each costs
# about as much to import as the command's own work.
WEB_AND_DELIVERY = ("fastapi", "starlette", "uvicorn", "aiohttp", "jinja2", "sse_starlette",
                    "aiosmtplib", "prometheus_client", "psycopg", "limits", "portin.api",
                    "portin.portal", "portin.delivery", "portin.worker")


def run(folder: Path, *args: str) -> tuple[list[str], str]:
    env = {**os.environ, "PYTHONPATH": SOURCE, "PORTIN_DATABASE_URL": str(folder / "cli.db")}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    *output, modules = result.stdout.splitlines()
    return list(json.loads(modules)), "\n".join(output)


@pytest.mark.parametrize("command", [
    ["operator-key", "create"], ["api-key", "list"], ["signing-key", "show"],
    ["user", "create", "--email", "someone@example.com", "--password", "a long password"],
])
def test_small_commands_leave_the_web_stack_alone(tmp_path: Path, command: list[str]) -> None:
    made, printed = run(tmp_path, "org", "create", "acme", "--json")  # migrates the new file
    org = json.loads(printed)["organization_id"]
    assert "alembic" in made  # a new database is migrated first
    args = [*command, "--org", org] if command[0] != "operator-key" else command
    modules, output = run(tmp_path, *args)
    assert output  # the command did its work
    assert "sqlalchemy" in modules and "alembic" not in modules  # already the newest schema
    assert [name for name in modules if any(name == prefix or name.startswith(prefix + ".")
                                            for prefix in WEB_AND_DELIVERY)] == []
