"""X-Wing (crypto/xwing.py) against the draft's published test vectors and its own definition."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import nacl.bindings as sodium
import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import mlkem

from crypto.errors import FormatError, UnsupportedError
from crypto.xwing import (
    CIPHERTEXT_SIZE,
    LABEL,
    PUBLIC_KEY_SIZE,
    XWingPublicKey,
    XWingSecretKey,
    combine,
    encapsulate,
    encapsulate_derandomized,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "xwing-draft.json").read_text("utf-8")
)


def test_the_vector_file_names_its_source_and_holds_the_three_draft_vectors() -> None:
    assert "draft-connolly-cfrg-xwing-kem" in VECTORS["source"]
    assert len(VECTORS["vectors"]) == 3


def test_label_is_the_drafts() -> None:
    assert LABEL.hex() == "5c2e2f2f5e5c"


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["seed"][:8])
def test_key_generation_from_seed(vector: dict[str, str]) -> None:
    key = XWingSecretKey(bytes.fromhex(vector["seed"]))
    assert bytes(key.public_key).hex() == vector["pk"]
    assert bytes(key).hex() == vector["sk"] == vector["seed"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["seed"][:8])
def test_decapsulation(vector: dict[str, str]) -> None:
    key = XWingSecretKey(bytes.fromhex(vector["seed"]))
    assert key.decapsulate(bytes.fromhex(vector["ct"])).hex() == vector["ss"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["seed"][:8])
def test_derandomized_encapsulation(vector: dict[str, str]) -> None:
    public_key = XWingPublicKey(bytes.fromhex(vector["pk"]))
    shared, ciphertext = encapsulate_derandomized(public_key, bytes.fromhex(vector["eseed"]))
    assert ciphertext.hex() == vector["ct"]
    assert shared.hex() == vector["ss"]


def test_combiner_is_sha3_over_the_four_inputs_then_the_label() -> None:
    parts = [bytes([i]) * 32 for i in range(4)]
    assert combine(*parts) == hashlib.sha3_256(b"".join(parts) + LABEL).digest()


def test_random_encapsulation_round_trip_and_fresh_ciphertexts() -> None:
    key = XWingSecretKey.generate()
    first = encapsulate(key.public_key)
    second = encapsulate(key.public_key)
    assert len(first[1]) == CIPHERTEXT_SIZE and len(first[0]) == 32
    assert first != second
    assert key.decapsulate(first[1]) == first[0]
    assert key.decapsulate(second[1]) == second[0]


def test_another_key_gets_an_unrelated_secret_not_an_error() -> None:
    key, other = XWingSecretKey.generate(), XWingSecretKey.generate()
    shared, ciphertext = encapsulate(key.public_key)
    assert other.decapsulate(ciphertext) != shared


def test_the_secret_depends_on_both_halves_of_the_ciphertext() -> None:
    key = XWingSecretKey.generate()
    shared, ciphertext = encapsulate(key.public_key)
    flipped_mlkem = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    flipped_x25519 = ciphertext[:-1] + bytes([ciphertext[-1] ^ 1])
    assert key.decapsulate(flipped_mlkem) != shared
    assert key.decapsulate(flipped_x25519) != shared


def test_x25519_half_is_the_drafts_expansion() -> None:
    seed = bytes(range(32))
    key = XWingSecretKey(seed)
    expanded = hashlib.shake_256(seed).digest(96)
    assert key.x25519_secret_key == expanded[64:]
    assert key.public_key.x25519_public_key == sodium.crypto_scalarmult_base(expanded[64:])


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_secret_key_must_be_32_bytes(length: int) -> None:
    with pytest.raises(FormatError):
        XWingSecretKey(bytes(length))


@pytest.mark.parametrize("length", [0, 32, PUBLIC_KEY_SIZE - 1, PUBLIC_KEY_SIZE + 1])
def test_public_key_must_be_1216_bytes(length: int) -> None:
    with pytest.raises(FormatError):
        XWingPublicKey(bytes(length))


def test_public_key_with_an_out_of_range_mlkem_coefficient_is_refused() -> None:
    good = bytes(XWingSecretKey.generate().public_key)
    bad = b"\xff\xff" + good[2:]  # 12-bit coefficient 0xfff >= q = 3329
    with pytest.raises(FormatError, match="ML-KEM"):
        XWingPublicKey(bad)


@pytest.mark.parametrize("length", [0, CIPHERTEXT_SIZE - 1, CIPHERTEXT_SIZE + 1])
def test_ciphertext_must_be_1120_bytes(length: int) -> None:
    with pytest.raises(FormatError):
        XWingSecretKey.generate().decapsulate(bytes(length))


def test_low_order_x25519_point_is_a_format_error() -> None:
    key = XWingSecretKey.generate()
    _, ciphertext = encapsulate(key.public_key)
    with pytest.raises(FormatError, match="low order"):
        key.decapsulate(ciphertext[:-32] + bytes(32))


def test_eseed_must_be_64_bytes() -> None:
    with pytest.raises(FormatError):
        encapsulate_derandomized(XWingSecretKey.generate().public_key, bytes(32))


def test_repr_never_shows_the_seed() -> None:
    key = XWingSecretKey(bytes(range(32)))
    assert bytes(range(32)).hex() not in repr(key)
    assert "secret" in repr(key)


def test_public_keys_compare_by_value() -> None:
    key = XWingSecretKey(bytes(32))
    assert XWingPublicKey(bytes(key.public_key)) == key.public_key
    assert XWingSecretKey.generate().public_key != key.public_key


def test_a_cryptography_without_ml_kem_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """cryptography 47's wheels have the mlkem module but refuse ML-KEM-768 (UnsupportedAlgorithm)."""
    public = bytes(XWingSecretKey(bytes(32)).public_key)

    def refuse(*_args: object) -> None:
        raise UnsupportedAlgorithm("ML-KEM-768 is not supported by this backend.")

    monkeypatch.setattr(mlkem.MLKEM768PrivateKey, "from_seed_bytes", refuse)
    monkeypatch.setattr(mlkem.MLKEM768PublicKey, "from_public_bytes", refuse)
    with pytest.raises(UnsupportedError, match="cryptography 48"):
        XWingSecretKey(bytes(32))
    with pytest.raises(UnsupportedError, match="cryptography 48"):
        XWingPublicKey(public)
