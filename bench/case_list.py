"""How fast is the admin case list at 1,000,000 cases? (Not a test: prints numbers, asserts nothing
about speed.)

Creates its own PostgreSQL database at 127.0.0.1:5432 (user postgres), migrates it and fills it in
SQL (``generate_series``, one statement per table, then ``VACUUM ANALYZE``): cases with fake 32-byte
keys, random dates over six years, statuses, urgencies (a quarter "immediate", far more than real
life, so the immediate-risk queue above the first page is always full), owners (60 % of the cases
among 10 people), a next action due on about half of them, one of ten mechanisms each, and a
possible duplicate link on 2 % of them. No envelopes: the list never reads them. Then it times

* the page, as the admin app serves it (``GET /cases/...`` through the app in this process: session
  and role check, every query of the page, the template; no network), for every list view and filter:
  a coordinator's first page, a page in the middle (keyset cursor), filtered by mechanism and urgency,
  by owner (mine, no owner, a person), by next action due (overdue, within 7 days, ordered by due and
  its second page), and a focal point's first page (scoped to their mechanisms) and their overdue cases;
* the list's queries alone;

each against a trivial indexed SELECT measured in the same run, prints the number of SQL statements
one page sends and where one page's time goes (queries against the rest), and prints the EXPLAIN
ANALYZE plan of every list query, noting any sequential scan of ``cases``. Target: page p95 ≤ 50 ms.
Drops the database at the end.

    .venv/bin/python bench/case_list.py [--cases 1000000] [--runs 30]
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, event, exists, insert, select, text
from sqlalchemy.orm import Session

from admin.cases.listing import CaseFilters, case_page, decode_cursor, immediate_query, page_query
from reprisal_intake import schema
from reprisal_intake.db import make_engine
from reprisal_intake.models import Case, User, case_mechanisms, random_id, today

ADMIN_URL = os.environ.get(
    "REPRISAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MECHANISMS = ["CAT", "CCPR", "CEDAW", "CRC", "SP", "ASG", "SPT", "CED", "IACHR", "ACHPR"]
STATUSES = ["received", "triaged", "under_assessment", "action_taken", "closed"]
URGENCIES = ["immediate", "urgent", "not_urgent", None]
OWNERS = 10
TARGET_MS = 50.0


def _array(values: list[str | None]) -> str:
    return "ARRAY[" + ", ".join("NULL" if v is None else f"'{v}'" for v in values) + "]"


def _pick(values: list[str | None]) -> str:
    return f"({_array(values)})[1 + floor(random() * {len(values)})::int]"


def seed(engine: Engine, count: int) -> list[str]:
    """Fill the database in SQL; returns the owners' user ids."""
    owners = [random_id() for _ in range(OWNERS)]
    with engine.begin() as connection:
        connection.execute(
            insert(User.__table__),
            [
                {"id": uid, "username": f"owner{n}", "roles": "focal_point"}
                for n, uid in enumerate(owners)
            ],
        )
        connection.execute(text("SELECT setseed(0.4)"))
        # Hex digits are all in the reference alphabet; md5 of the row number and a salt is random
        # enough for 1,000,000 distinct references.
        salt = secrets.token_hex(4)
        ref = (
            f"upper(substr(md5(g::text || '{salt}'), 1, 4) || '-' || substr(md5(g::text || '{salt}'), 5, 4)"
            f" || '-' || substr(md5(g::text || '{salt}'), 9, 4) || '-' || substr(md5(g::text || '{salt}'), 13, 4))"
        )
        # Next action due: the triage deadline of untriaged urgent cases, else a review date on
        # about half of the others (some past, some to come); closed ones a retention review.
        connection.execute(
            text(
                f"""
                INSERT INTO cases (ref, public_key, submitter_public_key, created, status, urgency,
                                   in_detention, language, item_count, owner_id, next_review,
                                   next_due, next_due_reason)
                SELECT ref, pk, spk, created, status, urgency, detention, 'en', 1, owner,
                       CASE WHEN status NOT IN ('received', 'closed') THEN later END,
                       CASE WHEN triage IS NOT NULL THEN triage
                            WHEN status <> 'received' THEN later END,
                       CASE WHEN triage IS NOT NULL THEN 'triage'
                            WHEN later IS NULL OR status = 'received' THEN NULL
                            WHEN status = 'closed' THEN 'retention'
                            ELSE 'risk_review' END
                FROM (
                  SELECT *,
                         CASE WHEN status = 'received' AND urgency = 'immediate' THEN created + 1
                              WHEN status = 'received' AND urgency = 'urgent' THEN created + 2
                         END AS triage,
                         CASE WHEN random() < 0.5 THEN created + floor(random() * 400)::int
                         END AS later
                  FROM (
                    SELECT {ref} AS ref,
                           decode(md5(g::text) || md5(g::text || 'k'), 'hex') AS pk,
                           decode(md5(g::text || 's') || md5(g::text || 't'), 'hex') AS spk,
                           DATE '2020-01-01' + floor(random() * 6 * 365)::int AS created,
                           {_pick(STATUSES)} AS status, {_pick(URGENCIES)} AS urgency,
                           {_pick(["yes", "no", None])} AS detention,
                           CASE WHEN random() < 0.6 THEN {_pick(owners)} END AS owner
                    FROM generate_series(1, {count}) AS g
                  ) drawn
                ) dated
                """  # noqa: S608 - the script's own codes and numbers
            )
        )
        connection.execute(
            text(
                f"INSERT INTO case_mechanisms (case_ref, mechanism_code) "  # noqa: S608 - fixed codes and numbers of this script
                f"SELECT ref, {_pick(MECHANISMS)} FROM cases"
            )
        )
        # Possible duplicates: 1 % of the cases paired with another, both ways.
        connection.execute(
            text(
                f"""
                WITH sample AS (
                  SELECT ref, created, row_number() OVER () AS n
                  FROM (SELECT ref, created FROM cases ORDER BY md5(ref) LIMIT {max(count // 50, 2)}) s
                ), pairs AS (
                  SELECT a.ref AS one, b.ref AS two, a.created
                  FROM sample a JOIN sample b ON b.n = a.n + 1 WHERE a.n % 2 = 1
                )
                INSERT INTO case_links (case_ref, other_ref, kind, linked_on)
                SELECT one, two, 'duplicate', created FROM pairs
                UNION ALL SELECT two, one, 'duplicate', created FROM pairs
                """  # noqa: S608 - the script's own numbers
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return owners


def timed(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    median, p95, _cpu = timed_with_cpu(runs, action)
    return median, p95


def timed_with_cpu(runs: int, action: Callable[[], object]) -> tuple[float, float, float]:
    """Median and p95 wall-clock ms, and the median CPU ms of this process (the app's own work,
    which other processes' load on the machine does not stretch the way it stretches wall time)."""
    samples, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        action()
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    samples.sort()
    return (
        statistics.median(samples),
        samples[max(int(len(samples) * 0.95) - 1, 0)],
        statistics.median(cpu),
    )


@dataclass
class Statements:
    """SQL statements sent while counting, and the time spent in them."""

    count: int = 0
    seconds: float = 0.0
    started: list[float] = field(default_factory=list)
    sent: list[tuple[str, Any]] = field(default_factory=list)


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    seen = Statements()

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        seen.sent.append((statement, parameters))
        seen.started.append(time.perf_counter())

    def after(*_args: Any) -> None:
        seen.count += 1
        seen.seconds += time.perf_counter() - seen.started.pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


LISTED = re.compile(rb'<td><a href="/cases/[A-Z0-9-]+(?:#casework)?">')


@dataclass
class PageResult:
    median: float
    p95: float
    statements: int
    sql_ms: float
    rows: int
    cpu_ms: float


def page_times(
    url: str, runs: int, owners: list[str], middle_cursor: str, mine: int, profile: bool = False
) -> dict[str, PageResult]:
    """Median and p95 of every list view for a signed-in coordinator and a focal point."""
    from admin import create_app
    from reprisal_intake.db import get_db
    from tests.factories import make_account
    from tests.support.admin import FAST_ADMIN_CONFIG, sign_in

    os.environ["REPRISAL_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="reprisal-bench-admin-")
    os.environ["REPRISAL_DATABASE_URL"] = url
    app = create_app(FAST_ADMIN_CONFIG)
    coordinator, focal_point = app.test_client(), app.test_client()
    me = make_account(app, "coordinator")
    sign_in(app, coordinator, me)
    sign_in(
        app, focal_point, make_account(app, "focal_point", mechanisms=("CAT", "SPT"), key="offline")
    )
    with app.app_context():
        engine = get_db().bind
        assert isinstance(engine, Engine)
        with engine.begin() as connection:  # the coordinator owns some cases
            me_id = connection.scalar(select(User.id).where(User.username == me.username))
            connection.execute(
                text(
                    "UPDATE cases SET owner_id = :me WHERE ref IN "
                    "(SELECT ref FROM cases ORDER BY md5(ref || 'mine') LIMIT :mine)"
                ),
                {"me": me_id, "mine": mine},
            )
            connection.execute(text("ANALYZE cases"))
        first_due = case_page_by_due(engine)

    def page(client: Any, path: str) -> Callable[[], bytes]:
        def get() -> bytes:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response.get_data()

        return get

    pages = {
        "coordinator: first page": page(coordinator, "/cases/"),
        "coordinator: middle page (keyset)": page(coordinator, f"/cases/?after={middle_cursor}"),
        "coordinator: CAT, immediate": page(coordinator, "/cases/?mechanism=CAT&urgency=immediate"),
        "coordinator: status triaged": page(coordinator, "/cases/?status=triaged"),
        "coordinator: owner mine": page(coordinator, "/cases/?owner=mine"),
        "coordinator: no owner": page(coordinator, "/cases/?owner=none"),
        "coordinator: owner a person": page(coordinator, f"/cases/?owner={owners[0]}"),
        "coordinator: overdue": page(coordinator, "/cases/?due=overdue"),
        "coordinator: due within 7 days": page(coordinator, "/cases/?due=week"),
        "coordinator: ordered by due": page(coordinator, "/cases/?order=due"),
        "coordinator: ordered by due, page 2": page(
            coordinator, f"/cases/?order=due&after={first_due}"
        ),
        "coordinator: mine, overdue": page(coordinator, "/cases/?owner=mine&due=overdue"),
        "focal point (CAT, SPT): first page": page(focal_point, "/cases/"),
        "focal point (CAT, SPT): overdue": page(focal_point, "/cases/?due=overdue"),
        "focal point (CAT, SPT): no owner": page(focal_point, "/cases/?owner=none"),
    }
    results: dict[str, PageResult] = {}
    sent: dict[str, list[tuple[str, Any]]] = {}
    if profile:
        import cProfile
        import pstats

        get = pages["coordinator: first page"]
        get()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            get()
        profiler.disable()
        print("\nprofile of 20 first pages (own time, top 30):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    try:
        with app.app_context():
            engine = get_db().bind
            assert isinstance(engine, Engine)
            for get in pages.values():  # warm-up (template compilation, pool)
                get()
            for label, get in pages.items():
                with counting(engine) as seen:
                    began = time.perf_counter()
                    body = get()
                    whole = time.perf_counter() - began
                rows = len(LISTED.findall(body))
                sent[label] = seen.sent
                median, p95, cpu = timed_with_cpu(runs, get)
                results[label] = PageResult(median, p95, seen.count, seen.seconds * 1000, rows, cpu)
                del whole
            explain_page_statements(engine, sent)
        return results
    finally:
        with app.app_context():
            get_db().bind.dispose()  # type: ignore[union-attr]


# Tables that grow with the cases: a sequential scan of one of these would grow with the archive.
LARGE_TABLES = ("cases", "case_mechanisms", "case_links", "audit_log", "items", "consents")


def explain_page_statements(engine: Engine, sent: Mapping[str, list[tuple[str, Any]]]) -> None:
    """EXPLAIN every SELECT one page of each view sent (with its parameters), and print the
    statements whose plan scans a table that grows with the cases."""
    plans: dict[str, list[str]] = {}
    for statements in sent.values():
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT") or statement in plans:
                continue
            with engine.connect() as connection:
                plans[statement] = [
                    row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                ]
    scans = {
        statement: [line for line in plan if any(f"Seq Scan on {t} " in line for t in LARGE_TABLES)]
        for statement, plan in plans.items()
    }
    print(f"\nEXPLAIN of the {len(plans)} distinct SELECTs the pages sent:")
    for statement, plan in plans.items():
        print(f"  {' '.join(statement.split())[:110]}")
        for line in plan[:3]:
            print(f"      {line}")
    bad = {s: lines for s, lines in scans.items() if lines}
    print(f"page statements scanning a growing table whole: {len(bad)}")
    for statement, lines in bad.items():
        print(f"  {' '.join(statement.split())[:110]}: {lines}")


def case_page_by_due(engine: Engine) -> str:
    """The cursor after the first page ordered by next action due."""
    with Session(engine) as session:
        page = case_page(session, None, CaseFilters(order="due"))
        assert page.next_cursor is not None
        return page.next_cursor


def explain_all(
    session: Session, engine: Engine, middle: tuple[datetime.date, str], owner: str, due_after: str
) -> list[str]:
    """Print the plan of every list query; return the titles of those that scan ``cases`` whole."""
    focal_scope = exists().where(
        case_mechanisms.c.case_ref == Case.ref,
        case_mechanisms.c.mechanism_code.in_(["CAT", "SPT"]),
    )
    plans = {
        "first page": page_query(None, CaseFilters(), None),
        "middle page": page_query(None, CaseFilters(), middle),
        "CAT, immediate": page_query(None, CaseFilters(mechanism="CAT", urgency="immediate"), None),
        "status triaged": page_query(None, CaseFilters(status="triaged"), None),
        "immediate-risk queue (above the first page)": immediate_query(None, CaseFilters()),
        "owner a person": page_query(None, CaseFilters(owner=owner), None),
        "no owner": page_query(None, CaseFilters(owner="none"), None),
        "overdue": page_query(None, CaseFilters(due="overdue"), None),
        "due within 7 days": page_query(None, CaseFilters(due="week"), None),
        "ordered by due, page 2": page_query(
            None, CaseFilters(order="due"), decode_cursor(due_after)
        ),
        "a person's overdue": page_query(None, CaseFilters(owner=owner, due="overdue"), None),
        "focal point's first page": page_query(focal_scope, CaseFilters(), None),
        "focal point's overdue": page_query(focal_scope, CaseFilters(due="overdue"), None),
        "focal point's immediate-risk queue": immediate_query(focal_scope, CaseFilters()),
    }
    whole_scans = []
    for title, query in plans.items():
        statement = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        print(f"\nEXPLAIN ANALYZE, {title}:")
        lines = [line for (line,) in session.execute(text(f"EXPLAIN ANALYZE {statement}"))]
        for line in lines:
            print(f"  {line}")
        if any("Seq Scan on cases" in line for line in lines):
            whole_scans.append(title)
    return whole_scans


@dataclass
class Run:
    pages: dict[str, PageResult]
    queries: dict[str, tuple[float, float]]
    whole_scans: list[str]

    @property
    def slowest_p95(self) -> float:
        return max(r.p95 for r in self.pages.values())


def run(cases: int, runs: int, profile: bool = False) -> Run:
    name = f"reprisal_bench_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    try:
        schema.upgrade(engine)
        began = time.perf_counter()
        owners = seed(engine, cases)
        print(f"seeded {cases} cases in {time.perf_counter() - began:.1f} s")

        with Session(engine) as session:
            first = case_page(session, None, CaseFilters())
            # A cursor half-way down the list, as after many "Next page" clicks.
            middle_row = session.execute(
                select(Case.created, Case.ref)
                .order_by(Case.created.desc(), Case.ref.desc())
                .offset(cases // 2)
                .limit(1)
            ).one()
            middle = (middle_row.created, middle_row.ref)
            middle_cursor = f"{middle_row.created.isoformat()}_{middle_row.ref}"
            focal_scope = exists().where(
                case_mechanisms.c.case_ref == Case.ref,
                case_mechanisms.c.mechanism_code.in_(["CAT", "SPT"]),
            )
            some_ref = first.rows[0].ref
            due_after = case_page_by_due(engine)
            actions: dict[str, Callable[[], object]] = {
                "baseline: SELECT one case by primary key": lambda: session.get(
                    Case, some_ref, populate_existing=True
                ),
                "first page": lambda: case_page(session, None, CaseFilters()),
                "middle page (keyset)": lambda: case_page(
                    session, None, CaseFilters(), middle_cursor
                ),
                "CAT, immediate": lambda: case_page(
                    session, None, CaseFilters(mechanism="CAT", urgency="immediate")
                ),
                "owner a person": lambda: case_page(session, None, CaseFilters(owner=owners[0])),
                "no owner": lambda: case_page(session, None, CaseFilters(owner="none")),
                "overdue": lambda: case_page(session, None, CaseFilters(due="overdue")),
                "due within 7 days": lambda: case_page(session, None, CaseFilters(due="week")),
                "focal point's first page (CAT, SPT)": lambda: case_page(
                    session, focal_scope, CaseFilters()
                ),
                "search by ref": lambda: case_page(session, None, CaseFilters(ref=some_ref)),
            }
            queries = {label: timed(runs, action) for label, action in actions.items()}
            pages = page_times(url, runs, owners, middle_cursor, min(2000, cases // 10), profile)
            baseline = queries["baseline: SELECT one case by primary key"][0]
            print(
                f"\n{'page, GET /cases/...':42} {'median ms':>9} {'p95 ms':>7} "
                f"{'x base':>7} {'SQL':>4} {'SQL ms':>7} {'rows':>5} {'CPU ms':>7}"
            )
            for label, r in pages.items():
                print(
                    f"{label:42} {r.median:9.2f} {r.p95:7.2f} {r.median / baseline:7.1f} "
                    f"{r.statements:4d} {r.sql_ms:7.2f} {r.rows:5d} {r.cpu_ms:7.2f}"
                )
            print(f"\n{'query (case_page)':42} {'median ms':>9} {'p95 ms':>7} {'x base':>7}")
            for label, (median, p95) in queries.items():
                print(f"{label:42} {median:9.2f} {p95:7.2f} {median / baseline:7.1f}")
            whole_scans = explain_all(session, engine, middle, owners[0], due_after)
        result = Run(pages, queries, whole_scans)
        verdict = "met" if result.slowest_p95 <= TARGET_MS else "NOT met"
        print(
            f"\nslowest page p95: {result.slowest_p95:.1f} ms "
            f"(target <= {TARGET_MS:.0f} ms: {verdict}); "
            f"plans scanning the whole cases table: {whole_scans or 'none'}"
        )
        return result
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile 20 first pages")
    args = parser.parse_args()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()}")
    run(args.cases, args.runs, args.profile)
    print(f"load after: {os.getloadavg()}; today {today()}")


if __name__ == "__main__":
    main()
