"""A TCP proxy on loopback that a test can cut, to make a database outage without touching the
real server: `cut()` drops every open connection at once and closes new ones as they come;
`restore()` forwards again. Threads only; `running()` stops them all and closes every socket."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator

_CHUNK = 65536
_TICK = 0.05  # how often the threads look whether they should stop
THREAD_NAME = "tcp-proxy"


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_TICK)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._cut = False
        self.accepted = 0  # connections made while forwarding (what a test can count)
        self.refused = 0  # connections closed at once while cut

    # -- what a test calls ----------------------------------------------------------------
    def cut(self) -> None:
        with self._lock:
            self._cut = True
            doomed, self._open = self._open, set()
        for sock in doomed:
            _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    # -- the threads ----------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                if self._cut:
                    self.refused += 1
                    _close(client)
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._cut:  # cut while connecting
                    _close(client)
                    _close(upstream)
                    continue
                self.accepted += 1
                self._open.update((client, upstream))
                thread = threading.Thread(target=self._pump, args=(client, upstream),
                                          name=THREAD_NAME, daemon=True)
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        """Both directions of one connection, until either side closes or the proxy cuts."""
        peers = {client: upstream, upstream: client}
        try:
            while not self._stopping.is_set():
                try:
                    ready, _, _ = select.select(list(peers), [], [], _TICK)
                except (OSError, ValueError):
                    return  # closed by cut()
                for sock in ready:
                    data = sock.recv(_CHUNK)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            with self._lock:
                self._open.difference_update(peers)
            _close(client)
            _close(upstream)

    @contextlib.contextmanager
    def running(self) -> Iterator[TcpProxy]:
        acceptor = threading.Thread(target=self._accept_loop, name=THREAD_NAME, daemon=True)
        acceptor.start()
        try:
            yield self
        finally:
            self._stopping.set()
            acceptor.join(timeout=5)
            self._listener.close()
            self.cut()
            with self._lock:
                threads = list(self._threads)
            for thread in threads:
                thread.join(timeout=5)


def _close(sock: socket.socket) -> None:
    # shutdown() first: it wakes a thread blocked on this socket, which close() alone does not.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
