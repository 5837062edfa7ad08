"""How fast is the admin case list at 100,000 cases? (Not a test: prints numbers, asserts nothing.)

Creates its own PostgreSQL database at 127.0.0.1:5432 (user postgres), migrates it, bulk-inserts
100,000 cases with fake 32-byte keys and their mechanisms (no envelopes: the list never reads them),
then times the queries the case list runs -- first page, a page in the middle (keyset), a filtered
page, a focal point's page (scoped to their mechanisms) -- against a trivial indexed SELECT measured in
the same run, and prints the EXPLAIN plan of the main query. Drops the database at the end.

    .venv/bin/python bench/case_list.py [--cases 100000] [--runs 50]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (
    create_engine,
    exists,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from admin.caselist import CaseFilters, case_page, page_query
from reprisal_intake import schema
from reprisal_intake.db import make_engine
from reprisal_intake.models import Case, case_mechanisms, new_case_ref

ADMIN_URL = os.environ.get(
    "REPRISAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MECHANISMS = ["CAT", "CCPR", "CEDAW", "CRC", "SP", "ASG", "SPT", "CED", "IACHR", "ACHPR"]
STATUSES = ["received", "triaged", "under_assessment", "action_taken", "closed"]
URGENCIES = ["immediate", "urgent", "not_urgent", None]


def seed(session: Session, count: int) -> None:
    rng = random.Random(4)  # noqa: S311 - fake data, not secrets
    start = datetime.date(2020, 1, 1)
    batch: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    refs: set[str] = set()
    for _ in range(count):
        ref = new_case_ref()
        while ref in refs:
            ref = new_case_ref()
        refs.add(ref)
        batch.append(
            {
                "ref": ref,
                "public_key": secrets.token_bytes(32),
                "submitter_public_key": secrets.token_bytes(32),
                "created": start + datetime.timedelta(days=rng.randrange(6 * 365)),
                "status": rng.choice(STATUSES),
                "urgency": rng.choice(URGENCIES),
                "in_detention": rng.choice(["yes", "no", None]),
                "language": "en",
            }
        )
        links.append({"case_ref": ref, "mechanism_code": rng.choice(MECHANISMS)})
        if len(batch) == 5000:
            session.execute(insert(Case.__table__), batch)
            session.execute(insert(case_mechanisms), links)
            batch, links = [], []
    if batch:
        session.execute(insert(Case.__table__), batch)
        session.execute(insert(case_mechanisms), links)
    session.execute(text("ANALYZE"))


def timed(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    name = f"reprisal_bench_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        schema.upgrade(engine)
        began = time.perf_counter()
        with Session(engine) as session, session.begin():
            seed(session, args.cases)
        print(f"seeded {args.cases} cases in {time.perf_counter() - began:.1f} s")

        with Session(engine) as session:
            first = case_page(session, None, CaseFilters())
            # A cursor half-way down the list, as after many "Next page" clicks.
            middle_row = session.execute(
                select(Case.created, Case.ref)
                .order_by(Case.created.desc(), Case.ref.desc())
                .offset(args.cases // 2)
                .limit(1)
            ).one()
            middle_cursor = f"{middle_row.created.isoformat()}_{middle_row.ref}"
            filtered = CaseFilters(mechanism="CAT", urgency="immediate")
            focal_scope = exists().where(
                case_mechanisms.c.case_ref == Case.ref,
                case_mechanisms.c.mechanism_code.in_(["CAT", "SPT"]),
            )
            some_ref = first.rows[0].ref
            cases = {
                "baseline: SELECT one case by primary key": lambda: session.get(
                    Case, some_ref, populate_existing=True
                ),
                "first page": lambda: case_page(session, None, CaseFilters()),
                "middle page (keyset)": lambda: case_page(
                    session, None, CaseFilters(), middle_cursor
                ),
                "filtered page (CAT, immediate)": lambda: case_page(session, None, filtered),
                "focal point's first page (CAT, SPT)": lambda: case_page(
                    session, focal_scope, CaseFilters()
                ),
                "search by ref": lambda: case_page(session, None, CaseFilters(ref=some_ref)),
            }
            results = {label: timed(args.runs, action) for label, action in cases.items()}
            baseline = results["baseline: SELECT one case by primary key"][0]
            print(f"\n{'query':45} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
            for label, (median, p95) in results.items():
                print(f"{label:45} {median:10.2f} {p95:8.2f} {median / baseline:11.1f}")

            query = page_query(None, CaseFilters(), None)
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            for title, statement in (
                ("main query (first page)", str(compiled)),
                (
                    "middle page",
                    str(
                        page_query(
                            None, CaseFilters(), (middle_row.created, middle_row.ref)
                        ).compile(engine, compile_kwargs={"literal_binds": True})
                    ),
                ),
                (
                    "filtered page",
                    str(
                        page_query(None, filtered, None).compile(
                            engine, compile_kwargs={"literal_binds": True}
                        )
                    ),
                ),
            ):
                print(f"\nEXPLAIN ANALYZE, {title}:")
                for (line,) in session.execute(text(f"EXPLAIN ANALYZE {statement}")):
                    print(f"  {line}")
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
