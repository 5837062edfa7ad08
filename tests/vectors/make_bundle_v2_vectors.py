#!/usr/bin/env python3
"""Generate tests/vectors/bundle-v2.json (docs/spec/bundle-v2.md) ONCE, by hand; refuses to overwrite.

The bundle is written by `crypto.bundle.write_bundle` from fixed keys (its envelopes and stanzas are
random, so the whole bundle is stored); the MAC is recomputed here with hashlib's own BLAKE2b to
cross-check the spec's definition before anything is written.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "bundle-v2.json"
sys.path.insert(0, str(HERE.parent.parent))

from nacl.public import PrivateKey  # noqa: E402

from crypto import BundleAccess, BundleItemSource, encrypt, seal_case_key, write_bundle  # noqa: E402


def main() -> int:
    if OUT.exists() and "--force" not in sys.argv:
        print(f"{OUT} exists; refusing to overwrite it", file=sys.stderr)
        return 1
    reviewer = PrivateKey(hashlib.sha256(b"bundle-v2 vector reviewer").digest())
    case_key = PrivateKey(hashlib.sha256(b"bundle-v2 vector case").digest())
    envelope = encrypt(b'{"what_happened": "vector"}', [case_key.public_key], {"kind": "report"})
    out = io.BytesIO()
    write_bundle(
        out,
        case_ref="RPR-VECTOR",
        case_public_key=case_key.public_key,
        access=[BundleAccess("vector reviewer", seal_case_key(case_key, reviewer.public_key))],
        items=[
            BundleItemSource(
                "r1", "report", datetime.date(2026, 12, 2), lambda: io.BytesIO(envelope)
            )
        ],
        case={"mechanisms": ["CAT"], "status": "new"},
        case_key=case_key,
    )
    bundle = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        manifest = archive.read("manifest.json")
        mac = archive.read("manifest.mac")
    mac_key = hashlib.blake2b(
        b"RPTENV bundle v2 manifest key", key=bytes(case_key), digest_size=32
    ).digest()
    expected = hashlib.blake2b(manifest, key=mac_key, digest_size=32).hexdigest()
    assert mac == (expected + "\n").encode(), "the spec and the code disagree"
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json":
                data = data.replace(b'"new"', b'"closed"')
            dst.writestr(name, data)
    vectors = {
        "spec": "docs/spec/bundle-v2.md",
        "reviewer_secret_key_hex": bytes(reviewer).hex(),
        "case_secret_key_hex": bytes(case_key).hex(),
        "mac_key_hex": mac_key.hex(),
        "manifest_mac_hex": expected,
        "bundle_base64": base64.b64encode(bundle).decode(),
        "tampered_bundle_base64": base64.b64encode(tampered.getvalue()).decode(),
        "report_plaintext": '{"what_happened": "vector"}',
    }
    OUT.write_text(json.dumps(vectors, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
