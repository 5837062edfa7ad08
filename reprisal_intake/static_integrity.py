"""What the browser runs is what was shipped: the vendored files match their manifest, and every
script tag carries its Subresource Integrity hash.

At start-up the app refuses to run when a file under ``static/vendor`` differs from
``static/vendor/MANIFEST.sha256`` (or is missing, or is not listed). Templates write
``integrity="{{ integrity('js/report.js') }}"``: the SHA-384 of each script, computed once when the
app starts, so a script changed on disk afterwards is refused by the browser rather than run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path

from flask import Flask

MANIFEST_NAME = "MANIFEST.sha256"
_LINE = re.compile(r"([0-9a-f]{64})  (\S(?:.*\S)?)")


class IntegrityError(RuntimeError):
    """A vendored file does not match MANIFEST.sha256: the app must not start."""


def check_vendored(vendor: Path) -> None:
    """Every file under ``vendor`` is listed in its manifest with the right SHA-256, and only those."""
    try:
        lines = (vendor / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise IntegrityError(f"{vendor / MANIFEST_NAME} is missing") from None
    listed: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        match = _LINE.fullmatch(line)
        if not match or ".." in match.group(2).split("/") or match.group(2).startswith("/"):
            raise IntegrityError(f"{MANIFEST_NAME} line {number} is malformed")
        listed[match.group(2)] = match.group(1)
    present = {
        p.relative_to(vendor).as_posix()
        for p in vendor.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME
    }
    unlisted = sorted(present - set(listed))
    if unlisted:
        raise IntegrityError(f"vendored file {unlisted[0]} is not listed in {MANIFEST_NAME}")
    for name, digest in sorted(listed.items()):
        path = vendor / name
        if not path.is_file():
            raise IntegrityError(f"vendored file {name} listed in {MANIFEST_NAME} is missing")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if not hmac.compare_digest(actual, digest):
            raise IntegrityError(f"vendored file {name} does not match {MANIFEST_NAME}")


def script_hashes(static: Path) -> dict[str, str]:
    """``sha384-...`` of every script under ``static``, by its path relative to it."""
    return {
        path.relative_to(static).as_posix(): "sha384-"
        + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()
        for path in static.rglob("*.js")
    }


def init_app(app: Flask) -> None:
    assert app.static_folder is not None
    static = Path(app.static_folder)
    vendor = Path(app.config.get("VENDOR_FOLDER") or static / "vendor")
    if vendor.is_dir() or app.config.get("VENDOR_FOLDER"):
        check_vendored(vendor)
    hashes = script_hashes(static)

    def integrity(filename: str) -> str:
        return hashes[filename]  # a KeyError for a script that is not shipped: a bug

    app.jinja_env.globals["integrity"] = integrity
