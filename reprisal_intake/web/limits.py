"""Rate limits keyed on what they protect, never on the client address.

Behind Tor every request comes from 127.0.0.1, so a per-address limit would be one global bucket anyone
could empty; the limits here are explicit global caps per expensive endpoint and per-case keys.
"""

from __future__ import annotations

from flask_limiter import Limiter


def global_key() -> str:
    return "global"


def make_limiter() -> Limiter:
    # Storage comes from RATELIMIT_STORAGE_URI (REPRISAL_RATELIMIT_STORAGE_URI): memory:// for one
    # process, Redis in production.
    return Limiter(key_func=global_key, default_limits=[], headers_enabled=False)
