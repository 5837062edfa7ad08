"""The bare comparison apps of the benchmarks: plain Flask, no database, no encryption.

* ``GET /report`` returns a tiny page with a ``csrf_token`` field (so the same client works unchanged).
* ``POST /report`` parses the same multipart form as the intake and answers a small page.
* ``POST /discard`` parses a multipart upload with Werkzeug as the intake does, but writes file parts
  into a sink that throws the bytes away.

Run under the intake's own gunicorn config: ``gunicorn -c deploy/gunicorn/intake.conf.py
'bench.bare_app:create_app()'``.
"""

from __future__ import annotations

import io
from typing import IO, Any

from flask import Flask, Request, request


class Discard(io.RawIOBase):
    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return 0


class DiscardingRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self.path == "/discard":
            return Discard()  # type: ignore[return-value]
        return super()._get_file_stream(
            total_content_length, content_type, filename, content_length
        )


class BareFlask(Flask):
    request_class = DiscardingRequest


def create_app() -> Flask:
    app = BareFlask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=1100 * 1024 * 1024, MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024)

    @app.get("/safety")
    def safety() -> str:
        return "<!doctype html><title>ok</title><p>ok</p>"

    @app.get("/report")
    def form() -> str:
        return '<!doctype html><form><input name="csrf_token" value="bare"></form>'

    @app.post("/report")
    def submit() -> str:
        fields = request.form.to_dict(flat=False)
        files = request.files.getlist("attachments")
        return f"<!doctype html><p>{len(fields)} fields, {len(files)} files</p>"

    @app.post("/discard")
    def discard() -> str:
        sizes = [f.stream.size for f in request.files.getlist("attachments")]  # type: ignore[attr-defined]
        return f"<!doctype html><p>discarded {sum(sizes)} bytes</p>"

    return app
