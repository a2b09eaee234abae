"""Delivery worker processes, started and looked after by `portin serve` (or by
`portin worker --processes N`).

Why processes and not a thread of the API's: sending is CPU work in Python, and a worker
thread would share one interpreter lock with the API, each slowing the other. A process of
its own uses another core, and a commit still reaches it at once (NOTIFY on PostgreSQL, a
datagram on SQLite).

Each child is `portin worker --supervised`: it stops when its standard input closes, so the
children go when their parent goes, even when the parent is killed outright. A child that
exits while the parent is running is started again.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.5
# A child that exits within this long of its start failed to start (say, the database
# cannot be reached): such exits in a row are restarted after growing delays. A child that
# ran longer had started fine (and was killed, or crashed): it is started again at once.
STARTUP_SECONDS = 5.0


def restart_delay(quick_failures: int) -> float:
    """Seconds to wait before starting a child again, after `quick_failures` exits in a row
    that each came soon after a start (say, the database cannot be reached): 0, then 1, 2,
    4 ... up to a minute, so a child that cannot run does not spin."""
    if quick_failures <= 0:
        return 0.0
    return float(min(60, 2 ** (quick_failures - 1)))


class WorkerProcesses:
    def __init__(self, database_url: str, count: int) -> None:
        self.database_url = database_url
        self.count = count
        self._children: list[subprocess.Popen[bytes] | None] = [None] * count
        self._started_at = [0.0] * count
        self._quick_failures = [0] * count
        self._restart_at: list[float | None] = [None] * count
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher = threading.Thread(target=self._watch, name="portin-workers",
                                         daemon=True)

    def _command(self, index: int) -> list[str]:
        command = [sys.executable, "-m", "portin", "worker", "--supervised",
                   "--database-url", self.database_url]
        if index > 0:
            command.append("--no-scheduler")  # one scheduler is enough
        return command

    def _spawn(self, index: int) -> None:
        # A session of its own: a Ctrl-C at the terminal reaches the parent, which stops the
        # children in order, and not the children directly (the parent would restart them).
        self._children[index] = subprocess.Popen(self._command(index), stdin=subprocess.PIPE,
                                                 start_new_session=True)
        self._started_at[index] = time.monotonic()
        self._restart_at[index] = None

    def start(self) -> None:
        with self._lock:
            for index in range(self.count):
                self._spawn(index)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_SECONDS):
            with self._lock:
                if self._stopping.is_set():
                    return
                for index, child in enumerate(self._children):
                    if child is None or child.poll() is None:
                        continue
                    now = time.monotonic()
                    if self._restart_at[index] is None:
                        ran = now - self._started_at[index]
                        self._quick_failures[index] = (
                            0 if ran > STARTUP_SECONDS else self._quick_failures[index] + 1)
                        delay = restart_delay(self._quick_failures[index])
                        log.warning("delivery worker process %d exited with %s; starting it"
                                    " again in %g s", child.pid, child.returncode, delay)
                        self._restart_at[index] = now + delay
                    restart_at = self._restart_at[index]
                    if restart_at is not None and now >= restart_at:
                        self._spawn(index)

    def stop(self, timeout: float = 60) -> None:
        """Graceful: each child finishes (or releases) what it is sending, then exits."""
        with self._lock:
            self._stopping.set()
            children = [child for child in self._children if child is not None]
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                log.error("delivery worker process %d did not stop in time; killing it",
                          child.pid)
                child.kill()
                child.wait()
            if child.stdin is not None:
                child.stdin.close()
