"""Submit throughput of the no-JavaScript path on PostgreSQL with durable commits, against a bare Flask
app that parses the same multipart form, both under the intake's gunicorn config.

    .venv/bin/python bench/submit_throughput.py [--seconds 20] [--clients 4] [--workers 2]

Creates its own database on the PostgreSQL server at 127.0.0.1:5432 (dropped afterwards), starts each
app on a free loopback port, runs the same client for the same time against each, and prints requests
per second and the ratio (target: intake >= 0.5 x bare). Only the POSTs are timed: each client fetches
the form (cookie and CSRF token) once and then sends reports, one connection per request.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import statistics
import threading
import time

from _common import BARE_APP, harness, machine, workdir
from sqlalchemy import create_engine, text


def run_load(port: int, seconds: float, clients: int) -> tuple[int, dict[int, int], list[float]]:
    deadline = time.monotonic() + seconds
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        reporter = harness.Reporter(port)
        for n in range(1_000_000):
            if time.monotonic() >= deadline:
                return
            started = time.monotonic()
            outcome = reporter.submit(f"benchmark report {n} {secrets.token_hex(4)}")
            with lock:
                statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
                latencies.append(time.monotonic() - started)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return sum(statuses.values()), statuses, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    base = workdir()
    results: dict[str, float] = {}
    try:
        with harness.postgres_database() as url:
            engine = create_engine(url)
            with engine.connect() as connection:
                settings = {
                    name: connection.execute(text(f"SHOW {name}")).scalar()
                    for name in ("fsync", "synchronous_commit", "full_page_writes")
                }
            engine.dispose()
            print(f"PostgreSQL durability settings: {settings}")
            instance = harness.prepare_instance(base / "instance", url)
            env = {
                "REPRISAL_INTAKE_SUBMIT_LIMIT": "1000000 per minute",
                "REPRISAL_INTAKE_MAX_REQUESTS": "0",
            }
            for name, app in (("intake", harness.INTAKE_APP), ("bare", BARE_APP)):
                with harness.Gunicorn(
                    instance, base / "logs", workers=args.workers, app=app, **env
                ) as server:
                    run_load(server.port, 3, args.clients)  # warm-up
                    count, statuses, latencies = run_load(server.port, args.seconds, args.clients)
                rate = statuses.get(200, 0) / args.seconds
                results[name] = rate
                print(
                    f"{name:>6}: {count} POSTs in {args.seconds:.0f} s, statuses {statuses}, "
                    f"{rate:.1f} requests/s, median latency {statistics.median(latencies) * 1000:.1f} ms"
                )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    ratio = results["intake"] / results["bare"]
    print(
        f"ratio intake/bare: {ratio:.3f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'}); "
        f"{args.workers} sync workers, {args.clients} clients"
    )


if __name__ == "__main__":
    main()
