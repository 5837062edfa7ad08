"""Every byte a request may send is bounded while it streams.

* **A limit per route.** ``BODY_LIMITS`` (endpoint -> bytes, ``None`` for ``MAX_CONTENT_LENGTH``) and
  ``BODY_LIMIT_DEFAULT`` for every other route. Werkzeug enforces the limit on the stream itself:
  at once from ``Content-Length``, and while reading a chunked body (gunicorn sets
  ``wsgi.input_terminated``), so nothing past the limit is ever read.
* **A minimum rate.** ``MinimumRateInput`` wraps the WSGI input: after ``BODY_GRACE_SECONDS`` the body
  must keep arriving at ``BODY_MIN_RATE`` bytes a second on average, and no read of up to 16 KiB may
  wait more than ``BODY_STALL_SECONDS``, or reading fails (408 and the connection is closed; a file
  part already spooled is freed with the request). Under our gunicorn
  worker (``web.worker``) the deadline is on the socket itself, so a blocked read ends on time.
* **JSON by size and depth before parsing.** The app's JSON provider refuses a document nested deeper
  than ``MAX_JSON_DEPTH`` before building any object; its size is already bounded by the route limit.
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections.abc import Iterable
from typing import IO, Any, cast

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge, RequestTimeout
from werkzeug.wsgi import LimitedStream

KIB = 1024
MIB = 1024 * KIB
BODY_LIMIT_DEFAULT = 64 * KIB
# An honest sender over a poor Tor circuit still does far better than this; a body that trickles
# slower holds a thread for nothing.
BODY_MIN_RATE = 1024
BODY_GRACE_SECONDS = 10.0
# And each read (at most READ_PIECE bytes) must complete within this, so that a body sent fast at
# first cannot then stall on the credit it built up.
BODY_STALL_SECONDS = 20.0
# Reads from the server's stream are cut into pieces of this size, so the deadline is checked often.
READ_PIECE = 16 * KIB
MAX_JSON_DEPTH = 8
COLLECT_AFTER_BYTES = 1 * MIB
# Per-field memory for form text and the number of parts: the report's longest answer is 50,000
# characters (up to 200 KB of UTF-8), and a form has a few dozen fields plus its files.
MAX_FORM_FIELD_BYTES = 256 * KIB
MAX_FORM_PARTS = 150


class BodyTooSlow(RequestTimeout):
    description = "The request body arrived too slowly. Nothing was saved."


class MinimumRateInput:
    """A WSGI input stream that must deliver ``min_rate`` bytes a second after ``grace`` seconds."""

    def __init__(self, stream: Any, socket: Any, min_rate: int, grace: float) -> None:
        self._stream = stream
        self._socket = socket
        self._min_rate = min_rate
        self._grace = grace
        self._started = time.monotonic()
        self.consumed = 0

    def _deadline(self) -> float:
        return self._started + self._grace + self.consumed / self._min_rate

    def _arm(self) -> None:
        now = time.monotonic()
        if now > self._deadline():
            raise BodyTooSlow()
        deadline = min(self._deadline(), now + BODY_STALL_SECONDS)
        if self._socket is None:
            return
        if hasattr(self._socket, "read_deadline"):
            self._socket.read_deadline = deadline
        else:  # another server's socket: bound each read at least
            self._socket.settimeout(max(deadline - time.monotonic(), 0.001))

    def _count(self, size: int) -> None:
        self.consumed += size

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self.read(READ_PIECE):
                chunks.append(chunk)
            return b"".join(chunks)
        self._arm()
        try:
            data: bytes = self._stream.read(min(size, READ_PIECE))
        except TimeoutError as error:
            raise BodyTooSlow() from error
        self._count(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        self._arm()
        limit = READ_PIECE if size is None or size < 0 else min(size, READ_PIECE)
        try:
            data: bytes = self._stream.readline(limit)
        except TimeoutError as error:
            raise BodyTooSlow() from error
        self._count(len(data))
        return data

    def __iter__(self) -> Iterable[bytes]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class MinimumRateMiddleware:
    """Wraps the app: every request body is read through ``MinimumRateInput``."""

    def __init__(self, wsgi_app: Any, min_rate: int, grace: float) -> None:
        self.wsgi_app = wsgi_app
        self.min_rate = min_rate
        self.grace = grace

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = MinimumRateInput(
                stream, environ.get("gunicorn.socket"), self.min_rate, self.grace
            )
        return self.wsgi_app(environ, start_response)


def body_limit(endpoint: str | None) -> int:
    limits: dict[str, int | None] = current_app.config.get("BODY_LIMITS", {})
    if endpoint in limits:
        limit = limits[endpoint]
        return int(limit if limit is not None else current_app.config["MAX_CONTENT_LENGTH"])
    return int(current_app.config.get("BODY_LIMIT_DEFAULT", BODY_LIMIT_DEFAULT))


class StrictLimitedStream(LimitedStream):
    """Werkzeug's stream for a body without Content-Length (chunked), at most ``limit`` bytes.

    Werkzeug's own ``readall`` (``request.get_data()``) stops quietly at the limit and hands back a
    truncated body; here a body that goes on past the limit is refused instead."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


def apply_route_limits() -> None:
    """Before anything reads the body (this runs first): this route's limits on the stream."""
    limit = body_limit(request.endpoint)
    request.max_content_length = limit
    if request.content_length is None and "wsgi.input_terminated" in request.environ:
        # A binary stream, which werkzeug's stubs do not call an IO[bytes].
        request.stream = cast(
            IO[bytes], StrictLimitedStream(request.environ["wsgi.input"], limit, is_max=True)
        )
    request.max_form_memory_size = int(
        current_app.config.get("MAX_FORM_FIELD_BYTES", MAX_FORM_FIELD_BYTES)
    )
    request.max_form_parts = int(current_app.config.get("MAX_FORM_PARTS", MAX_FORM_PARTS))


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(document: bytes | str) -> int:
    """How deeply ``document`` nests arrays and objects, without parsing it (strings skipped)."""
    data = document.encode() if isinstance(document, str) else bytes(document)
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (ValueError, so ``get_json(silent=True)`` gives None) a document nested
    deeper than ``MAX_JSON_DEPTH`` before any object is built."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if json_depth(s) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return json.loads(s, **kwargs)


def close_after_refused_body(response: Response) -> Response:
    """A body refused before it was read to the end (too large, too slow, unreadable) is not
    drained after the answer: gunicorn would spend a thread for seconds reading what the peer still
    sends. Our worker (web.worker) then closes the connection at once."""
    stream = request.environ.get("wsgi.input")
    socket = request.environ.get("gunicorn.socket")
    announced = request.content_length
    unread = (
        announced is None or getattr(stream, "consumed", announced) < announced
    ) and "wsgi.input_terminated" in request.environ
    if (
        response.status_code in (400, 408, 413)
        and unread
        and socket is not None
        and hasattr(socket, "drain_after_response")
    ):
        socket.drain_after_response = False
    return response


def collect_after_large_body(_error: BaseException | None) -> None:
    """A refused body leaves its buffers in reference cycles (exception, traceback, parser frames)
    that Python's collector, which counts objects and not bytes, may not visit for many requests.
    After a request that sent more than ``COLLECT_AFTER_BYTES`` (or announced more than its route
    takes), collect at once, so that hostile bodies cannot pile up in a worker's memory."""
    stream = request.environ.get("wsgi.input")
    consumed = getattr(stream, "consumed", 0)
    announced = request.content_length or 0
    if consumed > COLLECT_AFTER_BYTES or announced > body_limit(request.endpoint):
        gc.collect()


def init_app(app: Flask) -> None:
    """Call before any other extension that may read the body (CSRF reads the form)."""
    app.json = BoundedJSONProvider(app)
    app.teardown_request(collect_after_large_body)
    app.after_request(close_after_refused_body)
    app.before_request_funcs.setdefault(None, []).insert(0, apply_route_limits)
    app.wsgi_app = MinimumRateMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        int(app.config.get("BODY_MIN_RATE", BODY_MIN_RATE)),
        float(app.config.get("BODY_GRACE_SECONDS", BODY_GRACE_SECONDS)),
    )
