#!/usr/bin/env python3
"""Generate the fixed test vectors tests/vectors/rptenv-v2.json (suite 2, X-Wing).

Run ONCE, by hand: `.venv/bin/python tests/vectors/make_vectors_v2.py`. The tests never run it; they
only read the JSON file. It refuses to overwrite the file (pass --force only for a deliberate,
reviewed re-generation of a new version).

The values are computed by a second, independent implementation written here from the specs
(docs/spec/rptenv-v2.md, draft-connolly-cfrg-xwing-kem): X-Wing from kyber-py's ML-KEM-768,
libsodium's X25519 and hashlib's SHAKE256/SHA3-256; stanzas, envelopes, key files and the bundle
with nacl.bindings, hashlib's BLAKE2b and a hand-made pad. The `crypto` package is used only to
cross-check the result before writing. Stanza vectors are derandomized (a fixed eseed), so any
implementation with EncapsulateDerand reproduces them byte for byte; envelopes are not (the
secretstream header is random), so they are checked by opening them.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import io
import json
import math
import sys
import zipfile
from pathlib import Path

import nacl.bindings as sodium
import nacl.pwhash
import nacl.utils
from kyber_py.ml_kem import ML_KEM_768
from kyber_py.ml_kem.default_parameters import DEFAULT_PARAMETERS
from kyber_py.ml_kem.ml_kem import ML_KEM

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGET = HERE / "rptenv-v2.json"
TAG_MESSAGE, TAG_PUSH, TAG_FINAL = 0, 1, 3
FILE_KEY_LABEL = b"RPTENV v2 X-Wing file key"
ACCESS_LABEL = b"RPTENV v2 X-Wing access"
XWING_LABEL = bytes.fromhex("5c2e2f2f5e5c")


# --- X-Wing, from the draft --------------------------------------------------------------------


def xwing_keygen(seed: bytes) -> tuple[bytes, bytes, bytes]:
    """(dk_M, sk_X, pk) for the 32-byte seed."""
    expanded = hashlib.shake_256(seed).digest(96)
    ek_m, dk_m = ML_KEM_768.key_derive(expanded[:64])
    sk_x = expanded[64:]
    return dk_m, sk_x, ek_m + sodium.crypto_scalarmult_base(sk_x)


def xwing_combine(ss_m: bytes, ss_x: bytes, ct_x: bytes, pk_x: bytes) -> bytes:
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + XWING_LABEL).digest()


def xwing_encaps(pk: bytes, eseed: bytes) -> tuple[bytes, bytes]:
    ek_x = eseed[32:]
    ct_x = sodium.crypto_scalarmult_base(ek_x)
    ss_x = sodium.crypto_scalarmult(ek_x, pk[1184:])
    ml_kem = ML_KEM(DEFAULT_PARAMETERS["ML768"])
    ml_kem.random_bytes = lambda size: eseed[:32]
    ss_m, ct_m = ml_kem.encaps(pk[:1184])
    return xwing_combine(ss_m, ss_x, ct_x, pk[1184:]), ct_m + ct_x


def xwing_decaps(seed: bytes, ct: bytes) -> bytes:
    dk_m, sk_x, pk = xwing_keygen(seed)
    ss_m = ML_KEM_768.decaps(dk_m, ct[:1088])
    return xwing_combine(ss_m, sodium.crypto_scalarmult(sk_x, ct[1088:]), ct[1088:], pk[1184:])


# --- suite-2 stanzas and envelopes -------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def blake2b_256(message: bytes, key: bytes = b"") -> bytes:
    return hashlib.blake2b(message, digest_size=32, key=key).digest()


def stanza(secret: bytes, pk: bytes, label: bytes, eseed: bytes) -> bytes:
    shared, ct = xwing_encaps(pk, eseed)
    wrap_key = blake2b_256(label + pk + ct, shared)
    return ct + sodium.crypto_aead_chacha20poly1305_ietf_encrypt(secret, None, bytes(12), wrap_key)


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


def header(stanzas: list[bytes], chunk_log2: int, file_key: bytes, ss_header: bytes) -> bytes:
    return (
        b"RPTENV"
        + bytes([2, 2, chunk_log2, len(stanzas)])
        + b"".join(stanzas)
        + blake2b_256(b"RPTENV v1 key commitment", file_key)
        + ss_header
    )


def write_messages(
    stanzas: list[bytes], chunk_log2: int, file_key: bytes, messages: list[tuple[bytes, int]]
) -> bytes:
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    ss_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(
        state, blake2b_256(b"RPTENV v1 stream key", file_key)
    )
    h = header(stanzas, chunk_log2, file_key, ss_header)
    out = [h]
    for index, (plaintext, tag) in enumerate(messages):
        out.append(
            sodium.crypto_secretstream_xchacha20poly1305_push(
                state, plaintext, h if index == 0 else None, tag
            )
        )
    return b"".join(out)


def write_envelope(
    data: bytes, recipients: list[bytes], metadata: dict[str, object], chunk_log2: int
) -> bytes:
    c = 1 << chunk_log2
    file_key = nacl.utils.random(32)
    stanzas = [stanza(file_key, pk, FILE_KEY_LABEL, nacl.utils.random(64)) for pk in recipients]
    meta = json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    plaintexts = [(iso7816_pad(meta, c), TAG_MESSAGE)]
    full = len(data) // c
    plaintexts += [(data[i * c : (i + 1) * c], TAG_MESSAGE) for i in range(full)]
    n = count_messages(len(data), c)
    plaintexts.append(
        (iso7816_pad(data[full * c :], c), TAG_FINAL if len(plaintexts) == n - 1 else TAG_PUSH)
    )
    while len(plaintexts) < n:
        plaintexts.append((bytes(c), TAG_FINAL if len(plaintexts) == n - 1 else TAG_MESSAGE))
    return write_messages(stanzas, chunk_log2, file_key, plaintexts)


def pattern(length: int) -> bytes:
    return bytes((i * 31 + (i >> 8)) & 0xFF for i in range(length))


# --- the vector sets ---------------------------------------------------------------------------


def stanza_vectors(pks: list[bytes]) -> list[dict[str, object]]:
    vectors = []
    for index, (label, what) in enumerate(((FILE_KEY_LABEL, "file key"), (ACCESS_LABEL, "access"))):
        for pk_index, pk in enumerate(pks):
            secret = bytes((index * 64 + pk_index * 32 + i) & 0xFF for i in range(32))
            eseed = hashlib.sha512(b"eseed" + bytes([index, pk_index])).digest()
            vectors.append(
                {
                    "description": f"{what} stanza to reader {pk_index}",
                    "label": label.decode("ascii"),
                    "reader": pk_index,
                    "secret": secret.hex(),
                    "eseed": eseed.hex(),
                    "stanza": stanza(secret, pk, label, eseed).hex(),
                }
            )
    return vectors


def envelope_vectors(pks: list[bytes]) -> list[dict[str, object]]:
    cases: list[tuple[str, int, int, dict[str, object], int]] = [
        ("empty note", 0, 12, {"v": 1, "kind": "note"}, 1),
        ("one byte follow-up", 1, 12, {"v": 1, "kind": "followup", "created": "2026-12-02"}, 1),
        ("C-1 bytes", 4095, 12, {"v": 1, "kind": "report"}, 1),
        ("C bytes: end message holds only the pad", 4096, 12, {"v": 1, "kind": "report"}, 1),
        ("two recipients (case key and submitter key)", 4097, 12, {"v": 1, "kind": "reply"}, 2),
        (
            "64 KiB chunks, Padme padding",
            70001,
            16,
            {
                "v": 1,
                "kind": "attachment",
                "name": "r\u00e9sum\u00e9.pdf",
                "type": "application/pdf",
            },
            2,
        ),
    ]
    vectors = []
    for description, length, chunk_log2, metadata, n in cases:
        data = pattern(length)
        envelope = write_envelope(data, pks[:n], metadata, chunk_log2)
        vectors.append(
            {
                "description": description,
                "chunk_log2": chunk_log2,
                "recipients": n,
                "message_count": count_messages(length, 1 << chunk_log2),
                "metadata": metadata,
                "plaintext_length": length,
                "plaintext_sha256": hashlib.sha256(data).hexdigest(),
                "header_size": 10 + 1168 * n + 56,
                "envelope": envelope.hex(),
            }
        )
    return vectors


def invalid_envelope_vectors(pk: bytes) -> list[dict[str, object]]:
    meta = iso7816_pad(b'{"v":1,"kind":"note"}', 4096)
    data = iso7816_pad(b"data", 4096)
    vectors = []

    def add(description: str, error: str, envelope: bytes) -> None:
        vectors.append({"description": description, "error": error, "envelope": envelope.hex()})

    file_key = nacl.utils.random(32)
    good_stanza = stanza(file_key, pk, FILE_KEY_LABEL, nacl.utils.random(64))
    good = write_messages([good_stanza], 12, file_key, [(meta, TAG_MESSAGE), (data, TAG_FINAL)])
    for index, value, what in (
        (6, 1, "version 1 with suite 2"),
        (7, 1, "version 2 with suite 1"),
        (7, 3, "suite 3"),
        (8, 21, "chunk_log2 21"),
        (9, 0, "no stanzas"),
    ):
        bad = bytearray(good)
        bad[index] = value
        add(what, "FormatError", bytes(bad))
    add("header cut inside the stanza", "TruncatedError", good[:500])
    for offset, what in (
        (10, "ML-KEM ciphertext"),
        (10 + 1100, "X25519 ciphertext"),
        (10 + 1150, "AEAD"),
    ):
        bad = bytearray(good)
        bad[offset] ^= 1
        add(f"bit flipped in the stanza's {what}", "NotARecipientError", bytes(bad))
    wrong_label = stanza(file_key, pk, ACCESS_LABEL, nacl.utils.random(64))
    add(
        "file key sealed with the access label",
        "NotARecipientError",
        write_messages([wrong_label], 12, file_key, [(meta, TAG_MESSAGE), (data, TAG_FINAL)]),
    )
    bad = bytearray(good)
    bad[10 + 1168] ^= 1
    add("commitment does not match the file key", "NotARecipientError", bytes(bad))
    bad = bytearray(good)
    bad[-1] ^= 1
    add("bit flipped in the last message", "AuthenticationError", bytes(bad))
    add("FINAL message dropped", "TruncatedError", good[: -(4096 + 17)])
    return vectors


def key_file_vectors(seed: bytes, pk: bytes) -> list[dict[str, object]]:
    passphrase = "vector passphrase \u2013 \u00fcn\u00efcode \u2713"
    salt = nacl.utils.random(16)
    ops, mem = nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN
    key = nacl.pwhash.argon2id.kdf(32, passphrase.encode("utf-8"), salt, opslimit=ops, memlimit=mem)
    nonce = nacl.utils.random(24)
    protected = {
        "format": "reprisal-secret-key",
        "version": 2,
        "suite": 2,
        "public_key": b64(pk),
        "kdf": "argon2id13",
        "opslimit": ops,
        "memlimit": mem,
        "salt": b64(salt),
        "secret_key": b64(nonce + sodium.crypto_secretbox(seed, nonce, key)),
    }
    unprotected = {
        "format": "reprisal-secret-key",
        "version": 2,
        "suite": 2,
        "public_key": b64(pk),
        "kdf": "none",
        "secret_key": b64(seed),
    }
    x_secret = nacl.utils.random(32)
    classical = {
        "format": "reprisal-secret-key",
        "version": 2,
        "suite": 1,
        "public_key": b64(sodium.crypto_scalarmult_base(x_secret)),
        "kdf": "none",
        "secret_key": b64(x_secret),
    }
    return [
        {
            "description": "suite 2, argon2id13 at MIN limits",
            "suite": 2,
            "passphrase": passphrase,
            "secret": seed.hex(),
            "key_file": json.dumps(protected, indent=2) + "\n",
        },
        {
            "description": "suite 2, kdf none (tests only)",
            "suite": 2,
            "passphrase": None,
            "secret": seed.hex(),
            "key_file": json.dumps(unprotected, indent=2) + "\n",
        },
        {
            "description": "version 2 file holding a suite-1 key",
            "suite": 1,
            "passphrase": None,
            "secret": x_secret.hex(),
            "key_file": json.dumps(classical, indent=2) + "\n",
        },
    ]


def bundle_vector(hybrid_pk: bytes) -> dict[str, object]:
    """Bundle version 3: a hybrid case key, one hybrid reviewer (reader 0) and one classical one."""
    case_seed = nacl.utils.random(32)
    _, _, case_pk = xwing_keygen(case_seed)
    classical_secret = nacl.utils.random(32)
    classical_pk = sodium.crypto_scalarmult_base(classical_secret)
    items = [
        ("Rk3x9", "report", {"v": 1, "kind": "report"}, b'{"answers":{"what":"travel ban"}}'),
        (
            "att_01",
            "attachment",
            {"v": 1, "kind": "attachment", "name": "letter.txt", "type": "text/plain"},
            pattern(5000),
        ),
    ]
    buffer = io.BytesIO()
    manifest_items = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for item_id, kind, metadata, data in items:
            envelope = write_envelope(data, [case_pk], metadata, 12)
            path = f"items/{item_id}.rptenv"
            archive.writestr(path, envelope)
            manifest_items.append(
                {
                    "id": item_id,
                    "kind": kind,
                    "path": path,
                    "sha256": hashlib.sha256(envelope).hexdigest(),
                    "created": "2026-12-02",
                }
            )
        manifest = {
            "format": "reprisal-case-bundle",
            "version": 3,
            "case_ref": "RPT-V2-VECTOR",
            "case_suite": 2,
            "case_public_key": b64(case_pk),
            "access": [
                {
                    "reviewer": "hybrid reviewer",
                    "suite": 2,
                    "sealed_case_key": b64(
                        stanza(case_seed, hybrid_pk, ACCESS_LABEL, nacl.utils.random(64))
                    ),
                },
                {
                    "reviewer": "classical reviewer",
                    "suite": 1,
                    "sealed_case_key": b64(sodium.crypto_box_seal(case_seed, classical_pk)),
                },
            ],
            "items": manifest_items,
            "case": {"mechanisms": ["CEDAW"], "status": "new"},
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
    return {
        "description": "bundle version 3: X-Wing case key; access for reader 0 (suite 2) and a classical reviewer (suite 1)",
        "case_secret": case_seed.hex(),
        "classical_reviewer_secret_key": classical_secret.hex(),
        "items": {
            item_id: {"metadata": metadata, "plaintext": data.hex()}
            for item_id, _, metadata, data in items
        },
        "bundle": b64(buffer.getvalue()),
    }


def cross_check(vectors: dict[str, object]) -> None:
    sys.path.insert(0, str(ROOT))
    from nacl.public import PrivateKey

    import crypto
    from crypto.stanzas import open_stanza
    from crypto.xwing import XWingSecretKey

    readers = [XWingSecretKey(bytes.fromhex(r["seed"])) for r in vectors["readers"]]  # type: ignore[attr-defined]
    for reader, expected in zip(readers, vectors["readers"], strict=True):  # type: ignore[call-overload]
        assert bytes(reader.public_key).hex() == expected["public_key"]
    for vector in vectors["stanzas"]:  # type: ignore[attr-defined]
        secret = open_stanza(
            bytes.fromhex(vector["stanza"]), readers[vector["reader"]], vector["label"].encode()
        )
        assert secret is not None and secret.hex() == vector["secret"]
    for vector in vectors["envelopes"]:  # type: ignore[attr-defined]
        envelope = bytes.fromhex(vector["envelope"])
        for reader in readers[: vector["recipients"]]:
            metadata, data = crypto.decrypt(envelope, reader)
            assert metadata == vector["metadata"]
            assert hashlib.sha256(data).hexdigest() == vector["plaintext_sha256"]
        assert len(envelope) == crypto.envelope_size(
            vector["plaintext_length"], vector["chunk_log2"], vector["recipients"], 2
        )
    for vector in vectors["invalid_envelopes"]:  # type: ignore[attr-defined]
        try:
            crypto.decrypt(bytes.fromhex(vector["envelope"]), readers[0])
        except crypto.RptenvError as error:
            assert type(error).__name__ == vector["error"], (vector["description"], error)
        else:
            raise AssertionError(vector["description"])
    for vector in vectors["key_files"]:  # type: ignore[attr-defined]
        key = crypto.load_key_file(vector["key_file"], vector["passphrase"])
        assert bytes(key).hex() == vector["secret"]
    bundle = vectors["bundle"]
    for key in (readers[0], PrivateKey(bytes.fromhex(bundle["classical_reviewer_secret_key"]))):  # type: ignore[index]
        with crypto.open_bundle(io.BytesIO(base64.b64decode(bundle["bundle"])), key) as opened:  # type: ignore[index]
            assert bytes(opened.case_key).hex() == bundle["case_secret"]  # type: ignore[index]
            for item, reader in opened.items():
                assert b"".join(reader.chunks()).hex() == bundle["items"][item["id"]]["plaintext"]  # type: ignore[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite the existing vector file")
    args = parser.parse_args()
    if TARGET.exists() and not args.force:
        print(
            "the vector file exists; it is fixed forever (use --force deliberately)",
            file=sys.stderr,
        )
        return 1
    seeds = [nacl.utils.random(32), nacl.utils.random(32)]
    pks = [xwing_keygen(seed)[2] for seed in seeds]
    for seed, pk in zip(seeds, pks, strict=True):  # the generator's own X-Wing round-trips
        shared, ct = xwing_encaps(pk, nacl.utils.random(64))
        assert xwing_decaps(seed, ct) == shared
    vectors: dict[str, object] = {
        "description": "RPTENV v2 / suite 2 test vectors (docs/spec/rptenv-v2.md). Generated once "
        "by make_vectors_v2.py on " + datetime.date.today().isoformat() + "; never regenerate.",
        "readers": [
            {"seed": seed.hex(), "public_key": pk.hex()}
            for seed, pk in zip(seeds, pks, strict=True)
        ],
        "stanzas": stanza_vectors(pks),
        "envelopes": envelope_vectors(pks),
        "invalid_envelopes": invalid_envelope_vectors(pks[0]),
        "key_files": key_file_vectors(seeds[0], pks[0]),
        "bundle": bundle_vector(pks[0]),
    }
    cross_check(vectors)
    TARGET.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
