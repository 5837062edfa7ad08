"""The vendored browser libraries under reprisal_intake/static/vendor are exactly the files that
MANIFEST.sha256 lists (scripts/vendor_libsodium.py writes both), and libsodium.js cannot reach the
network.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "reprisal_intake" / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.sha256"
LIBSODIUM = VENDOR / "libsodium"
LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")


def read_manifest() -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(MANIFEST.read_text(encoding="utf-8").splitlines(), 1):
        match = LINE.match(line)
        assert match, f"MANIFEST.sha256 line {number} is not '<sha256>  <path>': {line!r}"
        digest, name = match.groups()
        assert not name.startswith("/") and ".." not in name.split("/"), name
        assert name not in entries, f"{name} is listed twice"
        entries[name] = digest
    return entries


def test_every_vendored_file_matches_the_manifest() -> None:
    listed = read_manifest()
    present = {
        path.relative_to(VENDOR).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in VENDOR.rglob("*")
        if path.is_file() and path != MANIFEST
    }
    assert sorted(set(listed) - set(present)) == [], "listed in MANIFEST.sha256 but missing"
    assert sorted(set(present) - set(listed)) == [], "present but not in MANIFEST.sha256"
    changed = sorted(name for name in listed if listed[name] != present[name])
    assert changed == [], "SHA-256 differs from MANIFEST.sha256"


def test_libsodium_and_its_licences_are_vendored() -> None:
    names = set(read_manifest())
    for name in (
        "libsodium.js",
        "libsodium-wrappers.js",
        "LICENSE.libsodium.js.txt",
        "LICENSE.libsodium.txt",
        "SOURCE.txt",
    ):
        assert f"libsodium/{name}" in names
    for licence in ("LICENSE.libsodium.js.txt", "LICENSE.libsodium.txt"):
        text = (LIBSODIUM / licence).read_text(encoding="utf-8")
        assert "Permission to use, copy, modify, and/or distribute this software" in text


def test_vendored_libsodium_has_no_network_code() -> None:
    """Pinned finding: no URL, no fetch/importScripts/WebSocket/sendBeacon; the one XMLHttpRequest
    is Emscripten's readBinary for a Web Worker loading a separate .wasm file, which this build
    never does (the WebAssembly binary is embedded as base64 and the fallback is plain JS)."""
    core = (LIBSODIUM / "libsodium.js").read_text(encoding="utf-8")
    wrappers = (LIBSODIUM / "libsodium-wrappers.js").read_text(encoding="utf-8")
    for text in (core, wrappers):
        assert re.findall(r"https?://", text) == []
        for api in (
            "fetch(",
            "importScripts",
            "WebSocket",
            "sendBeacon",
            "EventSource",
            "import(",
            "new Worker",
            "eval(",
            "new Function",
        ):
            assert api not in text, api
    assert wrappers.count("XMLHttpRequest") == 0
    assert core.count("XMLHttpRequest") == 1
    # that XMLHttpRequest is only set up inside a Web Worker (WorkerGlobalScope), never in a page
    assert re.search(r"[A-Za-z]&&\([A-Za-z]=[A-Za-z]=>\{var [A-Za-z]=new XMLHttpRequest", core)
    assert core.count("useBackupModule") == 2  # the pure-JavaScript (wasm2js) fallback
    assert "isWasm2js" in core


def test_vendored_copy_matches_node_modules() -> None:
    """When node_modules is installed (npm ci), the vendored files are byte-for-byte its files."""
    if not (ROOT / "node_modules" / "libsodium-wrappers").is_dir():
        pytest.skip("node_modules is not installed (run `npm ci` to compare with the lockfile)")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "vendor_libsodium.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
