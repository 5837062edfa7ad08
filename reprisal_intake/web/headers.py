"""Security headers, by hand (flask-talisman's defaults do not fit onion services).

Every response gets a strict Content-Security-Policy (``default-src 'none'`` plus what the page needs),
no caching, no framing, no referrer outside the origin, and same-origin isolation. No HSTS: onion
services have no TLS to pin, and on .onion the header is meaningless.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, g

BASE_POLICY: dict[str, str] = {
    "default-src": "'none'",
    "style-src": "'self'",
    "img-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}

# What a page that runs the vendored libsodium needs on top of the base policy.
SCRIPT_POLICY: dict[str, str] = {
    "script-src": "'self' 'wasm-unsafe-eval'",
    "connect-src": "'self'",
}

STATIC_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
    ),
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
}

F = TypeVar("F", bound=Callable[..., Any])


def extra_csp(**directives: str) -> Callable[[F], F]:
    """Widen the policy of one view, e.g. ``@extra_csp(**SCRIPT_POLICY)``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            g.extra_csp = {name.replace("_", "-"): value for name, value in directives.items()}
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def content_security_policy(extra: dict[str, str] | None = None) -> str:
    policy = dict(BASE_POLICY)
    policy.update(extra or {})
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def set_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(g.get("extra_csp"))
    for name, value in STATIC_HEADERS.items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
