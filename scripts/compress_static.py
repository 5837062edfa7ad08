#!/usr/bin/env python3
"""Write a gzip copy (NAME.gz) beside every text file of reprisal_intake/static/, reproducibly.

Both the app (reprisal_intake/web/static_files.py) and deploy/nginx (gzip_static) send the .gz copy
with `Content-Encoding: gzip` to a browser that accepts it, so nothing is compressed per request.
Run after changing a static file; tests/web/test_static_files.py fails when a copy is stale.
The vendored files' copies are made by scripts/vendor_libsodium.py (and pinned in its manifest).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "reprisal_intake" / "static"
SUFFIXES = (".js", ".css", ".txt", ".svg")


def compressed(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def sources() -> list[Path]:
    return sorted(
        p
        for p in STATIC.rglob("*")
        if p.is_file() and p.suffix in SUFFIXES and "vendor" not in p.relative_to(STATIC).parts
    )


def main() -> int:
    for source in sources():
        target = source.with_name(source.name + ".gz")
        data = compressed(source.read_bytes())
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        print(f"{source.relative_to(STATIC)}: {source.stat().st_size} -> {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
