"""A 1 GiB attachment through the no-JavaScript report form: the gunicorn worker's peak memory (target:
under 100 MiB) and the throughput, against the same upload to a bare endpoint that parses the multipart
body the same way and throws the file away.

    .venv/bin/python bench/large_upload.py [--mib 1024]

Creates its own database on the PostgreSQL server at 127.0.0.1:5432 (dropped afterwards) and runs one
gunicorn worker per app (so that its VmHWM in /proc is the peak of exactly this request). The body is
generated while it is sent (a generator through http.client), never held in memory.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import time
from collections.abc import Iterator

from _common import BARE_APP, harness, machine, workdir
from sqlalchemy import create_engine, func, select

MIB = 1024 * 1024


def upload(port: int, path: str, token: str, cookie: str, size: int) -> tuple[int, str, float]:
    boundary = "----reprisalbench" + os.urandom(8).hex()
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in harness.report_fields(token, "large upload benchmark")
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = os.urandom(MIB)

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(size // MIB):
            yield block
        yield block[: size % MIB]
        yield tail

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
    started = time.monotonic()
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(len(head) + size + len(tail)))
        connection.putheader("Cookie", cookie)
        connection.endheaders()
        for piece in body():
            connection.send(piece)
        response = connection.getresponse()
        page = response.read().decode(errors="replace")
    finally:
        connection.close()
    return response.status, page, time.monotonic() - started


def measure(server: harness.Gunicorn, path: str, size: int) -> tuple[int, str, float, int, int]:
    (worker,) = server.worker_pids()
    reporter = harness.Reporter(server.port)
    before = harness.proc_status_kib(worker, "VmHWM")
    status, page, seconds = upload(server.port, path, reporter.token, reporter.cookie, size)
    peak = harness.proc_status_kib(worker, "VmHWM")
    return status, page, seconds, before, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1024, help="attachment size in MiB")
    args = parser.parse_args()
    size = args.mib * MIB
    print(f"machine: {machine()}")
    base = workdir()
    try:
        with harness.postgres_database() as url:
            instance = harness.prepare_instance(base / "instance", url)
            env = {"TMPDIR": str(base), "REPRISAL_INTAKE_MAX_REQUESTS": "0"}
            results = {}
            for name, app, path in (
                ("intake", harness.INTAKE_APP, "/report"),
                ("bare", BARE_APP, "/discard"),
            ):
                with harness.Gunicorn(instance, base / "logs", workers=1, app=app, **env) as server:
                    status, page, seconds, before, peak = measure(server, path, size)
                # The intake answers a stored report with a redirect to its receipt (303).
                if status != (harness.STORED if name == "intake" else 200):
                    raise SystemExit(f"{name}: HTTP {status}: {page[:500]}")
                results[name] = seconds
                print(
                    f"{name:>6}: {args.mib} MiB in {seconds:.1f} s = {args.mib / seconds:.1f} MiB/s; "
                    f"worker peak memory (VmHWM) {peak / 1024:.1f} MiB "
                    f"(before the upload {before / 1024:.1f} MiB)"
                )
                if name == "intake":
                    intake_peak = peak
            from reprisal_intake.models import EnvelopeChunk, Item

            engine = create_engine(url)
            with engine.connect() as connection:
                stored = connection.execute(
                    select(Item.size, func.count(EnvelopeChunk.seq))
                    .join(EnvelopeChunk, EnvelopeChunk.item_id == Item.id)
                    .where(Item.kind == "attachment")
                    .group_by(Item.id, Item.size)
                ).one()
            engine.dispose()
            print(
                f"stored: one attachment envelope of {stored[0] / MIB:.1f} MiB in {stored[1]} pieces"
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    ratio = results["bare"] / results["intake"]
    print(
        f"throughput ratio intake/bare: {ratio:.3f}; peak memory {intake_peak / 1024:.1f} MiB "
        f"(target < 100 MiB: {'met' if intake_peak < 100 * 1024 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
