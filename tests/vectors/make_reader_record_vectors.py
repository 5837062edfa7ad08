#!/usr/bin/env python3
"""Generate the fixed test vectors tests/vectors/reader-record-v1.json (docs/spec/reader-record-v1.md).

Run ONCE, by hand: `.venv/bin/python tests/vectors/make_reader_record_vectors.py`. The tests only read
the JSON file; this script refuses to overwrite it (--force only for a reviewed new version).

Records are built here from the spec with nacl.bindings alone (fixed seeds: Ed25519 signatures are
deterministic); `crypto.records` is used only to cross-check the result before writing.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

import nacl.bindings as sodium

HERE = Path(__file__).resolve().parent
OUT = HERE / "reader-record-v1.json"
CONTEXT = b"reprisal reader record v1\x00"
TODAY = "2027-03-01"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def seed(label: str) -> bytes:
    return hashlib.sha256(f"reader-record-v1 vector {label}".encode()).digest()


def org(label: str) -> tuple[bytes, bytes]:
    public, secret = sodium.crypto_sign_seed_keypair(seed(label))
    return public, secret


ORG_PUBLIC, ORG_SECRET = org("organisation")
OTHER_PUBLIC, OTHER_SECRET = org("not pinned")


def payload_bytes(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(payload: bytes, secret: bytes, context: bytes = CONTEXT) -> str:
    return b64(sodium.crypto_sign(context + payload, secret)[:64])


def record_file(payload: bytes, signers: list[tuple[bytes, bytes]], **overrides: object) -> str:
    document: dict[str, object] = {
        "format": "reprisal-reader-record",
        "version": 1,
        "payload": b64(payload),
        "signatures": [{"org_key": b64(p), "signature": sign(payload, s)} for p, s in signers],
    }
    document.update(overrides)
    return json.dumps(document, indent=2) + "\n"


def reader(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "type": "reader",
        "id": hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()[:32],
        "suite": 1,
        "public_key": b64(hashlib.sha256(b"reader key " + repr(fields).encode()).digest()),
        "holder": "Ana, CAT reprisal focal point",
        "role": "focal_point",
        "mechanisms": ["CAT"],
        "not_before": "2027-01-01",
        "not_after": "2027-12-31",
        "issued": "2026-12-02",
    }
    base.update(fields)
    return base


PINNED = [(ORG_PUBLIC, ORG_SECRET)]


def valid_cases() -> list[dict[str, object]]:
    cases = [
        ("focal point, suite 1", reader(), PINNED),
        (
            "two mechanisms, holder outside ASCII",
            reader(holder="Anaïs Pérez — 委员会", mechanisms=["CEDAW", "CRC"]),
            PINNED,
        ),
        (
            "escrow for every mechanism",
            reader(holder="OHCHR recovery key", role="escrow", mechanisms=[]),
            PINNED,
        ),
        ("escrow for one mechanism", reader(role="escrow", mechanisms=["SPT"]), PINNED),
        (
            "suite 2 (X-Wing) key",
            reader(suite=2, public_key=b64(bytes(range(256)) * 4 + bytes(192))),
            PINNED,
        ),
        ("expired", reader(not_before="2026-01-01", not_after="2027-02-28"), PINNED),
        ("not yet valid", reader(not_before="2027-03-02", not_after="2028-03-01"), PINNED),
        ("valid on its last day", reader(not_after=TODAY), PINNED),
        (
            "an unpinned signature first, then the pinned one",
            reader(),
            [(OTHER_PUBLIC, OTHER_SECRET), *PINNED],
        ),
        (
            "revocation",
            {
                "type": "revocation",
                "id": "0123456789abcdef0123456789abcdef",
                "suite": 1,
                "public_key": reader()["public_key"],
                "issued": "2027-02-01",
            },
            PINNED,
        ),
    ]
    result = []
    for name, payload, signers in cases:
        raw = payload_bytes(payload)
        entry: dict[str, object] = {
            "name": name,
            "file": record_file(raw, signers),
            "signed_bytes_hex": (CONTEXT + raw).hex(),
            "payload": payload,
        }
        if payload["type"] == "reader":
            valid = payload["not_before"] <= TODAY <= payload["not_after"]  # type: ignore[operator]
            entry["valid_on_today"] = valid
            entry["covers"] = {
                code: (payload["role"] == "escrow" and not payload["mechanisms"])
                or code in payload["mechanisms"]  # type: ignore[operator]
                for code in ("CAT", "CEDAW", "SPT")
            }
        result.append(entry)
    return result


def invalid_cases() -> list[dict[str, object]]:
    good = payload_bytes(reader())
    tampered = good.replace(b"Ana,", b"Eve,")
    cases: list[tuple[str, str, str]] = [
        (
            "payload changed after signing",
            record_file(good, PINNED).replace(b64(good), b64(tampered)),
            "signature",
        ),
        (
            "signed by an unpinned key only",
            record_file(good, [(OTHER_PUBLIC, OTHER_SECRET)]),
            "signature",
        ),
        (
            "signature without the context label",
            json.dumps(
                {
                    "format": "reprisal-reader-record",
                    "version": 1,
                    "payload": b64(good),
                    "signatures": [
                        {"org_key": b64(ORG_PUBLIC), "signature": sign(good, ORG_SECRET, b"")}
                    ],
                }
            ),
            "signature",
        ),
        ("no signatures", record_file(good, []), "format"),
        ("version 2", record_file(good, PINNED, version=2), "format"),
        ("unknown top-level field", record_file(good, PINNED, comment="hi"), "format"),
        ("unknown payload field", record_file(payload_bytes(reader(extra=1)), PINNED), "format"),
        (
            "duplicate payload key",
            record_file(good[:-1] + b',"role":"escrow"}', PINNED),
            "format",
        ),
        (
            "mechanisms not sorted",
            record_file(payload_bytes(reader(mechanisms=["CEDAW", "CAT"])), PINNED),
            "format",
        ),
        (
            "mechanism twice",
            record_file(payload_bytes(reader(mechanisms=["CAT", "CAT"])), PINNED),
            "format",
        ),
        (
            "lower-case mechanism",
            record_file(payload_bytes(reader(mechanisms=["cat"])), PINNED),
            "format",
        ),
        (
            "focal point with no mechanism",
            record_file(payload_bytes(reader(mechanisms=[])), PINNED),
            "format",
        ),
        (
            "unknown role",
            record_file(payload_bytes(reader(role="administrator")), PINNED),
            "format",
        ),
        (
            "suite 1 key of 33 bytes",
            record_file(payload_bytes(reader(public_key=b64(bytes(33)))), PINNED),
            "format",
        ),
        ("suite 0", record_file(payload_bytes(reader(suite=0)), PINNED), "format"),
        ("suite as a string", record_file(payload_bytes(reader(suite="1")), PINNED), "format"),
        (
            "not_before after not_after",
            record_file(payload_bytes(reader(not_before="2028-01-01")), PINNED),
            "format",
        ),
        (
            "date with a time",
            record_file(payload_bytes(reader(not_after="2027-12-31T00:00")), PINNED),
            "format",
        ),
        (
            "holder with a newline",
            record_file(payload_bytes(reader(holder="Ana\nEve")), PINNED),
            "format",
        ),
        ("empty holder", record_file(payload_bytes(reader(holder="")), PINNED), "format"),
        ("id not hex", record_file(payload_bytes(reader(id="X" * 32)), PINNED), "format"),
        (
            "payload base64 without padding",
            record_file(good, PINNED).replace(b64(good), b64(good).rstrip("=")),
            "format",
        ),
        ("payload not JSON", record_file(b"reader", PINNED), "format"),
    ]
    assert b64(good).endswith("="), "the unpadded case needs a payload whose base64 has padding"
    return [{"name": n, "file": f, "error": e} for n, f, e in cases]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    if OUT.exists() and not args.force:
        print(f"{OUT} exists; refusing to overwrite it", file=sys.stderr)
        return 1
    vectors = {
        "spec": "docs/spec/reader-record-v1.md",
        "today": TODAY,
        "org_seed_hex": seed("organisation").hex(),
        "org_public_key": b64(ORG_PUBLIC),
        "unpinned_org_public_key": b64(OTHER_PUBLIC),
        "valid": valid_cases(),
        "invalid": invalid_cases(),
    }
    # Cross-check with the implementation before writing anything.
    sys.path.insert(0, str(HERE.parent.parent))
    import datetime

    from crypto.errors import FormatError
    from crypto.records import ReaderRecord, SignatureError, verify_record

    today = datetime.date.fromisoformat(TODAY)
    for case in vectors["valid"]:
        record = verify_record(case["file"], [ORG_PUBLIC])
        if isinstance(record, ReaderRecord):
            assert record.valid_on(today) == case["valid_on_today"], case["name"]
    for case in vectors["invalid"]:
        expected = SignatureError if case["error"] == "signature" else FormatError
        try:
            verify_record(case["file"], [ORG_PUBLIC])
        except expected:
            continue
        raise AssertionError(f"{case['name']}: accepted")
    OUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
