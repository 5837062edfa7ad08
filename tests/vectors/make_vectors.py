#!/usr/bin/env python3
"""Generate the fixed test vectors tests/vectors/rptenv-v1.json and codename-v1.json.

Run ONCE, by hand: `.venv/bin/python tests/vectors/make_vectors.py`. The tests never run it; they
only read the JSON files. The files pin the byte formats forever, so the script refuses to
overwrite existing files (pass --force only for a deliberate, reviewed re-generation of a new
version).

The values are computed by a second, independent implementation written here from the specs
(docs/spec/rptenv-v1.md, docs/codename-v1.md) with nacl.bindings, hashlib's own BLAKE2b and a hand-made
ISO/IEC 7816-4 pad; the `crypto` package is used only to cross-check the result before writing.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import io
import json
import math
import re
import secrets
import sys
import unicodedata
import zipfile
from pathlib import Path

import nacl.bindings as sodium
import nacl.pwhash
import nacl.secret
import nacl.utils

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORDLIST = ROOT / "crypto" / "wordlists" / "eff_large_wordlist.txt"

TAG_MESSAGE, TAG_PUSH, TAG_FINAL = 0, 1, 3


# --- an independent RPTENV v1 writer -----------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def blake2b_256(message: bytes, key: bytes = b"") -> bytes:
    return hashlib.blake2b(message, digest_size=32, key=key).digest()


def iso7816_pad(data: bytes, block: int) -> bytes:
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def padme_float(length: int) -> int:
    e = math.floor(math.log2(length))
    s = math.floor(math.log2(e)) + 1
    mask = 2 ** (e - s) - 1
    return (length + mask) & ~mask


def count_messages(length: int, c: int) -> int:
    m = length // c + 2
    return max(m, padme_float(m * c) // c)


def write_envelope(
    data: bytes,
    recipients: list[bytes],
    metadata: dict[str, object],
    chunk_log2: int,
    file_key: bytes,
) -> bytes:
    c = 1 << chunk_log2
    stanzas = b"".join(sodium.crypto_box_seal(file_key, pk) for pk in recipients)
    commitment = blake2b_256(b"RPTENV v1 key commitment", file_key)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    ss_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(
        state, blake2b_256(b"RPTENV v1 stream key", file_key)
    )
    header = (
        b"RPTENV" + bytes([1, 1, chunk_log2, len(recipients)]) + stanzas + commitment + ss_header
    )
    meta = json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert len(meta) < c
    plaintexts = [(iso7816_pad(meta, c), TAG_MESSAGE)]
    full = len(data) // c
    plaintexts += [(data[i * c : (i + 1) * c], TAG_MESSAGE) for i in range(full)]
    n = count_messages(len(data), c)
    last = iso7816_pad(data[full * c :], c)
    plaintexts.append((last, TAG_FINAL if len(plaintexts) == n - 1 else TAG_PUSH))
    while len(plaintexts) < n:
        plaintexts.append((bytes(c), TAG_FINAL if len(plaintexts) == n - 1 else TAG_MESSAGE))
    out = [header]
    for index, (plaintext, tag) in enumerate(plaintexts):
        assert len(plaintext) == c
        out.append(
            sodium.crypto_secretstream_xchacha20poly1305_push(
                state, plaintext, header if index == 0 else None, tag
            )
        )
    return b"".join(out)


def write_raw_envelope(
    recipients: list[bytes], messages: list[tuple[bytes, int]], file_key: bytes
) -> bytes:
    """For invalid vectors: exactly these plaintexts and tags (4 KiB chunks)."""
    stanzas = b"".join(sodium.crypto_box_seal(file_key, pk) for pk in recipients)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    ss_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(
        state, blake2b_256(b"RPTENV v1 stream key", file_key)
    )
    header = (
        b"RPTENV\x01\x01\x0c"
        + bytes([len(recipients)])
        + stanzas
        + blake2b_256(b"RPTENV v1 key commitment", file_key)
        + ss_header
    )
    out = [header]
    for index, (plaintext, tag) in enumerate(messages):
        out.append(
            sodium.crypto_secretstream_xchacha20poly1305_push(
                state, plaintext, header if index == 0 else None, tag
            )
        )
    return b"".join(out)


def pattern(length: int) -> bytes:
    return bytes((i * 31 + (i >> 8)) & 0xFF for i in range(length))


def keypair() -> tuple[bytes, bytes]:
    secret = nacl.utils.random(32)
    return secret, sodium.crypto_scalarmult_base(secret)


# --- vectors -----------------------------------------------------------------------------------


def envelope_vectors(reviewer_pk: bytes, second_pk: bytes) -> list[dict[str, object]]:
    cases: list[tuple[str, int, dict[str, object], list[bytes], bool]] = [
        ("empty note", 0, {"v": 1, "kind": "note"}, [reviewer_pk], True),
        (
            "one byte follow-up",
            1,
            {"v": 1, "kind": "followup", "created": "2024-05-01"},
            [reviewer_pk],
            True,
        ),
        ("C-1 bytes", 4095, {"v": 1, "kind": "report"}, [reviewer_pk], True),
        (
            "C bytes: end message holds only the pad",
            4096,
            {
                "v": 1,
                "kind": "attachment",
                "name": "r\u00e9sum\u00e9 \u2013 2024.pdf",
                "type": "application/pdf",
            },
            [reviewer_pk],
            True,
        ),
        ("C+1 bytes", 4097, {"v": 1, "kind": "report"}, [reviewer_pk], True),
        (
            "two recipients (case key and submitter key)",
            4097,
            {"v": 1, "kind": "reply"},
            [reviewer_pk, second_pk],
            True,
        ),
        (
            "Padme adds one padding message (m = 65, N = 66)",
            63 * 4096,
            {"v": 1, "kind": "attachment", "name": "a.bin", "type": "application/octet-stream"},
            [reviewer_pk],
            False,
        ),
    ]
    vectors = []
    for description, length, metadata, recipients, inline in cases:
        data = pattern(length) if length != 1 else b"\x00"
        file_key = nacl.utils.random(32)
        envelope = write_envelope(data, recipients, metadata, 12, file_key)
        vector: dict[str, object] = {
            "description": description,
            "chunk_log2": 12,
            "recipients": len(recipients),
            "file_key": file_key.hex(),
            "message_count": count_messages(length, 4096),
            "metadata": metadata,
            "plaintext_length": length,
            "plaintext_sha256": hashlib.sha256(data).hexdigest(),
            "envelope": envelope.hex(),
        }
        if inline:
            vector["plaintext"] = data.hex()
        vectors.append(vector)
    return vectors


def invalid_envelope_vectors(reviewer_pk: bytes) -> list[dict[str, object]]:
    meta = iso7816_pad(b'{"v":1,"kind":"note"}', 4096)
    data = iso7816_pad(b"data", 4096)
    nonzero = bytearray(4096)
    nonzero[100] = 1
    vectors = []

    def add(description: str, error: str, envelope: bytes) -> None:
        vectors.append({"description": description, "error": error, "envelope": envelope.hex()})

    key = nacl.utils.random(32)
    add(
        "padding message not all zero",
        "AuthenticationError",
        write_raw_envelope(
            [reviewer_pk],
            [(meta, TAG_MESSAGE), (data, TAG_PUSH), (bytes(nonzero), TAG_FINAL)],
            key,
        ),
    )
    good = write_raw_envelope([reviewer_pk], [(meta, TAG_MESSAGE), (data, TAG_FINAL)], key)
    add("FINAL message dropped", "TruncatedError", good[: -(4096 + 17)])
    add("byte after FINAL", "FormatError", good + b"\x00")
    flipped = bytearray(good)
    flipped[-1] ^= 1
    add("bit flipped in the last message", "AuthenticationError", bytes(flipped))
    wrong_commitment = bytearray(good)
    wrong_commitment[10 + 80] ^= 1
    add("commitment does not match the file key", "NotARecipientError", bytes(wrong_commitment))
    add(
        "metadata message tagged PUSH",
        "AuthenticationError",
        write_raw_envelope([reviewer_pk], [(meta, TAG_PUSH), (data, TAG_FINAL)], key),
    )
    add(
        "metadata v is 2",
        "FormatError",
        write_raw_envelope(
            [reviewer_pk],
            [(iso7816_pad(b'{"v":2,"kind":"note"}', 4096), TAG_MESSAGE), (data, TAG_FINAL)],
            key,
        ),
    )
    for index, value, what in ((6, 2, "version 2"), (7, 2, "suite 2"), (8, 11, "chunk_log2 11")):
        bad = bytearray(good)
        bad[index] = value
        add(what, "FormatError", bytes(bad))
    return vectors


def size_vectors() -> dict[str, object]:
    padme_lengths = [2, 3, 9, 100, 1000, 1025, 8192, 266240, 1_000_000, 123_456_789]
    counts = [
        (length, chunk_log2)
        for chunk_log2 in (12, 16, 20)
        for length in (0, 1, (1 << chunk_log2) - 1, 1 << chunk_log2, 63 << chunk_log2, 3 << 20)
    ]
    return {
        "padme": [{"length": n, "padme": padme_float(n)} for n in padme_lengths],
        "message_count": [
            {"data_length": n, "chunk_log2": k, "message_count": count_messages(n, 1 << k)}
            for n, k in counts
        ],
    }


def key_file_vectors() -> list[dict[str, object]]:
    secret, public = keypair()
    passphrase = "vector passphrase \u2013 \u00fcn\u00efcode \u2713"
    salt = nacl.utils.random(16)
    ops, mem = nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN
    key = nacl.pwhash.argon2id.kdf(32, passphrase.encode("utf-8"), salt, opslimit=ops, memlimit=mem)
    nonce = nacl.utils.random(24)
    wrapped = nonce + sodium.crypto_secretbox(secret, nonce, key)
    protected = {
        "format": "reprisal-secret-key",
        "version": 1,
        "public_key": b64(public),
        "kdf": "argon2id13",
        "opslimit": ops,
        "memlimit": mem,
        "salt": b64(salt),
        "secret_key": b64(wrapped),
    }
    secret2, public2 = keypair()
    unprotected = {
        "format": "reprisal-secret-key",
        "version": 1,
        "public_key": b64(public2),
        "kdf": "none",
        "secret_key": b64(secret2),
    }
    return [
        {
            "description": "argon2id13 at MIN limits",
            "passphrase": passphrase,
            "public_key": public.hex(),
            "key_file": json.dumps(protected, indent=2) + "\n",
        },
        {
            "description": "kdf none (tests only)",
            "passphrase": None,
            "public_key": public2.hex(),
            "key_file": json.dumps(unprotected, indent=2) + "\n",
        },
    ]


def bundle_vector() -> dict[str, object]:
    reviewer_secret, reviewer_public = keypair()
    case_secret, case_public = keypair()
    _other_secret, other_public = keypair()
    items = [
        (
            "Rk3x9",
            "report",
            {"v": 1, "kind": "report"},
            json.dumps({"answers": {"what": "travel ban after testimony"}}).encode(),
        ),
        (
            "att_01",
            "attachment",
            {"v": 1, "kind": "attachment", "name": "letter.txt", "type": "text/plain"},
            pattern(5000),
        ),
    ]
    out = io.BytesIO()
    manifest_items = []
    plaintexts = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for item_id, kind, metadata, data in items:
            envelope = write_envelope(data, [case_public], metadata, 12, nacl.utils.random(32))
            info = zipfile.ZipInfo(f"items/{item_id}.rptenv", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, envelope)
            manifest_items.append(
                {
                    "id": item_id,
                    "kind": kind,
                    "path": f"items/{item_id}.rptenv",
                    "sha256": hashlib.sha256(envelope).hexdigest(),
                    "created": "2024-05-01",
                }
            )
            plaintexts[item_id] = {"metadata": metadata, "plaintext": data.hex()}
        manifest = {
            "format": "reprisal-case-bundle",
            "version": 1,
            "case_ref": "RPR-VECTOR-1",
            "case_public_key": b64(case_public),
            "access": [
                {
                    "reviewer": "someone else",
                    "sealed_case_key": b64(sodium.crypto_box_seal(case_secret, other_public)),
                },
                {
                    "reviewer": "vector reviewer",
                    "sealed_case_key": b64(sodium.crypto_box_seal(case_secret, reviewer_public)),
                },
            ],
            "items": manifest_items,
            "case": {"mechanisms": ["CCPR", "SP"], "status": "new", "urgency": "high"},
        }
        info = zipfile.ZipInfo("manifest.json", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, json.dumps(manifest, indent=2) + "\n")
    return {
        "description": "two items, two access stanzas (the second is the reviewer's)",
        "reviewer_secret_key": reviewer_secret.hex(),
        "case_secret_key": case_secret.hex(),
        "case_ref": "RPR-VECTOR-1",
        "items": plaintexts,
        "bundle": b64(out.getvalue()),
    }


def codename_vectors() -> dict[str, object]:
    words = WORDLIST.read_text(encoding="utf-8").splitlines()
    assert len(words) == len(set(words)) == 7776

    def normalise(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).lower()
        return " ".join(part for part in re.split(r"\s+", text) if part)

    def entry(typed: str) -> dict[str, object]:
        normal = normalise(typed)
        root = blake2b_256(normal.encode("utf-8"))
        secret = blake2b_256(b"RPTENV v1 submitter key", root)
        parts = normal.split(" ")
        return {
            "input": typed,
            "normalised": normal,
            "well_formed": len(parts) == 10 and all(p in set(words) for p in parts),
            "root": root.hex(),
            "lookup_tag": blake2b_256(b"RPTENV v1 lookup tag", root).hex(),
            "submitter_secret_key": secret.hex(),
            "submitter_public_key": sodium.crypto_scalarmult_base(secret).hex(),
        }

    generated = [" ".join(secrets.choice(words) for _ in range(10)) for _ in range(4)]
    fixed = " ".join(words[i] for i in (0, 1, 2, 7775, 2008, 2527, 6639, 7747, 1000, 5000))
    typed = [
        *generated,
        fixed,
        "  " + fixed.upper().replace(" ", " \t\u00a0 ") + "\n",
        unicodedata.normalize("NFKD", fixed).replace("a", "\uff41"),  # full-width a
        " ".join(fixed.split()[:9]),  # 9 words: not well formed, still derives
        fixed + " abacus",  # 11 words
        fixed.replace("abacus", "abacuss"),  # unknown word
    ]
    return {
        "description": "docs/codename-v1.md; computed with hashlib.blake2b and "
        "crypto_scalarmult_base",
        "vectors": [entry(t) for t in typed],
    }


# --- cross-check with the crypto package, then write ----------------------------------------


def cross_check(rptenv: dict[str, object], codenames: dict[str, object]) -> None:
    sys.path.insert(0, str(ROOT))
    from nacl.public import PrivateKey

    import crypto

    reviewer = PrivateKey(bytes.fromhex(str(rptenv["reviewer_secret_key"])))
    second = PrivateKey(bytes.fromhex(str(rptenv["second_secret_key"])))
    for vector in rptenv["envelopes"]:  # type: ignore[attr-defined]
        envelope = bytes.fromhex(vector["envelope"])
        for key in [reviewer, second][: vector["recipients"]]:
            metadata, data = crypto.decrypt(envelope, key)
            assert metadata == vector["metadata"], vector["description"]
            assert hashlib.sha256(data).hexdigest() == vector["plaintext_sha256"]
        header = crypto.read_header(io.BytesIO(envelope))
        assert crypto.check_structure(header, len(envelope)) == vector["message_count"]
        assert len(envelope) == crypto.envelope_size(
            vector["plaintext_length"], 12, vector["recipients"]
        )
    for vector in rptenv["invalid_envelopes"]:  # type: ignore[attr-defined]
        try:
            crypto.decrypt(bytes.fromhex(vector["envelope"]), reviewer)
        except crypto.RptenvError as error:
            assert type(error).__name__ == vector["error"], (vector["description"], error)
        else:
            raise AssertionError(vector["description"])
    for vector in rptenv["key_files"]:  # type: ignore[attr-defined]
        key = crypto.load_key_file(vector["key_file"], vector["passphrase"])
        assert bytes(key.public_key).hex() == vector["public_key"]
    bundle = rptenv["bundle"]
    with crypto.open_bundle(
        io.BytesIO(base64.b64decode(bundle["bundle"])),  # type: ignore[index]
        PrivateKey(bytes.fromhex(bundle["reviewer_secret_key"])),  # type: ignore[index]
    ) as opened:
        for item, reader in opened.items():
            expected = bundle["items"][item["id"]]  # type: ignore[index]
            assert reader.metadata == expected["metadata"]
            assert b"".join(reader.chunks()).hex() == expected["plaintext"]
    for vector in rptenv["sizes"]["padme"]:  # type: ignore[index]
        assert crypto.padme(vector["length"]) == vector["padme"]
    for vector in rptenv["sizes"]["message_count"]:  # type: ignore[index]
        assert (
            crypto.message_count(vector["data_length"], vector["chunk_log2"])
            == vector["message_count"]
        )
    for vector in codenames["vectors"]:  # type: ignore[attr-defined]
        assert crypto.normalize_codename(vector["input"]) == vector["normalised"]
        assert crypto.is_well_formed(vector["input"]) == vector["well_formed"]
        keys = crypto.derive_codename_keys(vector["input"])
        assert keys.lookup_tag.hex() == vector["lookup_tag"]
        assert bytes(keys.submitter_key).hex() == vector["submitter_secret_key"]
        assert bytes(keys.submitter_key.public_key).hex() == vector["submitter_public_key"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite existing vector files")
    args = parser.parse_args()
    targets = [HERE / "rptenv-v1.json", HERE / "codename-v1.json"]
    if not args.force and any(t.exists() for t in targets):
        print(
            "vector files exist; they are fixed forever (use --force deliberately)", file=sys.stderr
        )
        return 1

    reviewer_secret, reviewer_public = keypair()
    second_secret, second_public = keypair()
    rptenv = {
        "description": "RPTENV v1 test vectors (docs/spec/rptenv-v1.md). Generated once by "
        "make_vectors.py on " + datetime.date.today().isoformat() + "; never regenerate.",
        "reviewer_secret_key": reviewer_secret.hex(),
        "reviewer_public_key": reviewer_public.hex(),
        "second_secret_key": second_secret.hex(),
        "second_public_key": second_public.hex(),
        "envelopes": envelope_vectors(reviewer_public, second_public),
        "invalid_envelopes": invalid_envelope_vectors(reviewer_public),
        "sizes": size_vectors(),
        "key_files": key_file_vectors(),
        "bundle": bundle_vector(),
    }
    codenames = codename_vectors()
    cross_check(rptenv, codenames)
    for target, content in zip(targets, (rptenv, codenames), strict=True):
        target.write_text(
            json.dumps(content, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
