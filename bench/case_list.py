"""How fast is the admin case list at 100,000 cases? (Not a test: prints numbers, asserts nothing.)

Creates its own PostgreSQL database at 127.0.0.1:5432 (user postgres), migrates it, bulk-inserts
100,000 cases with fake 32-byte keys and their mechanisms (no envelopes: the list never reads them),
then times

* the page, as the admin app serves it (``GET /cases/`` through the app in this process: session and
  role check, the queries, the template; no network): a coordinator's first page, a page in the middle
  (keyset cursor), a filtered page, a focal point's first page (scoped to their mechanisms);
* the queries alone, the same four;

each against a trivial indexed SELECT measured in the same run, and prints the EXPLAIN plans. Target:
page p95 under 100 ms. Drops the database at the end.

    .venv/bin/python bench/case_list.py [--cases 100000] [--runs 50]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (
    create_engine,
    exists,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from admin.cases.listing import CaseFilters, case_page, immediate_query, page_query
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


def page_times(url: str, runs: int, middle_cursor: str) -> dict[str, tuple[float, float]]:
    """Median and p95 of the case list page for a signed-in coordinator and a focal point."""
    from admin import create_app
    from tests.factories import make_account
    from tests.support.admin import FAST_ADMIN_CONFIG, sign_in

    os.environ["REPRISAL_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="reprisal-bench-admin-")
    os.environ["REPRISAL_DATABASE_URL"] = url
    app = create_app(FAST_ADMIN_CONFIG)
    coordinator, focal_point = app.test_client(), app.test_client()
    sign_in(app, coordinator, make_account(app, "coordinator"))
    sign_in(
        app, focal_point, make_account(app, "focal_point", mechanisms=("CAT", "SPT"), key="offline")
    )

    def page(client: Any, path: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response.get_data()

        return get

    listed = re.compile(rb'<td><a href="/cases/[A-Z0-9-]+(?:#casework)?">')

    pages = {
        "coordinator: first page": page(coordinator, "/cases/"),
        "coordinator: middle page (keyset)": page(coordinator, f"/cases/?after={middle_cursor}"),
        "coordinator: filtered (CAT, immediate)": page(
            coordinator, "/cases/?mechanism=CAT&urgency=immediate"
        ),
        "focal point (CAT, SPT): first page": page(focal_point, "/cases/"),
    }
    for label, get in pages.items():  # warm-up (template compilation, pool); a full page each
        rows = len(listed.findall(get()))  # type: ignore[arg-type]
        assert rows >= 50, f"{label}: {rows} cases listed"
    try:
        return {label: timed(runs, get) for label, get in pages.items()}
    finally:
        with app.app_context():
            from reprisal_intake.db import get_db

            get_db().bind.dispose()  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    name = f"reprisal_bench_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
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
            pages = page_times(url, args.runs, middle_cursor)
            baseline = results["baseline: SELECT one case by primary key"][0]
            for title, figures in (("page, GET /cases/...", pages), ("query", results)):
                print(f"\n{title:45} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
                for label, (median, p95) in figures.items():
                    print(f"{label:45} {median:10.2f} {p95:8.2f} {median / baseline:11.1f}")
            worst = max(p95 for _median, p95 in pages.values())
            verdict = "met" if worst < 100 else "NOT met"
            print(f"\nslowest page p95: {worst:.1f} ms (target < 100 ms: {verdict})")

            plans = {
                "main query (first page)": page_query(None, CaseFilters(), None),
                "middle page": page_query(
                    None, CaseFilters(), (middle_row.created, middle_row.ref)
                ),
                "filtered page": page_query(None, filtered, None),
                "immediate-risk queue (above the first page)": immediate_query(None, CaseFilters()),
                "focal point's first page": page_query(focal_scope, CaseFilters(), None),
            }
            for title, query in plans.items():
                statement = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
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
