"""Document upload and download throughput, and the API process's memory under uploads.

    PYTHONPATH=src .venv/bin/python bench/documents.py [--rounds 5] [--out FILE]

(FILE defaults to bench/results-documents.txt.)

Against a real `portin serve` on loopback (SQLite in a scratch folder, one worker process as
serve runs it), with a 5 MiB PDF:
1. upload throughput (MiB of file per second) as multipart/form-data and as JSON base64 (the
   SDK's way), and download throughput (GET /v2/documents/{id}/download), one at a time;
2. the API process's resident memory while 10 uploads run at once (sampled from
   /proc/<pid>/status VmRSS every 5 ms; VmHWM as read after), against its idle RSS;
3. the ceiling: a bare Starlette app under the same uvicorn, in its own process, that reads an
   upload's body and drops it, and answers 5 MiB from memory, measured the same way.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent
PORTIN = str(Path(sys.executable).parent / "portin")
MIB = 1024 * 1024
SIZE = 5 * MIB
CONCURRENT = 10

ECHO_APP = '''
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BLOB = bytes(5 * 1024 * 1024)

async def upload(request):
    size = 0
    async for piece in request.stream():
        size += len(piece)
    return JSONResponse({"size": size})

async def download(request):
    return Response(BLOB, media_type="application/pdf")

app = Starlette(routes=[Route("/upload", upload, methods=["POST"]),
                        Route("/download", download)])
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


class RssSampler:
    """The highest VmRSS of a process seen while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, status_kib(self.pid, "VmRSS"))
            time.sleep(0.005)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(rounds: int, action: Callable[[], None]) -> float:
    """Best MiB/s of `rounds` runs of `action` (each moves one 5 MiB file)."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        best = max(best, SIZE / MIB / (time.perf_counter() - started))
    return best


def concurrently(action: Callable[[], None]) -> float:
    """Run `action` CONCURRENT times at once; seconds taken."""
    threads = [threading.Thread(target=action) for _ in range(CONCURRENT)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def expect(response: httpx.Response, status: int = 200) -> httpx.Response:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url}:"
                           f" {response.status_code} {response.text[:300]}")
    return response


def measure_portin(folder: Path, pdf: bytes, rounds: int) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "PORTIN_DATABASE_URL": str(folder / "portin.db"),
           "PORTIN_RATE_LIMIT_ENABLED": "false"}
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen([PORTIN, "serve", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base + "/healthz", process)
        org = json.loads(subprocess.run([PORTIN, "org", "create", "bench", "--json"], env=env,
                                        capture_output=True, check=True, text=True).stdout)
        headers = {"Authorization": f"Bearer {org['api_key']}"}
        encoded = json.dumps({"file": base64.b64encode(pdf).decode(), "filename": "loa.pdf"})
        ids: list[str] = []
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            def multipart() -> None:
                ids.append(expect(client.post("/v2/documents", files={
                    "file": ("loa.pdf", pdf, "application/pdf")})).json()["data"]["id"])

            def as_json() -> None:
                expect(client.post("/v2/documents", content=encoded,
                                   headers={"Content-Type": "application/json"}))

            multipart()  # warm up
            idle_kib = status_kib(process.pid, "VmRSS")
            figures: dict[str, Any] = {"idle_rss_kib": idle_kib}
            figures["upload_multipart"] = timed(rounds, multipart)
            figures["upload_json"] = timed(rounds, as_json)
            one = ids[0]

            def download() -> None:
                data = expect(client.get(f"/v2/documents/{one}/download")).content
                assert data == pdf

            figures["download"] = timed(rounds, download)

        def fresh_multipart() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=300) as own:
                expect(own.post("/v2/documents",
                                files={"file": ("loa.pdf", pdf, "application/pdf")}))

        def fresh_json() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=300) as own:
                expect(own.post("/v2/documents", content=encoded,
                                headers={"Content-Type": "application/json"}))

        for name, action in (("multipart", fresh_multipart), ("json", fresh_json)):
            before = status_kib(process.pid, "VmRSS")
            with RssSampler(process.pid) as sampler:
                seconds = concurrently(action)
            figures[f"concurrent_{name}"] = {
                "before_kib": before, "peak_kib": sampler.peak_kib,
                "hwm_kib": status_kib(process.pid, "VmHWM"), "seconds": seconds}
        return figures
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def measure_ceiling(folder: Path, rounds: int) -> dict[str, Any]:
    (folder / "echo_app.py").write_text(ECHO_APP)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "echo_app:app", "--port", str(port),
         "--log-level", "warning"], cwd=folder)
    base = f"http://127.0.0.1:{port}"
    blob = bytes(SIZE)
    try:
        wait_up(base + "/download", process)
        with httpx.Client(base_url=base, timeout=120) as client:
            def upload() -> None:
                expect(client.post("/upload", files={"file": ("loa.pdf", blob)}))

            def download() -> None:
                expect(client.get("/download"))

            upload()
            figures: dict[str, Any] = {"idle_rss_kib": status_kib(process.pid, "VmRSS")}
            figures["upload"] = timed(rounds, upload)
            figures["download"] = timed(rounds, download)

        def fresh_upload() -> None:
            with httpx.Client(base_url=base, timeout=300) as own:
                expect(own.post("/upload", files={"file": ("loa.pdf", blob)}))

        with RssSampler(process.pid) as sampler:
            figures["concurrent_seconds"] = concurrently(fresh_upload)
        figures["concurrent_peak_kib"] = sampler.peak_kib
        return figures
    finally:
        process.terminate()
        process.wait(timeout=30)


def report(portin: dict[str, Any], ceiling: dict[str, Any], command: str) -> str:
    def mib(kib: int) -> str:
        return f"{kib / 1024:7.1f} MiB"

    lines = [
        f"# {command}   ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())},"
        f" {os.cpu_count()} cores, shared)",
        "5 MiB PDF, loopback, httpx client; portin serve on SQLite (1 worker process);"
        " best of the rounds",
        f"ceiling  bare Starlette, upload (body read and dropped):"
        f" {ceiling['upload']:7.1f} MiB/s",
        f"ceiling  bare Starlette, download (from memory):        "
        f" {ceiling['download']:7.1f} MiB/s",
    ]
    for name, key, roof in (("upload multipart/form-data", "upload_multipart", "upload"),
                            ("upload JSON base64 (SDK)  ", "upload_json", "upload"),
                            ("download                  ", "download", "download")):
        lines.append(f"portin   {name}: {portin[key]:7.1f} MiB/s"
                     f" ({portin[key] / ceiling[roof]:.0%} of the ceiling)")
    lines.append(f"memory   portin API process idle RSS: {mib(portin['idle_rss_kib'])}")
    for name in ("multipart", "json"):
        figures = portin[f"concurrent_{name}"]
        growth = (figures["peak_kib"] - figures["before_kib"]) / 1024
        ratio = figures["peak_kib"] / portin["idle_rss_kib"]
        lines.append(
            f"memory   {CONCURRENT} concurrent {name:9} uploads: peak RSS"
            f" {mib(figures['peak_kib'])} ({ratio:.2f} x idle; +{growth:.1f} MiB over"
            f" {mib(figures['before_kib']).strip()} just before, i.e."
            f" {growth / (SIZE / MIB):.2f} x one file's size for {CONCURRENT} files),"
            f" VmHWM {mib(figures['hwm_kib']).strip()}, {figures['seconds']:.2f} s")
    growth = ceiling["concurrent_peak_kib"] - ceiling["idle_rss_kib"]
    lines.append(f"memory   ceiling, {CONCURRENT} concurrent uploads: peak RSS"
                 f" {mib(ceiling['concurrent_peak_kib'])} (+{growth / 1024:.1f} MiB over idle"
                 f" {mib(ceiling['idle_rss_kib']).strip()}), {ceiling['concurrent_seconds']:.2f} s")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results-documents.txt")
    args = parser.parse_args()
    pdf = b"%PDF-1.7\n" + os.urandom(SIZE - 9)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        ceiling = measure_ceiling(folder, args.rounds)
        portin = measure_portin(folder, pdf, args.rounds)
    command = "PYTHONPATH=src .venv/bin/python bench/documents.py" + (
        f" --rounds {args.rounds}" if args.rounds != 5 else "")
    text = report(portin, ceiling, command)
    sys.stdout.write(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
