"""Static files sent precompressed: NAME.gz (made by scripts/compress_static.py) with
``Content-Encoding: gzip`` when the browser accepts gzip, the file itself otherwise.

Nothing is compressed per request. Caching stays ``no-store`` like every other response (headers.py):
a disk cache entry naming this site's scripts would be a trace on a seized device; the page stays
light instead by fetching the crypto code only when the person sends (docs/browser-encryption.md).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Flask, Response, current_app, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join


def send_static(filename: str) -> Response:
    folder = current_app.static_folder
    if folder is None:
        raise NotFound()
    return send_file_from(folder, filename)


def send_file_from(folder: str | Path, filename: str) -> Response:
    """``filename`` under ``folder``, its ``.gz`` copy to a browser that accepts gzip."""
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype == "application/javascript":
        mimetype += "; charset=utf-8"
    compressed = safe_join(str(folder), filename + ".gz")
    accepts_gzip = request.accept_encodings.best_match(["gzip"]) == "gzip"
    if compressed is not None and accepts_gzip and Path(compressed).is_file():
        response = send_from_directory(folder, filename + ".gz", mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_from_directory(folder, filename, mimetype=mimetype)
    response.vary.add("Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    app.view_functions["static"] = send_static
