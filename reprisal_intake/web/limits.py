"""Rate limits keyed on what they protect, never on the client address, and never global.

Behind Tor every request comes from 127.0.0.1, so a per-address limit would be one global bucket anyone
could empty, and so would a global cap per endpoint: 70 junk POSTs used to shut the report form for
everyone. The intake's limits are keyed on the browser session its form token belongs to
(``form_session_key``), so an attacker fills only their own; a request without a session counts toward
nothing (``has_no_form_session``). What protects the service from floods is admission by capacity
(``web.admission``) and Tor's proof-of-work defence in front.

Storage comes from RATELIMIT_STORAGE_URI (REPRISAL_RATELIMIT_STORAGE_URI): ``memory://`` for one process,
Redis in production, shared by every gunicorn worker.

When the storage cannot be reached a limiter either fails **open** (the request proceeds unlimited: the
intake, where refusing a report is worse than an unlimited minute) or **closed** (the request is refused
with 503: sign-in, where an unlimited password guesser is worse than a refused sign-in). Either way the
process logs one line per outage episode, never anything about the request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable

from flask import Flask, session
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.exceptions import ServiceUnavailable

# Nothing configures logging under gunicorn, so these lines reach stderr (gunicorn's error log) through
# Python's last-resort handler; an app that configures logging gets them through its own handlers.
logger = logging.getLogger("reprisal.ratelimit")

OUTAGE_MESSAGE_OPEN = "rate-limit storage unavailable; limits not enforced (%s)"
OUTAGE_MESSAGE_CLOSED = "rate-limit storage unavailable; limited requests refused (%s)"
RECOVERED_MESSAGE = "rate-limit storage reachable again; limits enforced"
REDIS_TIMEOUTS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
# While the storage is down, ask it whether it is back at most this often (seconds).
PROBE_INTERVAL = 5.0


def form_session_key() -> str:
    """The browser session whose form token the request carries (a hash of its CSRF secret)."""
    secret = str(session.get("csrf_token", ""))
    return "session:" + hashlib.sha256(secret.encode()).hexdigest()[:32]


def has_no_form_session() -> bool:
    """No session, so no valid form token is possible: such a request counts toward nothing."""
    return not isinstance(session.get("csrf_token"), str)


class RateLimitStorageUnavailable(ServiceUnavailable):
    """A fail-closed limiter could not reach its storage: the request is refused, nothing is done."""

    description = "The service cannot check its request limits right now. Try again in a minute."


class ReprisalLimiter(Limiter):
    """A Flask-Limiter that fails open or closed on storage errors, logging once per outage."""

    def __init__(self, *, fail_open: bool, key_func: Callable[[], str]) -> None:
        super().__init__(
            key_func=key_func,
            default_limits=[],
            headers_enabled=False,
            swallow_errors=False,
            in_memory_fallback_enabled=False,
        )
        self.fail_open = fail_open
        self._outage = False
        self._last_probe = 0.0
        self._state_lock = threading.Lock()

    def init_app(self, app: Flask) -> None:
        apply_limit_overrides(app)
        uri = str(app.config.get("RATELIMIT_STORAGE_URI", ""))
        if uri.startswith(("redis://", "rediss://", "redis+unix://")):
            # A dead or unreachable Redis must not stall requests: fail (open or closed) quickly.
            app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))
        super().init_app(app)

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        try:
            super()._check_request_limit(callable_name, in_middleware)
        except RateLimitExceeded:
            raise
        except Exception as error:
            self._storage_failed(error)
            if not self.fail_open:
                raise RateLimitStorageUnavailable() from None
            return
        if self._outage:
            self._probe_recovery()

    def _storage_failed(self, error: Exception) -> None:
        with self._state_lock:
            first = not self._outage
            self._outage = True
            self._last_probe = time.monotonic()
        if first:
            # Only the exception's class: its message could name the storage's address or worse.
            message = OUTAGE_MESSAGE_OPEN if self.fail_open else OUTAGE_MESSAGE_CLOSED
            logger.error(message, type(error).__name__)

    def _probe_recovery(self) -> None:
        now = time.monotonic()
        with self._state_lock:
            if now - self._last_probe < PROBE_INTERVAL:
                return
            self._last_probe = now
        try:
            alive = bool(self.storage.check())
        except Exception:
            alive = False
        if alive:
            with self._state_lock:
                was_down, self._outage = self._outage, False
            if was_down:
                logger.warning(RECOVERED_MESSAGE)


def apply_limit_overrides(app: Flask) -> None:
    """Let the environment override configured limits: ``REPRISAL_<NAME>`` for each ``<NAME>_LIMIT``.

    For example ``REPRISAL_INTAKE_SUBMIT_LIMIT="100 per minute"`` replaces ``INTAKE_SUBMIT_LIMIT``. Only
    limit strings are taken this way; a bad string fails when the limit is first checked.
    """
    for name in [key for key in app.config if key.endswith("_LIMIT")]:
        value = os.environ.get(f"REPRISAL_{name}")
        if value:
            app.config[name] = value


def make_limiter(*, fail_open: bool, key_func: Callable[[], str]) -> ReprisalLimiter:
    """A limiter for one app. The intake passes ``fail_open=True``; sign-in must pass ``False``.

    Bind it with ``limiter.init_app(app)`` after the app's ``*_LIMIT`` settings are in its config, and
    decorate views with ``@limiter.limit(...)``. With ``fail_open=False`` a storage outage makes every
    limited request fail with :class:`RateLimitStorageUnavailable` (HTTP 503) instead of going through.
    """
    return ReprisalLimiter(fail_open=fail_open, key_func=key_func)
