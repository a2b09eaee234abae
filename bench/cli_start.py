"""How long the `portin` command takes to start and finish, against the bare interpreter.

    .venv/bin/python bench/cli_start.py [--runs 15] [--portin build/installed/bin/portin]
                                        [--source src]

Each command runs `--runs` times as a fresh process: the console script given with --portin,
or `python -m portin` with PYTHONPATH=--source (by default this tree's src, so another
checkout's src measures that version). The commands that touch the database use a scratch
SQLite file, migrated by the first of them. Prints the median and the fastest wall time of
each, after the ceiling measured in the same run: `python -c pass` and `python -c "import
click"`, what no click command can beat, and the imports of SQLAlchemy's ORM and of portin's
models, what no command that opens the database can beat.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

Args = Callable[[int], list[str]]  # the command's arguments for its i-th run


def wall_times(command: Args, runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        subprocess.run(command(i), env=env, check=True, stdout=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def _importing(module: str) -> Args:
    return lambda _i: [sys.executable, "-c", f"import {module}"]


def report(name: str, times: list[float]) -> None:
    print(f"{name:<34} median {statistics.median(times) * 1000:6.0f} ms"
          f"   min {min(times) * 1000:6.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--portin", help="The console script to run (default: python -m portin).")
    parser.add_argument("--source", default=str(ROOT / "src"),
                        help="PYTHONPATH for python -m portin.")
    options = parser.parse_args()
    portin = [options.portin] if options.portin else [sys.executable, "-m", "portin"]
    folder = Path(tempfile.mkdtemp(prefix="portin-cli-start-"))
    env = {**os.environ, "PYTHONPATH": options.source,
           "PORTIN_DATABASE_URL": str(folder / "portin.db")}
    made = subprocess.run([*portin, "org", "create", "bench", "--json"], env=env, check=True,
                          capture_output=True, text=True)  # migrates the scratch database
    org = json.loads(made.stdout)["organization_id"]

    print(f"runs per command: {options.runs}; portin: {' '.join(portin)}"
          + ("" if options.portin else f" (PYTHONPATH={options.source})"))
    report("python -c pass", wall_times(lambda i: [sys.executable, "-c", "pass"],
                                        options.runs, env))
    report("python -c 'import click'",
           wall_times(lambda i: [sys.executable, "-c", "import click"], options.runs, env))
    # The floor of a command that opens the database: its data layer's imports alone.
    for module in ("sqlalchemy.orm", "portin.storage.models"):
        report(f"python -c 'import {module}'",
               wall_times(_importing(module), options.runs, env))
    commands: dict[str, Args] = {
        "portin --help": lambda i: [*portin, "--help"],
        "portin org --help": lambda i: [*portin, "org", "--help"],
        "portin signing-key --help": lambda i: [*portin, "signing-key", "--help"],
        "portin serve --help": lambda i: [*portin, "serve", "--help"],
        "portin org create": lambda i: [*portin, "org", "create", f"bench-{i}"],
        "portin api-key list": lambda i: [*portin, "api-key", "list", "--org", org],
        "portin operator-key create": lambda i: [*portin, "operator-key", "create"],
        "portin signing-key show": lambda i: [*portin, "signing-key", "show", "--org", org],
        "portin user create": lambda i: [*portin, "user", "create", "--org", org, "--email",
                                         f"bench-{i}@example.com", "--password",
                                         "a bench password"],
    }
    for name, command in commands.items():
        report(name, wall_times(command, options.runs, env))


if __name__ == "__main__":
    main()
