"""The README's run command, as a person types it: ./scripts/serve prints working keys."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.acceptance.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_scripts_serve_prints_keys_that_work(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORTIN_DATABASE_URL": str(tmp_path / "portin.db")}
    process = subprocess.Popen([str(ROOT / "scripts" / "serve"), "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert process.stdout is not None
    output = ""
    try:
        deadline = time.monotonic() + 240  # the first run may install into .venv
        while time.monotonic() < deadline and "Uvicorn running on" not in output:
            line = process.stdout.readline()
            if not line:
                break
            output += line
        api_key = re.search(r"API key\s+: (\S+)", output)
        portal = re.search(r"sign in as (\S+) / (\S+)", output)
        assert api_key and portal, output
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/porting_orders",
                                         headers={"Authorization": f"Bearer {api_key[1]}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["meta"]["total_results"] == 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
