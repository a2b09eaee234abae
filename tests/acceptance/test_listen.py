"""`portin listen` verifies what a real `portin serve` sends, and refuses a forged webhook."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.acceptance.conftest import PORTIN, free_port, running_server


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def call(base: str, key: str, method: str, path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def wait_for_port(port: int, seconds: float = 15) -> None:
    """Until `portin listen` accepts connections (it starts in about a second and a half)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_listen_prints_verified_events_and_refuses_forgeries(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        org = server.new_org("listener")
        port = free_port()
        listener = subprocess.Popen(
            [PORTIN, "listen", "--port", str(port), "--public-key", org["public_key"]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_port(port)
            base = server.base_url + "/v2"
            order = call(base, org["api_key"], "POST", "/porting_orders",
                         {"phone_numbers": ["+17203330001"], "customer_reference": "lst"})
            order_id = order["data"][0]["id"]  # type: ignore[index]
            call(base, org["api_key"], "PATCH", f"/porting_orders/{order_id}",
                 {"webhook_url": f"http://127.0.0.1:{port}/"})
            call(base, org["api_key"], "POST", f"/porting_orders/{order_id}/actions/confirm")
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                deliveries = call(base, org["api_key"], "GET", "/webhook_deliveries")
                if any(d["status"] == "delivered" for d in deliveries["data"]):  # type: ignore[index]
                    break
                time.sleep(0.1)
            forged = json.dumps({"data": {"event_type": "porting_order.status_changed"}})
            status = post(f"http://127.0.0.1:{port}/", forged.encode(), {
                "Content-Type": "application/json", "telnyx-timestamp": str(int(time.time())),
                "telnyx-signature-ed25519": "AAAA"})
            assert status == 400
        finally:
            listener.terminate()
            out, err = listener.communicate(timeout=10)
    lines = [line for line in out.splitlines() if "porting_order.status_changed" in line]
    assert len(lines) == 1
    assert f"order={order_id}" in lines[0] and "-> in-process" in lines[0]
    assert "attempt 1" in lines[0]
    assert "REFUSED" in err
