"""Where a no-JavaScript submit spends its time: cProfile of in-process submits on PostgreSQL.

    .venv/bin/python bench/profile_submit.py [--reports 200] [--top 40] [--sort cumulative]

Creates its own database on the PostgreSQL server at 127.0.0.1:5432 (dropped afterwards), builds the
intake with ``create_app`` and posts the benchmark's report form through Flask's test client (no
gunicorn, no sockets), then prints the SQL statements of one submit, the CPU time per report and the
profile.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import time
from typing import Any

from _common import harness, workdir
from sqlalchemy import event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dump", help="also write the profile to this file (pstats format)")
    args = parser.parse_args()
    base = workdir()
    try:
        with harness.postgres_database() as url:
            instance = harness.prepare_instance(base / "instance", url)
            os.environ.update(instance.env)
            os.environ["REPRISAL_INTAKE_SUBMIT_LIMIT"] = "1000000 per minute"
            from reprisal_intake import create_app
            from reprisal_intake.db import get_db

            app = create_app()
            client = app.test_client()
            page = client.get("/report").get_data(as_text=True)
            match = harness.CSRF.search(page)
            assert match, "no CSRF token on /report"
            token = match.group(1)

            def submit(n: int) -> None:
                body, content_type = harness.multipart(
                    harness.report_fields(token, f"profiled report {n}")
                )
                response = client.post("/report", data=body, content_type=content_type)
                assert response.status_code == 200, response.status_code

            for n in range(20):  # warm-up: imports, template compilation, connection pool
                submit(n)

            statements: list[str] = []
            with app.app_context():
                engine: Any = get_db().bind

            def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
                statements.append(" ".join(statement.split())[:110])

            event.listen(engine, "before_cursor_execute", count)
            submit(-1)
            event.remove(engine, "before_cursor_execute", count)
            print(f"{len(statements)} SQL statements in one submit:")
            for statement in statements:
                print(f"  {statement}")

            profile = cProfile.Profile()
            wall = time.perf_counter()
            cpu = time.process_time()
            profile.enable()
            for n in range(args.reports):
                submit(n)
            profile.disable()
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            print(
                f"{args.reports} submits: {wall / args.reports * 1000:.2f} ms wall, "
                f"{cpu / args.reports * 1000:.2f} ms CPU per report (with profiler overhead)"
            )
            # Same again without the profiler, for the real figure.
            wall = time.perf_counter()
            cpu = time.process_time()
            for n in range(args.reports):
                submit(n)
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            print(
                f"{args.reports} submits without profiler: {wall / args.reports * 1000:.2f} ms "
                f"wall, {cpu / args.reports * 1000:.2f} ms CPU per report"
            )
            if args.dump:
                profile.dump_stats(args.dump)
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
            engine.dispose()
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
