"""Suite 2 (X-Wing) between the browser library (rptenv.js under Node, libsodium.js's
crypto_kem_xwing_*) and the Python `crypto` package, both ways: the KEM itself, envelopes, access
stanzas. Needs `node`; skipped without it, except under CI=true, where it fails.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import nacl.utils
import pytest
from nacl.public import PrivateKey

import crypto
from crypto.xwing import XWingPublicKey, encapsulate

ROOT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("interop_helper.js")
IN_CI = os.environ.get("CI", "").lower() == "true"
METADATA = {"kind": "attachment", "name": "t\u00e9moignage.pdf", "type": "application/pdf"}


def run_node(request: dict[str, Any]) -> Any:
    node = shutil.which("node")
    if node is None:
        message = "`node` (Node.js 20) is not on PATH; the JavaScript crypto tests need it"
        if IN_CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    result = subprocess.run(
        [node, str(HELPER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@pytest.fixture(scope="module")
def readers() -> list[crypto.XWingSecretKey]:
    return [crypto.generate_hybrid_key(), crypto.generate_hybrid_key()]


def test_the_same_seed_gives_the_same_public_key(readers: list[crypto.XWingSecretKey]) -> None:
    answer = run_node({"op": "hybrid_keys", "seeds": [b64(bytes(r)) for r in readers]})
    assert [unb64(pk) for pk in answer] == [bytes(r.public_key) for r in readers]


def test_xwing_node_encapsulates_python_decapsulates(
    readers: list[crypto.XWingSecretKey],
) -> None:
    answer = run_node(
        {"op": "xwing_encapsulate", "public_keys": [b64(bytes(r.public_key)) for r in readers]}
    )
    for reader, out in zip(readers, answer, strict=True):
        assert reader.decapsulate(unb64(out["ciphertext"])) == unb64(out["shared_secret"])


def test_xwing_python_encapsulates_node_decapsulates(
    readers: list[crypto.XWingSecretKey],
) -> None:
    made = [encapsulate(XWingPublicKey(bytes(r.public_key))) for r in readers]
    answer = run_node(
        {
            "op": "xwing_decapsulate",
            "jobs": [
                {"ciphertext": b64(ct), "seed": b64(bytes(r))}
                for r, (_, ct) in zip(readers, made, strict=True)
            ],
        }
    )
    assert [unb64(ss) for ss in answer] == [ss for ss, _ in made]


# (data length, chunk_log2, recipients, writer mode)
CASES = [
    (0, 12, 1, "bytes"),
    (4096, 12, 2, "stream"),
    (70_001, 16, 2, "stream"),
    (300_000, 16, 1, "bytes"),
]


def test_node_writes_suite_2_python_reads(
    tmp_path: Path, readers: list[crypto.XWingSecretKey]
) -> None:
    jobs, datas = [], []
    for index, (length, chunk_log2, n, mode) in enumerate(CASES):
        data = nacl.utils.random(length)
        datas.append(data)
        (tmp_path / f"{index}.data").write_bytes(data)
        jobs.append(
            {
                "data_path": str(tmp_path / f"{index}.data"),
                "out_path": str(tmp_path / f"{index}.rptenv"),
                "recipients": [b64(bytes(r.public_key)) for r in readers[:n]],
                "metadata": METADATA,
                "chunk_log2": chunk_log2,
                "mode": mode,
            }
        )
    answers = run_node({"op": "encrypt", "jobs": jobs})
    for index, (length, chunk_log2, n, _) in enumerate(CASES):
        envelope = (tmp_path / f"{index}.rptenv").read_bytes()
        assert envelope[6:8] == b"\x02\x02"
        assert len(envelope) == answers[index]["envelope_size"]
        assert len(envelope) == crypto.envelope_size(length, chunk_log2, n, 2)
        for reader in readers[:n]:
            assert crypto.decrypt(envelope, reader) == ({"v": 1, **METADATA}, datas[index])
        with pytest.raises(crypto.NotARecipientError):
            crypto.decrypt(envelope, PrivateKey(readers[0].x25519_secret_key))


def test_python_writes_suite_2_node_reads(
    tmp_path: Path, readers: list[crypto.XWingSecretKey]
) -> None:
    jobs, expected = [], []
    for index, (length, chunk_log2, n, _) in enumerate(CASES):
        data = nacl.utils.random(length)
        envelope = crypto.encrypt(
            data, [r.public_key for r in readers[:n]], METADATA, chunk_log2=chunk_log2
        )
        (tmp_path / f"{index}.rptenv").write_bytes(envelope)
        for reader in readers[:n]:
            jobs.append(
                {
                    "path": str(tmp_path / f"{index}.rptenv"),
                    "secret_key": b64(bytes(reader)),
                    "suite": 2,
                }
            )
            expected.append(
                {
                    "metadata": {"v": 1, **METADATA},
                    "length": length,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    # the X25519 half, and the seed read as a suite-1 key, are refused with a clear error
    jobs.append(
        {"path": str(tmp_path / "0.rptenv"), "secret_key": b64(readers[0].x25519_secret_key)}
    )
    jobs.append(
        {"path": str(tmp_path / "0.rptenv"), "secret_key": b64(bytes(readers[1])), "suite": 2}
    )
    answers = run_node({"op": "decrypt", "jobs": jobs})
    assert answers[: len(expected)] == expected
    assert answers[-2]["error"] == "NotARecipientError" and "suite 2" in answers[-2]["message"]
    assert answers[-1]["error"] == "NotARecipientError"


@pytest.mark.parametrize("case_suite", [1, 2])
def test_node_seals_a_case_key_python_opens(
    case_suite: int, readers: list[crypto.XWingSecretKey]
) -> None:
    classical = crypto.generate_keypair()
    answer = run_node(
        {
            "op": "seal",
            "case_suite": case_suite,
            "reviewer_public_keys": [
                b64(bytes(readers[0].public_key)),
                b64(bytes(classical.public_key)),
            ],
        }
    )
    case_public_key = crypto.reader_public_key_from_base64(answer["case_public_key"])
    stanzas = [unb64(s) for s in answer["stanzas"]]
    assert [len(s) for s in stanzas] == [1168, 80]
    for reviewer in (readers[0], classical):
        case_key = crypto.open_case_key(stanzas, reviewer, case_public_key=case_public_key)
        assert crypto.suite_of(case_key) == case_suite
    with pytest.raises(crypto.NotARecipientError):
        crypto.open_case_key(stanzas, readers[1], case_public_key=case_public_key)


def test_python_seals_a_case_key_node_opens(readers: list[crypto.XWingSecretKey]) -> None:
    case_key = crypto.generate_hybrid_key()
    stanza = crypto.seal_case_key(case_key, readers[0].public_key)
    answer = run_node(
        {
            "op": "open_case_key",
            "jobs": [
                {"stanza": b64(stanza), "secret_key": b64(bytes(readers[0])), "suite": 2},
                {"stanza": b64(stanza), "secret_key": b64(bytes(readers[1])), "suite": 2},
            ],
        }
    )
    assert answer == [b64(bytes(case_key)), None]
