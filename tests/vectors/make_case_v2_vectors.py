#!/usr/bin/env python3
"""Generate tests/vectors/case-v2.json ONCE, by hand: `.venv/bin/python tests/vectors/make_case_v2_vectors.py`.
It refuses to overwrite the file.

Two sets of vectors:

* ``submitter_keys``: the X-Wing submitter key of codename v2 (docs/codename-v2.md): for every codename
  of codename-v2.json, seed = BLAKE2b-256("RPTENV codename v2 X-Wing submitter key", key = root) and
  the X-Wing public key of that seed.
* ``case``: a suite-2 case (docs/spec/rptenv-v2.md sections 3-4): an X-Wing case key sealed to a
  hybrid reviewer (a derandomized access stanza), the report sealed to the case key, and a reply
  sealed to the case key and the X-Wing submitter key of a codename.

Written from the specs with the independent implementation of make_vectors_v2.py (kyber-py's
ML-KEM-768, hashlib, nacl.bindings); the `crypto` package is used only to cross-check before writing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sys
from pathlib import Path

import nacl.utils

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "case-v2.json"
sys.path.insert(0, str(HERE))

from make_vectors_v2 import (  # noqa: E402  (the independent implementation, beside this file)
    ACCESS_LABEL,
    stanza,
    write_envelope,
    xwing_keygen,
)

SUBMITTER_LABEL = b"RPTENV codename v2 X-Wing submitter key"


def root_of(codename: str, language: str) -> bytes:
    message = b"RPTENV codename v2\x00" + language.encode() + b"\x00" + codename.encode("utf-8")
    return hashlib.blake2b(message, digest_size=32).digest()


def keyed(label: bytes, root: bytes) -> bytes:
    return hashlib.blake2b(label, digest_size=32, key=root).digest()


def submitter_vectors() -> list[dict[str, str]]:
    codenames = json.loads((HERE / "codename-v2.json").read_text(encoding="utf-8"))["vectors"]
    out = []
    for v in codenames:
        seed = keyed(SUBMITTER_LABEL, root_of(v["codename"], v["language"]))
        out.append(
            {
                "language": v["language"],
                "codename": v["codename"],
                "xwing_submitter_seed": seed.hex(),
                "xwing_submitter_public_key": xwing_keygen(seed)[2].hex(),
            }
        )
    return out


def case_vector(submitter: dict[str, str]) -> dict[str, object]:
    reviewer_seed, case_seed = nacl.utils.random(32), nacl.utils.random(32)
    reviewer_pk = xwing_keygen(reviewer_seed)[2]
    case_pk = xwing_keygen(case_seed)[2]
    eseed = nacl.utils.random(64)
    report = json.dumps({"what_happened": "questioned at the border after the session"}).encode()
    reply = b"We received your report and will write again within a week."
    submitter_pk = bytes.fromhex(submitter["xwing_submitter_public_key"])
    return {
        "reviewer_seed": reviewer_seed.hex(),
        "reviewer_public_key": reviewer_pk.hex(),
        "case_seed": case_seed.hex(),
        "case_public_key": case_pk.hex(),
        "access_eseed": eseed.hex(),
        "access_stanza": stanza(case_seed, reviewer_pk, ACCESS_LABEL, eseed).hex(),
        "codename": submitter["codename"],
        "language": submitter["language"],
        "submitter_public_key": submitter["xwing_submitter_public_key"],
        "report_plaintext": report.decode(),
        "report": write_envelope(report, [case_pk], {"v": 1, "kind": "report"}, 12).hex(),
        "reply_plaintext": reply.decode(),
        "reply": write_envelope(
            reply, [case_pk, submitter_pk], {"v": 1, "kind": "reply"}, 12
        ).hex(),
    }


def cross_check(vectors: dict[str, object]) -> None:
    sys.path.insert(0, str(ROOT))
    import crypto
    from crypto.codename import derive_codename_v2_keys
    from crypto.stanzas import seal_stanza_derandomized

    for v in vectors["submitter_keys"]:  # type: ignore[attr-defined]
        keys = derive_codename_v2_keys(v["codename"], v["language"])
        assert keys.hybrid_seed is not None and keys.hybrid_seed.hex() == v["xwing_submitter_seed"]
        assert bytes(keys.hybrid_submitter_key.public_key).hex() == v["xwing_submitter_public_key"]
    case = vectors["case"]
    reviewer = crypto.XWingSecretKey(bytes.fromhex(case["reviewer_seed"]))  # type: ignore[index]
    case_public_key = crypto.public_key_from_bytes(bytes.fromhex(case["case_public_key"]))  # type: ignore[index]
    access = bytes.fromhex(case["access_stanza"])  # type: ignore[index]
    assert access == seal_stanza_derandomized(
        bytes.fromhex(case["case_seed"]),  # type: ignore[index]
        reviewer.public_key,
        b"RPTENV v2 X-Wing access",
        bytes.fromhex(case["access_eseed"]),  # type: ignore[index]
    )
    case_key = crypto.open_case_key([access], reviewer, case_public_key=case_public_key)
    assert (
        crypto.decrypt(bytes.fromhex(case["report"]), case_key)[1].decode()
        == case["report_plaintext"]
    )  # type: ignore[index]
    submitter = derive_codename_v2_keys(case["codename"], case["language"]).hybrid_submitter_key  # type: ignore[index]
    for key in (case_key, submitter):
        assert (
            crypto.decrypt(bytes.fromhex(case["reply"]), key)[1].decode() == case["reply_plaintext"]
        )  # type: ignore[index]


def main() -> int:
    if OUT.exists():
        print(f"{OUT} exists; it pins the format, so it is never regenerated", file=sys.stderr)
        return 1
    submitters = submitter_vectors()
    vectors: dict[str, object] = {
        "description": "Codename v2 X-Wing submitter keys and a suite-2 case "
        "(docs/codename-v2.md, docs/spec/rptenv-v2.md sections 3-4). Generated once by "
        "make_case_v2_vectors.py on " + datetime.date.today().isoformat() + "; never regenerate.",
        "submitter_keys": submitters,
        "case": case_vector(submitters[0]),
    }
    cross_check(vectors)
    OUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
