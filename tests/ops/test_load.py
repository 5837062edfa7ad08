"""10,000 reports in a row through gunicorn on PostgreSQL: no server error, every report stored, and the
workers' memory stays flat. Takes 3 to 6 minutes on a shared 2-core machine; bounded at 9 minutes."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from tests.support.servers import (
    STORED,
    UNLIMITED,
    Gunicorn,
    Load,
    check_store,
    prepare_instance,
    proc_status_kib,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TOTAL = 10_000
# Allowed growth of a worker's resident memory between the first 1,000 reports and the end.
MAX_GROWTH_KIB = 16 * 1024


def test_ten_thousand_reports_give_no_server_error_and_stable_memory(
    tmp_path: Path, postgres_url: str
) -> None:
    instance = prepare_instance(tmp_path / "instance", postgres_url)
    with Gunicorn(instance, tmp_path / "logs", workers=2, **UNLIMITED) as server:
        workers = server.worker_pids()
        load = Load(server.port, TOTAL, deadline=540)
        runner = threading.Thread(target=load.run, args=(4,))
        started = time.monotonic()
        runner.start()
        load.wait_for(1000)
        early = {pid: proc_status_kib(pid, "VmRSS") for pid in workers}
        runner.join(timeout=600)
        elapsed = time.monotonic() - started
        assert not runner.is_alive(), "the load did not finish in time"
        log = server.log()
        alive = server.worker_pids()
        assert alive == workers, (
            f"a worker was replaced or crashed ({workers} -> {alive}): {log[-3000:]}"
        )
        late = {pid: proc_status_kib(pid, "VmRSS") for pid in workers}

    statuses: dict[int, int] = {}
    for _t, _p, _d, outcome in load.outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    assert statuses == {STORED: TOTAL}, statuses
    acknowledged = load.acknowledged()
    assert len(acknowledged) == TOTAL
    # Every report is there and complete; decrypt a random sample of 500 of them.
    sample = dict(random.sample(sorted(acknowledged.items()), 500))
    check = check_store(instance.database_url, instance.reviewer_key, sample)
    assert check.cases == TOTAL
    assert check.missing == [] and check.unreadable == [] and check.incomplete == []
    growth = {pid: late[pid] - early[pid] for pid in workers}
    print(
        f"{TOTAL} reports in {elapsed:.0f} s ({TOTAL / elapsed:.0f}/s); worker RSS after 1,000: "
        f"{sorted(v // 1024 for v in early.values())} MiB, at the end: "
        f"{sorted(v // 1024 for v in late.values())} MiB"
    )
    assert all(g <= MAX_GROWTH_KIB for g in growth.values()), growth
    assert "unhandled" not in log
