"""The fixed test vectors in tests/vectors/ (generated once by make_vectors.py; never here)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import nacl.bindings as sodium
import pytest
from nacl.public import PrivateKey

import crypto

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
RPTENV: dict[str, Any] = json.loads((VECTORS / "rptenv-v1.json").read_text(encoding="utf-8"))
CODENAMES: dict[str, Any] = json.loads((VECTORS / "codename-v1.json").read_text(encoding="utf-8"))
REVIEWER = PrivateKey(bytes.fromhex(RPTENV["reviewer_secret_key"]))
SECOND = PrivateKey(bytes.fromhex(RPTENV["second_secret_key"]))


def test_vector_keys() -> None:
    assert bytes(REVIEWER.public_key).hex() == RPTENV["reviewer_public_key"]
    assert bytes(SECOND.public_key).hex() == RPTENV["second_public_key"]


def test_vector_set_is_complete() -> None:
    lengths = {v["plaintext_length"] for v in RPTENV["envelopes"]}
    assert {0, 1, 4095, 4096, 4097, 63 * 4096} <= lengths
    assert any(v["recipients"] == 2 for v in RPTENV["envelopes"])
    assert len(CODENAMES["vectors"]) >= 5


@pytest.mark.parametrize("vector", RPTENV["envelopes"], ids=lambda v: v["description"])
def test_envelope_vector(vector: dict[str, Any]) -> None:
    envelope = bytes.fromhex(vector["envelope"])
    for key in [REVIEWER, SECOND][: vector["recipients"]]:
        metadata, data = crypto.decrypt(envelope, key)
        assert metadata == vector["metadata"]
        assert len(data) == vector["plaintext_length"]
        assert hashlib.sha256(data).hexdigest() == vector["plaintext_sha256"]
        if "plaintext" in vector:
            assert data.hex() == vector["plaintext"]
        out = io.BytesIO()
        assert crypto.decrypt_to(io.BytesIO(envelope), key, out) == vector["metadata"]
        assert out.getvalue() == data
    if vector["recipients"] == 1:
        with pytest.raises(crypto.NotARecipientError):
            crypto.decrypt(envelope, SECOND)

    header = crypto.read_header(io.BytesIO(envelope))
    assert header.chunk_log2 == vector["chunk_log2"]
    assert len(header.stanzas) == vector["recipients"]
    assert crypto.check_structure(header, len(envelope)) == vector["message_count"]
    assert crypto.message_count(vector["plaintext_length"], 12) == vector["message_count"]
    assert len(envelope) == crypto.envelope_size(
        vector["plaintext_length"], vector["chunk_log2"], vector["recipients"]
    )
    # the stanza holds the documented file key, and the commitment is derived from it
    file_key = bytes.fromhex(vector["file_key"])
    assert (
        sodium.crypto_box_seal_open(header.stanzas[0], bytes(REVIEWER.public_key), bytes(REVIEWER))
        == file_key
    )
    commitment = hashlib.blake2b(b"RPTENV v1 key commitment", digest_size=32, key=file_key)
    assert header.commitment == commitment.digest()


@pytest.mark.parametrize("vector", RPTENV["invalid_envelopes"], ids=lambda v: v["description"])
def test_invalid_envelope_vector(vector: dict[str, Any]) -> None:
    error = getattr(crypto, vector["error"])
    assert issubclass(error, crypto.RptenvError)
    with pytest.raises(error):
        crypto.decrypt(bytes.fromhex(vector["envelope"]), REVIEWER)


def test_size_vectors() -> None:
    for vector in RPTENV["sizes"]["padme"]:
        assert crypto.padme(vector["length"]) == vector["padme"]
    for vector in RPTENV["sizes"]["message_count"]:
        count = crypto.message_count(vector["data_length"], vector["chunk_log2"])
        assert count == vector["message_count"]


@pytest.mark.parametrize("vector", RPTENV["key_files"], ids=lambda v: v["description"])
def test_key_file_vector(vector: dict[str, Any]) -> None:
    key = crypto.load_key_file(vector["key_file"], vector["passphrase"])
    assert bytes(key.public_key).hex() == vector["public_key"]
    assert crypto.is_unprotected_key_file(vector["key_file"]) == (vector["passphrase"] is None)
    if vector["passphrase"] is not None:
        with pytest.raises(crypto.PassphraseError):
            crypto.load_key_file(vector["key_file"], vector["passphrase"] + "x")


def test_bundle_vector() -> None:
    vector = RPTENV["bundle"]
    bundle = base64.b64decode(vector["bundle"])
    reviewer = PrivateKey(bytes.fromhex(vector["reviewer_secret_key"]))
    seen = []
    with crypto.open_bundle(io.BytesIO(bundle), reviewer) as opened:
        assert opened.case_ref == vector["case_ref"]
        assert bytes(opened.case_key).hex() == vector["case_secret_key"]
        for item, reader in opened.items():
            expected = vector["items"][item["id"]]
            assert reader.metadata == expected["metadata"]
            assert b"".join(reader.chunks()).hex() == expected["plaintext"]
            seen.append(item["id"])
    assert sorted(seen) == sorted(vector["items"])
    with pytest.raises(crypto.NotARecipientError):
        crypto.open_bundle(io.BytesIO(bundle), REVIEWER)


@pytest.mark.parametrize("vector", CODENAMES["vectors"], ids=lambda v: v["input"][:30])
def test_codename_vector(vector: dict[str, Any]) -> None:
    assert crypto.normalize_codename(vector["input"]) == vector["normalised"]
    assert crypto.is_well_formed(vector["input"]) is vector["well_formed"]
    keys = crypto.derive_codename_keys(vector["input"])
    assert keys.lookup_tag.hex() == vector["lookup_tag"]
    assert bytes(keys.submitter_key).hex() == vector["submitter_secret_key"]
    assert bytes(keys.submitter_key.public_key).hex() == vector["submitter_public_key"]
