"""The channel under attack (issue 13): each attack for a bounded time against the intake on PostgreSQL
with the shipped deploy settings, while a genuine person loads the form, sends a small no-JavaScript
report and looks their codename up.

    .venv/bin/python bench/attack.py [--seconds 30] [--only NAME ...]

Creates its own database on the PostgreSQL server at 127.0.0.1:5432 (dropped afterwards) and counts
limits in Redis at 127.0.0.1:6379 under a fresh prefix, starts the intake with
deploy/gunicorn/intake.conf.py on a free loopback port (2 workers, its default threads), and runs first
a baseline without attack, then each attack of tests/ops/attacks.py. For each it prints the person's
success rate and p95 latency per step, and every worker's peak resident memory against its idle size
just before. Targets: success >= 99 %, p95 <= 3 s per step, peak <= idle + 64 MiB, every hostile body
answered 4xx. Traffic stays on 127.0.0.1; every attack stops by itself.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil

from _common import harness, machine, workdir

from tests.support import attacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--only", nargs="*", default=None, help="attack class names (SlowBodies, JunkPosts, ...)"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    chosen = [a for a in attacks.ATTACKS if not args.only or a.__name__ in args.only]
    base = workdir()
    failures: list[str] = []
    try:
        with harness.postgres_database() as url:
            instance = harness.prepare_instance(base / "instance", url)
            with harness.Gunicorn(
                instance,
                base / "logs",
                workers=args.workers,
                REPRISAL_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
                REPRISAL_RATELIMIT_KEY_PREFIX=f"reprisal-attack-{secrets.token_hex(4)}",
            ) as server:
                print(
                    f"intake: deploy/gunicorn/intake.conf.py, {args.workers} workers, PostgreSQL, "
                    f"Redis limits; {args.seconds:.0f} s per attack"
                )
                for make in [None, *chosen]:
                    outcome = attacks.run_attack(
                        make, server.port, server.worker_pids, args.seconds
                    )
                    print(attacks.describe(outcome), flush=True)
                    person = outcome.person
                    if person.rate < 0.99 or max(person.p95.values()) > 3:
                        failures.append(f"{outcome.name}: person below target")
                    if outcome.growth_mib > 64:
                        failures.append(
                            f"{outcome.name}: a worker grew {outcome.growth_mib:.0f} MiB"
                        )
                    if make is attacks.HostileBodies and any(
                        not 400 <= status < 500 for status in outcome.answers
                    ):
                        failures.append(f"hostile bodies answered {dict(outcome.answers)}")
                log = server.log()
        print(f"load average after the run: {os.getloadavg()[0]:.2f}")
        errors = [line for line in log.splitlines() if "unhandled" in line or "Traceback" in line]
        print(f"server log: {len(errors)} unhandled errors")
        print("targets met" if not failures else "targets NOT met: " + "; ".join(failures))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
