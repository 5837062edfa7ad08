"""Faults of the running service, through gunicorn with the shipped config (loopback only, bounded):
a stalled upload is dropped at its deadline and its spooled ciphertext freed, and a gunicorn master
killed with SIGKILL leaves no worker holding the port, so a new one binds at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from reprisal_intake.web.bodies import BODY_STALL_SECONDS
from tests.support.servers import (
    Gunicorn,
    Reporter,
    get,
    multipart,
    prepare_instance,
    report_fields,
)

pytestmark = [pytest.mark.slow]


def spooled_files(pid: int) -> int:
    """Unnamed temporary files (the upload spool) the process holds open."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if "(deleted)" in target and not target.startswith(("/dev/", "/memfd")):
            count += 1
    return count


def test_a_stalled_upload_is_dropped_at_its_deadline_and_its_spool_freed(tmp_path: Path) -> None:
    instance = prepare_instance(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with Gunicorn(instance, tmp_path / "logs", workers=1) as server:
        (worker,) = server.worker_pids()
        idle = spooled_files(worker)
        reporter = Reporter(server.port)
        body, content_type = multipart(
            report_fields(reporter.token, "stalled report"),
            [("attachments", "scan.bin", "application/octet-stream", b"\1" * 4_000_000)],
        )
        sent = body[:1_500_000]  # the form and part of the file, then nothing more
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(
                f"POST /report HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nCookie: {reporter.cookie}\r\n\r\n".encode()
                + sent
            )
            deadline = time.monotonic() + 5
            while spooled_files(worker) == idle and time.monotonic() < deadline:
                time.sleep(0.1)
            assert spooled_files(worker) > idle, "the upload was not spooling"
            started = time.monotonic()
            answer = b""
            try:
                while chunk := sock.recv(65536):
                    answer += chunk
            except OSError:
                pass
            waited = time.monotonic() - started
        # Sent fast, then stalled: the credit built up does not keep the read waiting.
        assert waited < BODY_STALL_SECONDS + 10, f"a stalled upload was kept {waited:.0f} s"
        assert spooled_files(worker) == idle
        assert get(server.port, "/")[0] == 200


def test_a_killed_master_leaves_no_worker_holding_the_port(tmp_path: Path) -> None:
    instance = prepare_instance(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    first = Gunicorn(instance, tmp_path / "logs", workers=2)
    with first:
        workers = first.worker_pids()
        # A request in flight: gunicorn's own worker would finish it (graceful timeout: 60 s)
        # while holding the listening socket after its master is gone.
        slow = socket.create_connection(("127.0.0.1", first.port))
        slow.sendall(
            b"POST /followup HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: 50000\r\n\r\nabc"
        )
        time.sleep(0.5)
        os.kill(first.pid, signal.SIGKILL)
        first.process.wait(timeout=10)  # type: ignore[union-attr]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
            time.sleep(0.1)
        orphans = [p for p in workers if Path(f"/proc/{p}").exists()]
        for pid in orphans:  # clean up before failing
            os.kill(pid, signal.SIGKILL)
        slow.close()
        assert orphans == [], "workers outlived their master"
    second = Gunicorn(instance, tmp_path / "logs2", workers=1)
    second.port = first.port
    second.env["REPRISAL_INTAKE_BIND"] = f"127.0.0.1:{first.port}"
    with second:
        assert get(second.port, "/")[0] == 200
    assert subprocess.run(["true"], check=False).returncode == 0
