"""The gunicorn worker both apps run on: gunicorn's threaded worker, with deadlines on every socket.

A State that wants the channel shut opens many connections and sends nothing, or sends a byte now
and then. Gunicorn's ``gthread`` worker already keeps idle kept-alive connections in a poller; this
subclass makes every connection wait there until its first byte (not in a thread, as gunicorn 27 does
for five seconds), and gives every read a deadline:

* the request line and headers must arrive within ``HEADER_SECONDS`` of the first byte;
* the body is read under the deadline the app's input stream sets (``web.bodies``: a minimum rate);
* every response write must finish at a minimum rate too (a client that stops reading is dropped).

So an idle connection costs a file descriptor, a slow one a thread for seconds, and neither a place in
the queue of a person who sends at ordinary speed. See deploy/README.md for why threads, not gevent.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import selectors
import signal
import socket
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker  # type: ignore[import-untyped]

# The request line and headers are one or two Tor cells; 20 s covers a slow circuit.
HEADER_SECONDS = 20.0
# A connection that sends nothing at all is closed after this long (it waits in the poller).
FIRST_BYTE_SECONDS = 30.0
# After the app answered, unread body bytes are drained for at most this long.
DRAIN_SECONDS = 5.0
# Writing a response: this long plus one second per SEND_MIN_RATE bytes.
SEND_GRACE_SECONDS = 30.0
SEND_MIN_RATE = 2048
MALLOC_ARENAS = 2


class ReadDeadlineExceeded(TimeoutError):
    """The peer did not send what it had to in time."""


class DeadlineSocket:
    """A connected socket whose reads fail after ``read_deadline`` (``time.monotonic()``) and whose
    writes fail below a minimum rate. Everything else is the socket's own."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.read_deadline: float | None = None
        # The app clears this when it refused a body it did not read to the end: what the peer
        # still sends is then not drained (that would hold the thread), the connection closes.
        self.drain_after_response = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def _timed(self, call: Any, timeout: float, *args: Any) -> Any:
        previous = self._sock.gettimeout()
        self._sock.settimeout(timeout)
        try:
            return call(*args)
        finally:
            self._sock.settimeout(previous)

    def _read(self, call: Any, *args: Any) -> Any:
        if self.read_deadline is None:
            return call(*args)
        remaining = self.read_deadline - time.monotonic()
        if remaining <= 0:
            raise ReadDeadlineExceeded("read deadline passed")
        try:
            return self._timed(call, remaining, *args)
        except TimeoutError as error:
            raise ReadDeadlineExceeded("read deadline passed") from error

    def recv(self, size: int, *flags: int) -> bytes:
        return self._read(self._sock.recv, size, *flags)  # type: ignore[no-any-return]

    def recv_into(self, buffer: Any, *args: int) -> int:
        return self._read(self._sock.recv_into, buffer, *args)  # type: ignore[no-any-return]

    def sendall(self, data: Any, *flags: int) -> None:
        # Since Python 3.5 the timeout bounds the whole sendall, not each send.
        timeout = SEND_GRACE_SECONDS + len(data) / SEND_MIN_RATE
        self._timed(self._sock.sendall, timeout, data, *flags)

    def send(self, data: Any, *flags: int) -> int:
        timeout = SEND_GRACE_SECONDS + len(data) / SEND_MIN_RATE
        return self._timed(self._sock.send, timeout, data, *flags)  # type: ignore[no-any-return]


class DeadlineConn(TConn):  # type: ignore[misc]
    def __init__(self, cfg: Any, sock: socket.socket, client: Any, server: Any) -> None:
        super().__init__(cfg, DeadlineSocket(sock), client, server)

    def close(self, graceful: bool = False) -> None:
        # Gunicorn closes "gracefully" on the worker's main thread, reading what the peer still
        # sends for up to 2 s: a peer that trickles would stall the loop that accepts everyone.
        # Here: send FIN, drop what already arrived without waiting, close.
        if graceful:
            try:
                self.sock.shutdown(socket.SHUT_WR)
                self.sock.setblocking(False)
                for _ in range(16):
                    if not self.sock.recv(65536):
                        break
            except OSError:
                pass
        with contextlib.suppress(OSError):
            self.sock.close()


def die_with_parent() -> None:
    """Ask Linux to kill this process when the process that forked it (the gunicorn master) dies,
    so that a master killed with SIGKILL leaves no worker holding the port."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def bound_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """glibc gives threads their own malloc arenas (up to 8 per core), each keeping freed memory
    for itself; a few hundred threads would spread a worker's memory over many. Cap them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        m_arena_max = -8
        libc.mallopt(m_arena_max, arenas)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


class ReprisalThreadWorker(ThreadWorker):  # type: ignore[misc]
    """``worker_class = "reprisal_intake.web.worker.ReprisalThreadWorker"`` (deploy/gunicorn)."""

    def init_process(self) -> None:
        die_with_parent()
        bound_malloc_arenas()
        super().init_process()

    def accept(self, listener: socket.socket) -> None:
        # A new connection waits in the poller until it sends something: an idle connection never
        # holds a thread. It is closed if nothing comes within FIRST_BYTE_SECONDS.
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = DeadlineConn(self.cfg, client_sock, client_addr, listener.getsockname())
        conn.timeout = time.monotonic() + FIRST_BYTE_SECONDS
        self.pending_conns.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def handle(self, conn: Any) -> Any:
        conn.data_ready = True
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.read_deadline = time.monotonic() + HEADER_SECONDS
            conn.sock.drain_after_response = True
        return super().handle(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        if isinstance(conn.sock, DeadlineSocket):
            # The app sets the body's deadline as it reads (web.bodies.MinimumRateInput).
            conn.sock.read_deadline = None
        try:
            return super().handle_request(req, conn)
        finally:
            if isinstance(conn.sock, DeadlineSocket):
                drain = DRAIN_SECONDS if conn.sock.drain_after_response else 0.0
                conn.sock.read_deadline = time.monotonic() + drain
