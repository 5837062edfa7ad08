"""The fixed RPTENV v2 / suite 2 vectors in tests/vectors/rptenv-v2.json (made by make_vectors_v2.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey

import crypto
from crypto.stanzas import open_stanza, seal_stanza_derandomized

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "rptenv-v2.json").read_text("utf-8")
)
READERS = [crypto.XWingSecretKey(bytes.fromhex(r["seed"])) for r in VECTORS["readers"]]


def test_reader_keys() -> None:
    for reader, expected in zip(READERS, VECTORS["readers"], strict=True):
        assert bytes(reader.public_key).hex() == expected["public_key"]


def test_vector_set_is_complete() -> None:
    assert {v["label"] for v in VECTORS["stanzas"]} == {
        "RPTENV v2 X-Wing file key",
        "RPTENV v2 X-Wing access",
    }
    assert {v["plaintext_length"] for v in VECTORS["envelopes"]} >= {0, 1, 4095, 4096, 4097}
    assert any(v["recipients"] == 2 for v in VECTORS["envelopes"])
    assert len(VECTORS["invalid_envelopes"]) >= 10


@pytest.mark.parametrize("vector", VECTORS["stanzas"], ids=lambda v: v["description"])
def test_stanza_vector_opens(vector: dict[str, Any]) -> None:
    opened = open_stanza(
        bytes.fromhex(vector["stanza"]), READERS[vector["reader"]], vector["label"].encode()
    )
    assert opened is not None and opened.hex() == vector["secret"]


@pytest.mark.parametrize("vector", VECTORS["stanzas"], ids=lambda v: v["description"])
def test_stanza_vector_is_reproduced_byte_for_byte(vector: dict[str, Any]) -> None:
    stanza = seal_stanza_derandomized(
        bytes.fromhex(vector["secret"]),
        READERS[vector["reader"]].public_key,
        vector["label"].encode(),
        bytes.fromhex(vector["eseed"]),
    )
    assert stanza.hex() == vector["stanza"]


@pytest.mark.parametrize("vector", VECTORS["stanzas"], ids=lambda v: v["description"])
def test_stanza_vector_does_not_open_under_the_other_label_or_reader(
    vector: dict[str, Any],
) -> None:
    stanza = bytes.fromhex(vector["stanza"])
    other_label = {
        "RPTENV v2 X-Wing file key": b"RPTENV v2 X-Wing access",
        "RPTENV v2 X-Wing access": b"RPTENV v2 X-Wing file key",
    }[vector["label"]]
    assert open_stanza(stanza, READERS[vector["reader"]], other_label) is None
    assert open_stanza(stanza, READERS[1 - vector["reader"]], vector["label"].encode()) is None


@pytest.mark.parametrize("vector", VECTORS["envelopes"], ids=lambda v: v["description"])
def test_envelope_vector(vector: dict[str, Any]) -> None:
    envelope = bytes.fromhex(vector["envelope"])
    for reader in READERS[: vector["recipients"]]:
        metadata, data = crypto.decrypt(envelope, reader)
        assert metadata == vector["metadata"]
        assert hashlib.sha256(data).hexdigest() == vector["plaintext_sha256"]
        assert len(data) == vector["plaintext_length"]
    header = crypto.read_header(io.BytesIO(envelope))
    assert header.suite == 2 and header.size == vector["header_size"]
    assert crypto.check_structure(header, len(envelope)) == vector["message_count"]
    assert len(envelope) == crypto.envelope_size(
        vector["plaintext_length"], vector["chunk_log2"], vector["recipients"], 2
    )


@pytest.mark.parametrize("vector", VECTORS["invalid_envelopes"], ids=lambda v: v["description"])
def test_invalid_envelope_vector(vector: dict[str, Any]) -> None:
    with pytest.raises(crypto.RptenvError) as raised:
        crypto.decrypt(bytes.fromhex(vector["envelope"]), READERS[0])
    assert type(raised.value).__name__ == vector["error"]


@pytest.mark.parametrize("vector", VECTORS["key_files"], ids=lambda v: v["description"])
def test_key_file_vector(vector: dict[str, Any]) -> None:
    key = crypto.load_key_file(vector["key_file"], vector["passphrase"])
    assert crypto.suite_of(key) == vector["suite"] == crypto.key_file_suite(vector["key_file"])
    assert bytes(key).hex() == vector["secret"]


def test_bundle_vector_opens_for_the_hybrid_and_the_classical_reviewer() -> None:
    bundle = VECTORS["bundle"]
    classical = PrivateKey(bytes.fromhex(bundle["classical_reviewer_secret_key"]))
    for key in (READERS[0], classical):
        with crypto.open_bundle(io.BytesIO(base64.b64decode(bundle["bundle"])), key) as opened:
            assert isinstance(opened.case_key, crypto.XWingSecretKey)
            assert bytes(opened.case_key).hex() == bundle["case_secret"]
            seen = {}
            for item, reader in opened.items():
                seen[item["id"]] = b"".join(reader.chunks()).hex()
                assert reader.metadata == bundle["items"][item["id"]]["metadata"]
        assert seen == {k: v["plaintext"] for k, v in bundle["items"].items()}


def test_bundle_vector_does_not_open_for_another_hybrid_reader() -> None:
    with pytest.raises(crypto.NotARecipientError):
        crypto.open_bundle(io.BytesIO(base64.b64decode(VECTORS["bundle"]["bundle"])), READERS[1])
