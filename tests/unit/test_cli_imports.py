"""The `portin` command's help loads click and little else: the web stack, SQLAlchemy and the
settings are imported by the commands that use them, when they run (issue #14). Each case runs
in a fresh interpreter and reads its sys.modules; nothing is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import portin

SOURCE = str(Path(portin.__file__).parent.parent)
HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "pydantic",
         "pydantic_settings", "aiohttp", "jinja2", "phonenumbers", "nacl", "limits",
         "portin.api", "portin.portal", "portin.delivery", "portin.storage", "portin.services",
         "portin.outbox", "portin.worker", "portin.config")

# Run the command as `portin ...` would, then list what it imported.
PROBE = """
import json, sys
from portin.cli.main import cli
try:
    cli(sys.argv[1:], prog_name="portin")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(*args: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": SOURCE}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    return list(json.loads(result.stdout.splitlines()[-1]))


def heavy(modules: list[str]) -> list[str]:
    return [name for name in modules
            if any(name == prefix or name.startswith(prefix + ".") for prefix in HEAVY)]


@pytest.mark.parametrize("args", [
    ["--help"], ["org", "--help"], ["org", "create", "--help"], ["user", "--help"],
    ["api-key", "--help"], ["operator-key", "--help"], ["signing-key", "--help"],
    ["signing-key", "show", "--help"], ["carriers", "--help"], ["serve", "--help"],
    ["worker", "--help"], ["listen", "--help"], ["simulate", "--help"], ["recover", "--help"],
])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    modules = modules_after(*args)
    assert "portin.cli.main" in modules and "click" in modules  # the probe did run
    assert heavy(modules) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check itself can fail: a command that loads the settings shows up."""
    assert "portin.config" in heavy(modules_after("signing-key", "rotate", "--org", "x",
                                                  "--switch-at", "not a time"))
