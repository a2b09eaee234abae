"""portin as users install it: the wheel that pip builds, in a fresh venv, not editable.

The acceptance and browser tests run this install's `portin` command, so a file the wheel
leaves out (a template, a migration) fails them as it would fail a user. It is rebuilt when
the package's source, pyproject.toml or constraints.txt changed since the last build; a
stamp in the venv records what it was built from.

`python -m tests.support.installed` builds it (scripts/test does so before the tests run).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "portin"
BUILD = ROOT / "build"
DIST = BUILD / "dist"
VENV = BUILD / "installed"
PYTHON = str(VENV / "bin" / "python")
PORTIN = str(VENV / "bin" / "portin")
_STAMP = VENV / ".portin-source"


def package_files() -> list[Path]:
    """Every file of the package in the source tree (what the wheel must hold)."""
    return sorted(path for path in SOURCE.rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts
                  and path.suffix != ".pyc")


def _source_digest() -> str:
    digest = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", ROOT / "constraints.txt", *package_files()]:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def wheel() -> Path:
    wheels = sorted(DIST.glob("portin-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one portin wheel in {DIST}, found {wheels}")
    return wheels[0]


def _pip(python: str, *args: str) -> None:
    """pip, with its output shown only when it fails (its warnings would fill the test log)."""
    # Without PYTHONPATH: a source tree on it (PYTHONPATH=src) makes pip think portin is
    # already installed, and the fresh venv would be left without it.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    done = subprocess.run([python, "-m", "pip", "--disable-pip-version-check", "--quiet",
                           *args], cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def ensure_installed() -> Path:
    """Build the wheel and install it into a fresh venv, unless the current one is from the
    same source. Returns the wheel."""
    want = _source_digest()
    if _STAMP.exists() and _STAMP.read_text() == want and Path(PORTIN).exists():
        return wheel()
    shutil.rmtree(DIST, ignore_errors=True)
    shutil.rmtree(VENV, ignore_errors=True)
    _pip(sys.executable, "wheel", "--no-deps", "--wheel-dir", str(DIST), str(ROOT))
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    built = wheel()
    _pip(PYTHON, "install", "--constraint", str(ROOT / "constraints.txt"), str(built))
    _STAMP.write_text(want)
    return built


@pytest.fixture(scope="session", autouse=True)
def installed_wheel() -> Path:
    """For the tests that run the `portin` command: the install is current before they start."""
    return ensure_installed()


if __name__ == "__main__":
    sys.stdout.write(f"portin installed from {ensure_installed().name} into {VENV}\n")
