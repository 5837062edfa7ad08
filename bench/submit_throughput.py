"""Submit throughput of the no-JavaScript path on PostgreSQL with durable commits, against a bare Flask
app that parses the same multipart form, both under the intake's gunicorn config.

    .venv/bin/python bench/submit_throughput.py [--seconds 20] [--clients 4] [--workers 2] [--rounds 2]

Creates its own database on the PostgreSQL server at 127.0.0.1:5432 (dropped afterwards), starts each
app on a free loopback port, runs the same client for the same time against each, and prints requests
per second and the ratio (target: intake >= 0.5 x bare). Only the POSTs are timed: each client fetches
the form (cookie and CSRF token) once and then sends reports, one connection per request.

It also runs ``bench/floor_app.py``, which stores the same case rows in one statement and does nothing
else, to show how much of the target any implementation of this design could reach on this machine; and
for each app it prints the CPU time one request costs in the gunicorn workers, in PostgreSQL and in the
client (all on the same cores).

The intake runs twice per round, once with a classical (suite 1, X25519) CAT reader and once with a
hybrid (suite 2, X-Wing) one, each on its own database, alternating for ``--rounds`` rounds; the best
rate of each is kept, and the suite-2 ratio is compared with the suite-1 one (target of issue 19: the
suite-2 ratio is at most 10 % below the suite-1 ratio).
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from _common import BARE_APP, FLOOR_APP, harness, machine, workdir
from sqlalchemy import Engine, create_engine, text

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class CpuSnapshot:
    workers: dict[int, float]
    backends: dict[int, float]
    background: dict[int, float]
    client: float
    machine_busy: float
    machine_idle: float


def machine_cpu() -> tuple[float, float]:
    """Busy and idle CPU seconds of the whole machine so far (all cores; iowait counts as idle)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    user, nice, system, idle, iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / CLOCK_TICKS, (idle + iowait) / CLOCK_TICKS


def snapshot(server: harness.Gunicorn, engine: Engine) -> CpuSnapshot:
    with engine.connect() as connection:
        backends = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        backend_pids = list(backends)
        background_pids = list(
            connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE backend_type IN "
                    "('walwriter', 'checkpointer', 'background writer')"
                )
            ).scalars()
        )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    busy, idle = machine_cpu()
    return CpuSnapshot(
        workers={pid: process_cpu(pid) for pid in server.worker_pids()},
        backends={pid: process_cpu(pid) for pid in backend_pids},
        background={pid: process_cpu(pid) for pid in background_pids},
        client=usage.ru_utime + usage.ru_stime,
        machine_busy=busy,
        machine_idle=idle,
    )


def cpu_per_request(before: CpuSnapshot, after: CpuSnapshot, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request, by where it was spent."""

    def spent(start: dict[int, float], end: dict[int, float]) -> float:
        return sum(cpu - start.get(pid, 0.0) for pid, cpu in end.items())

    seconds = {
        "workers": spent(before.workers, after.workers),
        "PostgreSQL backends": spent(before.backends, after.backends),
        "PostgreSQL WAL and background (whole server)": spent(before.background, after.background),
        "client": after.client - before.client,
        "whole machine": after.machine_busy - before.machine_busy,
        "whole machine idle": after.machine_idle - before.machine_idle,
    }
    return {name: value * 1000 / max(requests, 1) for name, value in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    base = workdir()
    results: dict[str, float] = {}
    try:
        with harness.postgres_database() as url, harness.postgres_database() as hybrid_url:
            engine = create_engine(url)
            hybrid_engine = create_engine(hybrid_url)
            with engine.connect() as connection:
                settings = {
                    name: connection.execute(text(f"SHOW {name}")).scalar()
                    for name in ("fsync", "synchronous_commit", "full_page_writes")
                }
            print(f"PostgreSQL durability settings: {settings}")
            instance = harness.prepare_instance(base / "instance", url)
            hybrid = harness.prepare_instance(base / "hybrid", hybrid_url, suite=2)
            env = {
                "REPRISAL_INTAKE_SUBMIT_LIMIT": "1000000 per minute",
                "REPRISAL_INTAKE_MAX_REQUESTS": "0",
            }
            runs = [
                ("bare", BARE_APP, instance, engine),
                ("floor", FLOOR_APP, instance, engine),
                *[
                    run
                    for _ in range(args.rounds)
                    for run in (
                        ("intake", harness.INTAKE_APP, instance, engine),
                        ("intake suite 2", harness.INTAKE_APP, hybrid, hybrid_engine),
                    )
                ],
            ]
            for name, app, setup, setup_engine in runs:
                with harness.Gunicorn(
                    setup, base / "logs", workers=args.workers, app=app, **env
                ) as server:
                    run_load(server.port, 3, args.clients)  # warm-up
                    before = snapshot(server, setup_engine)
                    count, statuses, latencies = run_load(server.port, args.seconds, args.clients)
                    after = snapshot(server, setup_engine)
                # What counts: a stored report (303 to its receipt) for the intake; the bare and
                # floor apps answer 200 to what they take.
                done = harness.STORED if app == harness.INTAKE_APP else 200
                rate = statuses.get(done, 0) / args.seconds
                results[name] = max(rate, results.get(name, 0.0))
                print(
                    f"{name:>14}: {count} POSTs in {args.seconds:.0f} s, statuses {statuses}, "
                    f"{rate:.1f} requests/s, median latency {statistics.median(latencies) * 1000:.1f} ms"
                )
                split = cpu_per_request(before, after, count)
                print(
                    "        CPU per request: "
                    + ", ".join(f"{where} {ms:.2f} ms" for where, ms in split.items())
                )
            engine.dispose()
            hybrid_engine.dispose()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    ratio = results["intake"] / results["bare"]
    hybrid_ratio = results["intake suite 2"] / results["bare"]
    relative = hybrid_ratio / ratio
    print(
        f"ratio floor/bare: {results['floor'] / results['bare']:.3f} (the least this design can do)"
    )
    print(
        f"ratio intake/bare: {ratio:.3f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'}); "
        f"{args.workers} workers (deploy/gunicorn/intake.conf.py), {args.clients} clients"
    )
    print(
        f"ratio intake/bare with a suite-2 reader: {hybrid_ratio:.3f}, {relative:.3f} x the suite-1 "
        f"ratio (target >= 0.90: {'met' if relative >= 0.90 else 'NOT met'}); best of "
        f"{args.rounds} alternating rounds"
    )


if __name__ == "__main__":
    main()
