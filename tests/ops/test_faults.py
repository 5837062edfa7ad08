"""Faults under load, through gunicorn on the loopback: a worker killed with SIGKILL in the middle of
200 concurrent reports, and PostgreSQL crashing and restarting under load. Afterwards every report whose
receipt page came back is stored and decrypts, and no half-written case exists."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.servers import (
    STORED,
    UNLIMITED,
    Gunicorn,
    Load,
    ServiceMissing,
    ThrowawayPostgres,
    check_store,
    prepare_instance,
)
from tests.support.services import require_service

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_a_worker_killed_mid_load_loses_no_acknowledged_report(
    tmp_path: Path, postgres_url: str
) -> None:
    instance = prepare_instance(tmp_path / "instance", postgres_url)
    with Gunicorn(instance, tmp_path / "logs", workers=3, **UNLIMITED) as server:
        load = Load(server.port, 200, attachment_size=300 * 1024)
        runner = threading.Thread(target=load.run, args=(24,))
        runner.start()
        load.wait_for(70)
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        runner.join(timeout=300)
        assert not runner.is_alive(), "the load did not finish in time"
        # The master replaces the killed worker.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            len(server.worker_pids()) < 3 or victim in server.worker_pids()
        ):
            time.sleep(0.1)
        assert victim not in server.worker_pids() and len(server.worker_pids()) == 3

    statuses = [o.status for _t, _p, _d, o in load.outcomes]
    acknowledged = load.acknowledged()
    failed = [s for s in statuses if s != STORED]
    assert set(failed) <= {0}, f"only the killed worker's connections may fail: {failed}"
    assert len(acknowledged) >= 150, statuses
    check = check_store(instance.database_url, instance.reviewer_key, acknowledged, load.files())
    assert check.missing == [] and check.unreadable == [] and check.incomplete == []
    assert len(acknowledged) <= check.cases <= 200
    print(
        f"kill -9: {len(acknowledged)} acknowledged, {len(failed)} connections cut, "
        f"{check.cases} cases stored, all complete"
    )


# The crash leaves the test's own psycopg connections broken; the garbage collector finalises them
# later, in whatever test runs then. That warning is about the test's client, not the service.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_postgresql_crashing_and_restarting_under_load_loses_no_acknowledged_report(
    tmp_path: Path,
) -> None:
    base = Path(tempfile.mkdtemp(prefix="reprisal-pg-"))
    try:
        try:
            cluster = ThrowawayPostgres(base)
            cluster.start()
        except (ServiceMissing, RuntimeError) as error:
            require_service("a throwaway PostgreSQL cluster (initdb, pg_ctl, runuser)", str(error))
        try:
            admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE reprisal"))
            admin.dispose()
            url = cluster.url.rsplit("/", 1)[0] + "/reprisal"
            instance = prepare_instance(tmp_path / "instance", url)
            with Gunicorn(instance, tmp_path / "logs", workers=2, **UNLIMITED) as server:
                load = Load(server.port, 2000)
                runner = threading.Thread(target=load.run, args=(8,))
                runner.start()
                load.wait_for(60)
                cluster.restart("immediate")
                restarted = time.monotonic()
                # Keep the load on until 60 reports went through after the restart (bounded).
                while load.acknowledged_since(restarted) < 60 and time.monotonic() < restarted + 90:
                    time.sleep(0.05)
                load.stop.set()
                runner.join(timeout=300)
                assert not runner.is_alive(), "the load did not finish in time"
                log = server.log()
            acknowledged = load.acknowledged()
            check = check_store(instance.database_url, instance.reviewer_key, acknowledged)
        finally:
            cluster.stop()
    finally:
        import shutil

        shutil.rmtree(base, ignore_errors=True)

    statuses = [o.status for _t, _p, _d, o in load.outcomes]
    failures = [o for _t, _p, _d, o in load.outcomes if o.status != STORED]
    assert {o.status for o in failures} <= {0, 500, 503}, statuses
    for outcome in failures:
        if outcome.status == 500:
            assert "saved only if you saw the page with your codename" in outcome.body
    after = [o for t, _p, _d, o in load.outcomes if t > restarted and o.codename]
    assert len(after) >= 60, "the intake did not recover after PostgreSQL came back"
    assert check.missing == [] and check.unreadable == [] and check.incomplete == []
    assert check.cases >= len(acknowledged)
    assert "UNIQUE-" not in log
    print(
        f"PostgreSQL crash+restart: {len(acknowledged)} acknowledged ({len(after)} after the "
        f"restart), {len(failures)} failed with {sorted({o.status for o in failures})}, "
        f"{check.cases} cases stored, all complete"
    )
