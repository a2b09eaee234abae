"""Where an API request's time goes: `portin serve` under bench/api.py's load of one kind of
request, sampled by py-spy (only while a thread holds the GIL: CPU, not waiting), summed by
library and by the innermost portin function on the stack.

    pip install py-spy   # a profiler, not one of portin's dependencies
    .venv/bin/python bench/api_profile.py one_order [--database-url postgresql://...]

The request names are bench/api.py's (events_page, orders_page, one_order, create_order,
add_comment, status_move).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api

from portin.storage import migrations
from portin.storage.db import Database

FRAME = re.compile(r"(.*) \((.*):\d+\)")


def summarize(raw: Path, top: int) -> str:
    """py-spy's raw output (one "frame;frame;... count" line per stack) as two tables."""
    by_library: collections.Counter[str] = collections.Counter()
    by_portin_function: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = [(m.group(1), m.group(2)) for m in map(FRAME.match, stack.split(";")) if m]
        innermost = frames[-1][1] if frames else "?"
        library = innermost.split("/")[0]
        if library == "portin":
            library = "/".join(innermost.split("/")[:2])
        by_library[library] += samples
        portin_frames = [f"{name} ({path})" for name, path in frames if path.startswith("portin/")]
        by_portin_function[portin_frames[-1] if portin_frames else "(no portin frame)"] += samples
    lines = [f"{total} samples", "", "by library (innermost frame):"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in by_library.most_common(top)]
    lines += ["", "by the innermost portin function on the stack:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}"
              for name, n in by_portin_function.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("request")
    parser.add_argument("--database-url")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    folder = Path(tempfile.mkdtemp(prefix="portin-bench-profile-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    migrations.upgrade(database_url)
    db = Database(database_url)
    kind = {k.name: k for k in api.requests(api.fill(db, args.orders))}[args.request]
    db.dispose()
    port = api.free_port()
    server = api.start_portin(database_url, port, 1)
    base = f"http://127.0.0.1:{port}"
    numbers = api.Sequence(0)
    raw = folder / "samples.txt"
    try:
        asyncio.run(api.closed_loop(base, kind, numbers, False, 16, 1))  # warm up
        spy = subprocess.Popen([py_spy, "record", "--pid", str(server.pid), "--duration",
                                str(args.seconds), "--rate", "200", "--format", "raw",
                                "--output", str(raw), "--nonblocking", "--gil"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        figures = asyncio.run(api.closed_loop(base, kind, numbers, False, 16, args.seconds + 1))
        spy.wait(timeout=60)
    finally:
        api.stop(server)
    print(f"{args.request}: {figures.rate:,.0f} req/s under the profiler")
    print(summarize(raw, args.top))


if __name__ == "__main__":
    main()
