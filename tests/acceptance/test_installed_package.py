"""What users install: the wheel holds every file of the package, and the `portin` these
tests run is that wheel, installed (not an editable link to the source tree)."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from tests.support.installed import PYTHON, SOURCE, VENV, package_files


def test_the_wheel_holds_every_file_of_the_package(installed_wheel: Path) -> None:
    inside = {name for name in zipfile.ZipFile(installed_wheel).namelist()
              if name.startswith("portin/")}
    in_source = {path.relative_to(SOURCE.parent).as_posix() for path in package_files()}
    assert sorted(in_source - inside) == []  # left out of the wheel
    assert sorted(inside - in_source) == []  # in the wheel but not in the source tree


def test_the_tests_run_the_installed_wheel_not_the_source_tree() -> None:
    where = subprocess.run(
        [PYTHON, "-c", "import portin, portin.portal; print(portin.__file__)"],
        capture_output=True, text=True, check=True, cwd="/").stdout.strip()
    assert Path(where).is_relative_to(VENV / "lib"), where
    site_packages = Path(where).parent.parent
    assert not list(site_packages.glob("__editable__*portin*")), "an editable install"
    templates = Path(where).parent / "portal" / "templates" / "partials"
    assert sorted(p.name for p in templates.iterdir()) == sorted(
        p.name for p in (SOURCE / "portal" / "templates" / "partials").iterdir())
