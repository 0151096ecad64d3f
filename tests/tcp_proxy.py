"""A TCP proxy a test can cut and restore, to take a server (PostgreSQL, say) away and bring it back."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Self

# How often a listener's accept loop looks whether it was cut or closed.
_POLL_SECONDS = 0.05


class TcpProxy:
    """Listens on 127.0.0.1, on a free port of its own, and forwards every connection to ``target``.

    ``cut()`` closes every forwarded connection and the listener, so new connections are refused as
    by a server that is down; ``restore()`` listens on the same port again. Each connection is two
    threads, one per direction.
    """

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432):
        self.target = (target_host, target_port)
        self.port: int | None = None
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []

    def start(self) -> Self:
        """Listen on a free port and forward from then on."""
        self._listen(0)
        return self

    def cut(self) -> None:
        """Drop every forwarded connection and refuse new ones until ``restore()``."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
        if listener is not None:
            listener.close()  # its accept loop sees it is no longer current and ends
        for connection in connections:
            _close(connection)

    def restore(self) -> None:
        """Accept and forward again, on the same port."""
        with self._lock:
            if self._listener is not None:
                return
        self._listen(self.port)

    def close(self) -> None:
        """Cut everything and wait for the proxy's threads to end."""
        self.cut()
        for thread in self._threads:
            thread.join(timeout=5)

    def _listen(self, port: int) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(_POLL_SECONDS)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        self._start_thread(self._accept, listener)

    def _start_thread(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads = [known for known in self._threads if known.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by cut()
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    _close(client)
                    _close(upstream)
                    continue
                self._connections |= {client, upstream}
            self._start_thread(self._pump, client, upstream)
            self._start_thread(self._pump, upstream, client)

    def _pump(self, source: socket.socket, destination: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections -= {source, destination}
            _close(source)
            _close(destination)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()


def _close(connection: socket.socket) -> None:
    """Shut a socket down both ways (waking a thread blocked reading it), then close it."""
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        connection.close()
