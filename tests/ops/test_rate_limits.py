"""Rate limits in production: counted in Redis, shared by every gunicorn worker; a clear 429 page past
the limit; and when Redis is down the intake still takes reports (fail open) and says so once in its log,
without any client data, while a fail-closed limiter (for sign-in) refuses."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Connection

from reprisal_intake.web import limits
from reprisal_intake.web.limits import make_limiter
from tests.factories import make_reviewer, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.servers import STORED, Gunicorn, Reporter, free_port, prepare_instance
from tests.support.services import require_service

OUTAGE_LINE = "rate-limit storage unavailable; limits not enforced"


def _stopped(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)


def _resumed(pid: int) -> None:
    os.kill(pid, signal.SIGCONT)


@pytest.mark.redis
@pytest.mark.slow
def test_the_submit_limit_is_shared_by_all_workers_through_redis(
    tmp_path: Path, redis_url: str
) -> None:
    instance = prepare_instance(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    prefix = f"reprisal-test-{secrets.token_hex(6)}"
    with Gunicorn(
        instance,
        tmp_path / "logs",
        workers=2,
        REPRISAL_RATELIMIT_STORAGE_URI=redis_url,
        REPRISAL_RATELIMIT_KEY_PREFIX=prefix,
        REPRISAL_INTAKE_SUBMIT_LIMIT="4 per 10 minutes",
    ) as server:
        first, second = server.worker_pids()
        statuses: list[int] = []
        # One person's browser (limits are per session), served by each worker in turn (a stopped
        # worker accepts no connection), three reports each: with a limit of 4 counted per worker
        # all six would pass; counted in Redis, two fail.
        reporter = Reporter(server.port)
        for _busy, idle in ((first, second), (second, first)):
            _stopped(idle)
            try:
                for n in range(3):
                    outcome = reporter.submit(f"shared-limit report {n}")
                    statuses.append(outcome.status)
                    if outcome.status == 429:
                        page = outcome.body
            finally:
                _resumed(idle)
        assert statuses == [STORED] * 4 + [429, 429]
        assert "Too many requests" in page and "Nothing was saved" in page

        import redis

        client = redis.Redis.from_url(redis_url)
        try:
            keys = list(client.scan_iter(f"*{prefix}*"))
            assert keys, "the limit was not counted in Redis"
            client.delete(*keys)
        finally:
            client.close()
        log = server.log()
    assert OUTAGE_LINE not in log
    assert "shared-limit report" not in log


@pytest.mark.slow
def test_with_redis_down_the_intake_still_takes_reports_and_logs_the_outage_once(
    tmp_path: Path,
) -> None:
    instance = prepare_instance(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    dead = f"redis://127.0.0.1:{free_port()}"
    with Gunicorn(
        instance,
        tmp_path / "logs",
        workers=2,
        REPRISAL_RATELIMIT_STORAGE_URI=dead,
        REPRISAL_INTAKE_SUBMIT_LIMIT="1 per 10 minutes",
    ) as server:
        reporter = Reporter(server.port)
        phrases = [f"UNIQUE-{secrets.token_hex(6)} redis is down" for _ in range(6)]
        outcomes = [reporter.submit(phrase) for phrase in phrases]
        log = server.log()
    assert [o.status for o in outcomes] == [STORED] * 6, "fail open: every report is taken"
    lines = [line for line in log.splitlines() if OUTAGE_LINE in line]
    assert 1 <= len(lines) <= 2, "one line per worker and outage"
    for outcome, phrase in zip(outcomes, phrases, strict=True):
        assert outcome.codename and outcome.codename not in log
        assert phrase not in log
    assert "POST" not in log and "/report" not in log and "csrf" not in log.lower()


# --- in process: fail open, fail closed, recovery, the 429 page ------------------------------------


_tiny_apps: list[Flask] = []


@pytest.fixture(autouse=True)
def _close_limiter_connections() -> Iterator[None]:
    """Close the Redis connections of each test's limiters, or their sockets linger until some later
    garbage collection and surface there as ResourceWarnings (errors in this suite)."""
    yield
    while _tiny_apps:
        storage = _tiny_apps.pop().extensions["test_limiter"].storage
        client = getattr(storage, "storage", None)
        if client is not None:
            client.connection_pool.disconnect()


def _tiny_app(storage_uri: str, *, fail_open: bool) -> Flask:
    app = Flask("limits-test")
    app.config.update(RATELIMIT_STORAGE_URI=storage_uri, RATELIMIT_KEY_PREFIX=secrets.token_hex(6))
    # Every request of these tests comes from the same one client.
    limiter = make_limiter(fail_open=fail_open, key_func=lambda: "the-test-client")
    limiter.init_app(app)

    @app.post("/guarded")
    @limiter.limit("2 per minute")
    def guarded() -> str:
        return "done"

    app.extensions["test_limiter"] = limiter
    _tiny_apps.append(app)
    return app


def test_a_fail_closed_limiter_refuses_while_its_storage_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _tiny_app(f"redis://127.0.0.1:{free_port()}", fail_open=False)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="reprisal.ratelimit"):
        responses = [
            client.post("/guarded", headers={"User-Agent": "secret-agent"}) for _ in range(3)
        ]
    assert [r.status_code for r in responses] == [503, 503, 503]
    messages = [r.getMessage() for r in caplog.records if r.name == "reprisal.ratelimit"]
    assert messages == [
        "rate-limit storage unavailable; limited requests refused (ConnectionError)"
    ]
    assert "secret-agent" not in caplog.text and "127.0.0.1" not in caplog.text


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A Redis server of our own (never the shared one), which the test may stop and start."""
    import shutil

    if shutil.which("redis-server") is None:
        require_service("redis-server (to start a throwaway Redis)", "not installed")
    port = free_port()
    processes: list[subprocess.Popen[bytes]] = []
    yield port, processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def _start_redis(port: int, processes: list[subprocess.Popen[bytes]], folder: Path) -> None:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    processes.append(process)
    import redis

    with redis.Redis(port=port, socket_connect_timeout=0.2) as client:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


@pytest.mark.redis
def test_fail_open_logs_one_line_per_outage_and_enforces_limits_again_after_it(
    throwaway_redis: tuple[int, list[subprocess.Popen[bytes]]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "PROBE_INTERVAL", 0.0)
    port, processes = throwaway_redis
    _start_redis(port, processes, tmp_path)
    app = _tiny_app(f"redis://127.0.0.1:{port}", fail_open=True)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="reprisal.ratelimit"):
        assert [client.post("/guarded").status_code for _ in range(3)] == [200, 200, 429]
        processes[0].terminate()
        processes[0].wait(timeout=10)
        during = [client.post("/guarded").status_code for _ in range(4)]
        _start_redis(port, processes, tmp_path)
        after = [client.post("/guarded").status_code for _ in range(4)]
    assert during == [200, 200, 200, 200]
    # Counting resumes with the first request after the restart (the new server counts from zero).
    assert after == [200, 200, 429, 429]
    messages = [r.getMessage() for r in caplog.records if r.name == "reprisal.ratelimit"]
    assert messages == [
        "rate-limit storage unavailable; limits not enforced (ConnectionError)",
        "rate-limit storage reachable again; limits enforced",
    ]


def test_past_the_submit_limit_a_person_gets_a_clear_429_page(connection: Connection) -> None:
    from reprisal_intake import create_app

    app = create_app(
        {"TESTING": True, "DATABASE_BIND": connection, "INTAKE_SUBMIT_LIMIT": "2 per minute"}
    )
    make_reviewer(app, "CAT")
    client = app.test_client()
    statuses = []
    for _ in range(3):
        response = post_form(client, "/report", report_form(csrf_token(client, "/report")))
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    page = response.get_data(as_text=True)
    assert "<h1>Too many requests</h1>" in page or "Too many requests" in page
    assert "Nothing was saved" in page and "Wait a few minutes" in page
    assert response.headers["Content-Type"].startswith("text/html")
    # The form itself still opens: only sending is limited.
    assert client.get("/report").status_code == 200
