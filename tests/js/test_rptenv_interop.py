"""The browser library (reprisal_intake/static/js/rptenv.js, run under Node) against the Python
`crypto` package: envelopes both ways, sizes, codenames, access stanzas.

Needs `node` (Node.js 20). Without it these tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import nacl.utils
import pytest
from nacl.public import PrivateKey, PublicKey

from crypto import codename as py_codename
from crypto import envelope as py_envelope
from crypto import keys as py_keys
from crypto.errors import NotARecipientError, RptenvError

ROOT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("interop_helper.js")
WORDLIST = ROOT / "crypto" / "wordlists" / "eff_large_wordlist.txt"
IN_CI = os.environ.get("CI", "").lower() == "true"


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        message = "`node` (Node.js 20) is not on PATH; the JavaScript crypto tests need it"
        if IN_CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    return node


def run_node(request: dict[str, Any]) -> Any:
    result = subprocess.run(
        [node_executable(), str(HELPER)],
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


# --- (a) node writes, Python reads --------------------------------------------------------------

# (data length, chunk_log2, recipients, writer mode)
NODE_CASES = [
    (0, 12, 1, "bytes"),
    (1, 12, 1, "stream"),
    (4095, 12, 1, "bytes"),
    (4096, 12, 1, "bytes"),
    (4096, 12, 2, "stream"),
    (4097, 12, 2, "bytes"),
    (0, 16, 2, "stream"),
    (65536, 16, 1, "bytes"),
    (65537, 16, 1, "stream"),
    (65537, 16, 2, "bytes"),
    (258048, 12, 1, "stream"),  # Padme adds a padding message: m = 65, N = 66
    (1_000_003, 16, 2, "stream"),
    (70_000, 20, 1, "bytes"),
]

METADATA = {"kind": "attachment", "name": "témoignage \u2013 2024.pdf", "type": "application/pdf"}


@pytest.fixture(scope="module")
def reviewer_keys() -> list[PrivateKey]:
    return [PrivateKey.generate(), PrivateKey.generate()]


@pytest.fixture(scope="module")
def node_envelopes(
    tmp_path_factory: pytest.TempPathFactory, reviewer_keys: list[PrivateKey]
) -> dict[int, tuple[bytes, bytes, dict[str, Any]]]:
    """Run node once: encrypt every case; return {index: (data, envelope, node's answer)}."""
    node_executable()
    folder = tmp_path_factory.mktemp("node-envelopes")
    jobs = []
    datas = []
    for index, (length, chunk_log2, n, mode) in enumerate(NODE_CASES):
        data = nacl.utils.random(length) if length else b""
        datas.append(data)
        (folder / f"{index}.data").write_bytes(data)
        jobs.append(
            {
                "data_path": str(folder / f"{index}.data"),
                "out_path": str(folder / f"{index}.rptenv"),
                "recipients": [b64(bytes(k.public_key)) for k in reviewer_keys[:n]],
                "metadata": METADATA,
                "chunk_log2": chunk_log2,
                "mode": mode,
            }
        )
    answers = run_node({"op": "encrypt", "jobs": jobs})
    return {
        index: (datas[index], (folder / f"{index}.rptenv").read_bytes(), answers[index])
        for index in range(len(NODE_CASES))
    }


@pytest.mark.parametrize(
    "index",
    range(len(NODE_CASES)),
    ids=[f"{c[0]}B-log2={c[1]}-n={c[2]}-{c[3]}" for c in NODE_CASES],
)
def test_node_envelope_opens_in_python(
    index: int,
    node_envelopes: dict[int, tuple[bytes, bytes, dict[str, Any]]],
    reviewer_keys: list[PrivateKey],
) -> None:
    length, chunk_log2, n, _ = NODE_CASES[index]
    data, envelope, answer = node_envelopes[index]

    expected_size = py_envelope.envelope_size(length, chunk_log2, n)
    assert len(envelope) == expected_size == answer["length"] == answer["envelope_size"]
    header = py_envelope.read_header(io.BytesIO(envelope))
    assert header.chunk_log2 == chunk_log2
    assert len(header.stanzas) == n
    assert (
        py_envelope.check_structure(header, len(envelope))
        == py_envelope.message_count(length, chunk_log2)
        == answer["message_count"]
    )

    for key in reviewer_keys[:n]:
        metadata, plaintext = py_envelope.decrypt(envelope, key)
        assert metadata == {"v": 1, **METADATA}
        assert list(metadata) == ["v", "kind", "name", "type"]
        assert plaintext == data
        sink = io.BytesIO()
        assert py_envelope.decrypt_to(io.BytesIO(envelope), key, sink) == metadata
        assert sink.getvalue() == data
    with pytest.raises(NotARecipientError):
        py_envelope.decrypt(envelope, PrivateKey.generate())


def test_sizes_agree_with_python() -> None:
    cases = [
        [length, chunk_log2, n]
        for chunk_log2 in (12, 16, 20)
        for length in (
            0,
            1,
            2**chunk_log2 - 1,
            2**chunk_log2,
            2**chunk_log2 + 1,
            123_456_789,
            20 * 2**20,
            2**33 + 5,
            2**45 - 1,
        )
        for n in (1, 2, 255)
    ]
    answers = run_node({"op": "sizes", "cases": cases})
    for (length, chunk_log2, n), answer in zip(cases, answers, strict=True):
        assert answer == {
            "padme": py_envelope.padme(length),
            "message_count": py_envelope.message_count(length, chunk_log2),
            "envelope_size": py_envelope.envelope_size(length, chunk_log2, n),
        }, (length, chunk_log2, n)


# --- (b) Python writes, node reads --------------------------------------------------------------

PYTHON_CASES = [
    (0, 12, 1),
    (1, 12, 2),
    (4096, 12, 1),
    (4097, 12, 1),
    (65537, 16, 2),
    (258048, 12, 1),
]


def _python_envelope(data: bytes, recipients: list[PublicKey], chunk_log2: int) -> bytes:
    sink = io.BytesIO()
    with py_envelope.EnvelopeWriter(
        sink, recipients, {"kind": "reply", "created": "2024-05-01"}, chunk_log2=chunk_log2
    ) as writer:
        for start in range(0, len(data), 10_007):
            writer.write(data[start : start + 10_007])
    return sink.getvalue()


def _python_error(envelope: bytes, key: PrivateKey) -> str | None:
    try:
        py_envelope.decrypt(envelope, key)
    except RptenvError as error:
        return type(error).__name__
    return None


def _tampered(envelope: bytes, chunk_log2: int) -> dict[str, bytes]:
    message = (1 << chunk_log2) + 17
    header = py_envelope.read_header(io.BytesIO(envelope)).size

    def flip(position: int) -> bytes:
        changed = bytearray(envelope)
        changed[position] ^= 0x01
        return bytes(changed)

    return {
        "bad magic": flip(0),
        "version 2": envelope[:6] + b"\x02" + envelope[7:],
        "suite 0": envelope[:7] + b"\x00" + envelope[8:],
        "chunk_log2 21": envelope[:8] + b"\x15" + envelope[9:],
        "no stanzas": envelope[:9] + b"\x00" + envelope[10:],
        "stanza flipped": flip(10),
        "commitment flipped": flip(header - 30),
        "ss_header flipped": flip(header - 1),
        "metadata flipped": flip(header + 5),
        "last byte flipped": flip(len(envelope) - 1),
        "header cut": envelope[: header - 1],
        "cut inside a message": envelope[:-1],
        "last message dropped": envelope[:-message],
        "byte after FINAL": envelope + b"\x00",
        "message after FINAL": envelope + envelope[header : header + message],
        "empty": b"",
    }


def test_python_envelopes_open_in_node(tmp_path: Path) -> None:
    keys = [PrivateKey.generate(), PrivateKey.generate()]
    jobs = []
    expected = []
    for index, (length, chunk_log2, n) in enumerate(PYTHON_CASES):
        data = nacl.utils.random(length) if length else b""
        if index % 2:
            envelope = _python_envelope(data, [k.public_key for k in keys[:n]], chunk_log2)
        else:
            envelope = py_envelope.encrypt(
                data,
                [k.public_key for k in keys[:n]],
                {"kind": "reply", "created": "2024-05-01"},
                chunk_log2=chunk_log2,
            )
        path = tmp_path / f"{index}.rptenv"
        path.write_bytes(envelope)
        for key in keys[:n]:
            jobs.append({"path": str(path), "secret_key": b64(bytes(key))})
            expected.append((length, hashlib.sha256(data).hexdigest()))
        # a key that is not a recipient
        jobs.append({"path": str(path), "secret_key": b64(bytes(PrivateKey.generate()))})
        expected.append(None)

    answers = run_node({"op": "decrypt", "jobs": jobs})
    assert len(answers) == len(expected)
    for answer, wanted in zip(answers, expected, strict=True):
        if wanted is None:
            assert answer["error"] == "NotARecipientError"
            continue
        assert "error" not in answer, answer
        assert answer["metadata"] == {"v": 1, "kind": "reply", "created": "2024-05-01"}
        assert (answer["length"], answer["sha256"]) == wanted


@pytest.mark.parametrize("chunk_log2", [12, 16])
def test_node_reader_refuses_what_python_refuses(tmp_path: Path, chunk_log2: int) -> None:
    key = PrivateKey.generate()
    envelope = py_envelope.encrypt(
        nacl.utils.random(3 * (1 << chunk_log2) + 5),
        [key.public_key],
        {"kind": "note"},
        chunk_log2=chunk_log2,
    )
    variants = _tampered(envelope, chunk_log2)
    jobs = []
    for data in variants.values():
        path = tmp_path / f"{len(jobs)}.rptenv"
        path.write_bytes(data)
        jobs.append({"path": str(path), "secret_key": b64(bytes(key))})
    answers = run_node({"op": "decrypt", "jobs": jobs})
    for (name, data), answer in zip(variants.items(), answers, strict=True):
        python_error = _python_error(data, key)
        assert python_error is not None, name
        assert answer.get("error") == python_error, (name, answer, python_error)


# --- (c) codenames and access stanzas -----------------------------------------------------------

EDGE_CODENAMES = [
    "abacus abdomen abdominal zoom drop-down felt-tip t-shirt yo-yo cherub pyromania",
    "  ABACUS \t\u00a0 Abdomen\nabdominal\u3000zoom drop-down felt-tip t-shirt yo-yo cherub pyromania ",
    "\uff41b\uff41cus \uff41bdomen \uff41bdomin\uff41l zoom drop-down felt-tip t-shirt yo-yo cherub "
    "pyrom\uff41ni\uff41",  # full-width a
    "a\x1cb\x1dc\x1ed\x1fe\x85f\u2028g\u2029h\x0bi\x0cj\rk",
    "a\ufeffb \u200b c",
    "ΟΔΟΣ \u212a ﬁ İstanbul ß Ǆ",
    "",
    "   ",
    "only three words",
]


def test_codename_derivation_matches_python() -> None:
    codenames = [py_codename.generate_codename() for _ in range(5)] + EDGE_CODENAMES
    answers = run_node({"op": "derive", "codenames": codenames})
    for codename, answer in zip(codenames, answers, strict=True):
        keys = py_codename.derive_codename_keys(codename)
        assert answer["normalised"] == py_codename.normalize_codename(codename), repr(codename)
        assert unb64(answer["lookup_tag"]) == keys.lookup_tag, repr(codename)
        assert unb64(answer["submitter_secret_key"]) == bytes(keys.submitter_key), repr(codename)
        assert unb64(answer["submitter_public_key"]) == bytes(keys.submitter_key.public_key), repr(
            codename
        )


def test_node_generated_codenames_are_well_formed_and_derive_alike() -> None:
    codenames = run_node({"op": "generate", "wordlist": str(WORDLIST), "count": 50})
    assert len(set(codenames)) == 50
    for codename in codenames:
        assert py_codename.is_well_formed(codename)
        assert py_codename.normalize_codename(codename) == codename
    answers = run_node({"op": "derive", "codenames": codenames})
    for codename, answer in zip(codenames, answers, strict=True):
        keys = py_codename.derive_codename_keys(codename)
        assert unb64(answer["lookup_tag"]) == keys.lookup_tag
        assert unb64(answer["submitter_public_key"]) == bytes(keys.submitter_key.public_key)


def test_normalisation_matches_python_code_point_by_code_point() -> None:
    """Every assigned BMP code point (Unicode 14 as Python knows it) between letters."""
    texts = []
    for code_point in range(0x10000):
        char = chr(code_point)
        if 0xD800 <= code_point <= 0xDFFF or unicodedata.category(char) == "Cn":
            continue
        texts.append(f"Ab{char}cD {char} ")
    answers = run_node({"op": "normalize", "texts": texts})
    differences = [
        (text, answer, py_codename.normalize_codename(text))
        for text, answer in zip(texts, answers, strict=True)
        if answer != py_codename.normalize_codename(text)
    ]
    assert differences == []


def test_node_sealed_access_stanza_opens_in_python() -> None:
    reviewers = [PrivateKey.generate(), PrivateKey.generate()]
    answer = run_node(
        {"op": "seal", "reviewer_public_keys": [b64(bytes(k.public_key)) for k in reviewers]}
    )
    case_public_key = PublicKey(unb64(answer["case_public_key"]))
    stanzas = [unb64(s) for s in answer["stanzas"]]
    assert all(len(s) == py_keys.ACCESS_STANZA_SIZE == 80 for s in stanzas)
    for reviewer, stanza in zip(reviewers, stanzas, strict=True):
        case_key = py_keys.open_case_key([stanza], reviewer, case_public_key=case_public_key)
        assert bytes(case_key.public_key) == bytes(case_public_key)
    # each stanza opens only for its own reviewer
    with pytest.raises(NotARecipientError):
        py_keys.open_case_key([stanzas[0]], reviewers[1])
    # and an envelope to the case key, written by Python, opens with the recovered key in Python
    case_key = py_keys.open_case_key(stanzas, reviewers[1], case_public_key=case_public_key)
    envelope = py_envelope.encrypt(b"report", [case_public_key], {"kind": "report"})
    assert py_envelope.decrypt(envelope, case_key)[1] == b"report"
