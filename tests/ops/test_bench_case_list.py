"""bench/case_list.py runs end to end at a small size: it seeds in SQL, every list view it times
answers 200 with cases listed, it counts each page's statements and prints every list query's plan.
Speed is not asserted here (bench/RESULTS.md has the figures at 1,000,000 cases)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import POSTGRES_ADMIN_URL, ServiceMissing, postgres_database
from tests.support.services import require_service

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
VIEWS = (
    "coordinator: first page",
    "coordinator: middle page (keyset)",
    "coordinator: CAT, immediate",
    "coordinator: owner mine",
    "coordinator: no owner",
    "coordinator: owner a person",
    "coordinator: overdue",
    "coordinator: due within 7 days",
    "coordinator: ordered by due",
    "coordinator: ordered by due, page 2",
    "focal point (CAT, SPT): first page",
    "focal point (CAT, SPT): overdue",
)


@pytest.fixture
def server() -> Iterator[str]:
    try:
        with postgres_database():  # the server answers (the bench makes its own database)
            yield POSTGRES_ADMIN_URL
    except ServiceMissing as error:
        require_service("PostgreSQL at 127.0.0.1:5432", str(error))


def test_the_case_list_bench_times_every_view_at_a_small_size(server: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "case_list.py"), "--cases", "1500", "--runs", "2"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "REPRISAL_TEST_POSTGRES_URL": server},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "seeded 1500 cases" in out
    for view in VIEWS:
        line = re.search(
            rf"^{re.escape(view)}\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+(\d+)\s+[\d.]+\s+(\d+)\s+[\d.]+$",
            out,
            re.M,
        )
        assert line, view
        statements, rows = int(line.group(3)), int(line.group(4))
        assert 0 < statements <= 20, (view, statements)
        # At this size few cases, if any, fall due within the week; every other view lists some.
        assert rows > 0 or view == "coordinator: due within 7 days", view
    assert out.count("EXPLAIN ANALYZE, ") >= 12
    assert "slowest page p95:" in out
