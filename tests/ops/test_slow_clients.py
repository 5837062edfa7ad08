"""Slow and idle clients against the shipped gunicorn config (loopback only, bounded in time): an idle
connection holds no thread, a header or a body that trickles is cut off at its deadline, and a person
who sends at ordinary speed is answered meanwhile."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from pathlib import Path

import pytest

from reprisal_intake.web.bodies import BODY_GRACE_SECONDS
from reprisal_intake.web.worker import HEADER_SECONDS
from tests.support.servers import Gunicorn, get, prepare_instance

pytestmark = [pytest.mark.slow]


def trickle(port: int, head: bytes, seconds: float, result: dict[str, float]) -> None:
    """Send ``head`` then one byte a second; record when the server closed the connection."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(head)
            while time.monotonic() - started < seconds:
                sock.sendall(b"a")
                try:
                    sock.settimeout(1)
                    if sock.recv(65536) == b"":
                        break
                except TimeoutError:
                    pass
        except OSError:
            pass
    result["closed_after"] = time.monotonic() - started


@pytest.fixture
def server(tmp_path: Path):
    instance = prepare_instance(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    # Two threads only: whatever held a thread for nothing would show at once.
    with Gunicorn(instance, tmp_path / "logs", workers=1, REPRISAL_INTAKE_THREADS="2") as gunicorn:
        yield gunicorn


def test_idle_connections_hold_no_thread(server: Gunicorn) -> None:
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        time.sleep(0.5)
        started = time.monotonic()
        status, _body = get(server.port, "/")
        assert status == 200
        # Gunicorn's own gthread keeps each new connection in a thread for 5 s first: 20 idle
        # connections on 2 threads would hold the page for 50 s.
        assert time.monotonic() - started < 4
    finally:
        for sock in idle:
            sock.close()


def test_trickling_headers_and_bodies_are_cut_off_and_others_are_served(
    server: Gunicorn,
) -> None:
    body_head = (
        b"POST /followup HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
        b"\r\nContent-Length: 100000\r\n\r\n"
    )
    header_head = b"GET / HTTP/1.1\r\nHost: x\r\n"
    limit = 60.0
    results: list[dict[str, float]] = [{}, {}]
    threads = [
        threading.Thread(target=trickle, args=(server.port, body_head, limit, results[0])),
        threading.Thread(target=trickle, args=(server.port, header_head, limit, results[1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=limit + 10)
    body, headers = (r.get("closed_after", limit) for r in results)
    assert body < BODY_GRACE_SECONDS + 8, f"a 1 byte/s body was read for {body:.0f} s"
    assert headers < HEADER_SECONDS + 8, f"1 byte/s headers were read for {headers:.0f} s"
    # The threads they held are free again.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/")
    assert connection.getresponse().status == 200
    connection.close()
