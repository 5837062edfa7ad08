"""Argon2id password and recovery-code hashing (argon2-cffi), with cost from the config."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from werkzeug.exceptions import ServiceUnavailable

# A hash of a random password, verified when the account does not exist so that both paths cost the same.
_DUMMY_PASSWORD = "not a real password"  # noqa: S105


# Argon2 takes ADMIN_ARGON2_MEMORY_KIB (64 MiB) per verification: at most this many at once per
# worker process, so a burst of sign-in attempts queues (ARGON2_QUEUE_SECONDS at most, then 503)
# instead of taking a worker's threads times 64 MiB.
ARGON2_AT_ONCE = 2
ARGON2_QUEUE_SECONDS = 15.0
argon2_slots = threading.BoundedSemaphore(ARGON2_AT_ONCE)


@contextmanager
def _argon2_slot() -> Iterator[None]:
    if not argon2_slots.acquire(timeout=ARGON2_QUEUE_SECONDS):
        raise ServiceUnavailable()
    try:
        yield
    finally:
        argon2_slots.release()


def hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ADMIN_ARGON2_TIME_COST"],
        memory_cost=config["ADMIN_ARGON2_MEMORY_KIB"],
        parallelism=1,
    )


def hash_secret(secret: str) -> str:
    with _argon2_slot():
        return hasher().hash(secret)


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1).hash(
        _DUMMY_PASSWORD
    )


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches. Spends exactly one argon2 verification even for an unknown
    account, so the answer takes as long whether or not the account exists."""
    ph = hasher()
    with _argon2_slot():
        candidate = stored_hash or _dummy_hash(ph.time_cost, ph.memory_cost)
        try:
            return ph.verify(candidate, secret) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False


MIN_PASSWORD_LENGTH = 12


def password_problem(password: str, username: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    if password.strip().lower() == username.strip().lower():
        return _("Do not use your user name as your password.")
    return None
