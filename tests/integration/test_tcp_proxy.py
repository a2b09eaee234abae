"""The test proxy itself: it forwards, `cut()` drops open connections and refuses new ones,
`restore()` forwards again, and stopping it leaves no thread or socket behind."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.tcp_proxy import THREAD_NAME, TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(data)


@contextmanager
def echo_server() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def echoes(sock: socket.socket) -> bool:
    try:
        sock.sendall(b"ping")
        return sock.recv(16) == b"ping"
    except OSError:
        return False


def proxy_threads() -> int:
    return sum(thread.name == THREAD_NAME for thread in threading.enumerate())


def test_cut_drops_and_refuses_restore_forwards_and_stopping_leaves_nothing() -> None:
    with echo_server() as port:
        with TcpProxy(port).running() as proxy:
            first = connect(proxy.port)
            assert echoes(first)

            proxy.cut()
            assert first.recv(16) == b""  # the open connection was closed
            first.close()
            refused = connect(proxy.port)
            assert refused.recv(16) == b""  # a new one is closed at once
            refused.close()

            proxy.restore()
            again = connect(proxy.port)
            assert echoes(again)
            # The acceptor, and one pump per open connection (the cut one's ends in a tick).
            deadline = time.monotonic() + 2
            while proxy_threads() != 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert proxy_threads() == 2
            assert (proxy.accepted, proxy.refused) == (2, 1)
        assert again.recv(16) == b""  # stopping closed it
        again.close()
        assert proxy_threads() == 0
        listening = socket.socket()
        try:
            assert listening.connect_ex(("127.0.0.1", proxy.port)) != 0  # no longer listening
        finally:
            listening.close()
