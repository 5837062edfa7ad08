"""Fixtures for the operations tests: local servers are required under CI=true, skipped otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import ServiceMissing, postgres_database
from tests.support.services import require_service

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new database on the machine's PostgreSQL server, dropped after the test."""
    try:
        with postgres_database() as url:
            yield url
    except ServiceMissing as error:
        require_service("PostgreSQL at 127.0.0.1:5432", str(error))


@pytest.fixture
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        require_service("Redis at 127.0.0.1:6379", type(error).__name__)
    finally:
        client.close()
    return REDIS_URL
