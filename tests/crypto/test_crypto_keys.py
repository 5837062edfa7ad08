"""Key pairs, base64 public keys and access stanzas."""

from __future__ import annotations

import base64

import pytest

from crypto import (
    ACCESS_STANZA_SIZE,
    AuthenticationError,
    FormatError,
    NotARecipientError,
    generate_keypair,
    open_case_key,
    public_key_from_base64,
    public_key_to_base64,
    seal_case_key,
)


def test_public_key_base64_round_trip() -> None:
    key = generate_keypair()
    text = public_key_to_base64(key.public_key)
    assert len(text) == 44 and text.endswith("=")
    assert base64.b64decode(text) == bytes(key.public_key)
    assert public_key_from_base64(text) == key.public_key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "AAAA",
        base64.b64encode(bytes(31)).decode(),
        base64.b64encode(bytes(33)).decode(),
        base64.b64encode(bytes(32)).decode().rstrip("="),
        base64.urlsafe_b64encode(b"\xff" * 32).decode(),
        " " + base64.b64encode(bytes(32)).decode(),
        base64.b64encode(bytes(32)).decode() + "\n",
        base64.b64encode(bytes(32)).decode()[:-2] + "B=",  # non-canonical trailing bits
        "é" * 44,
    ],
)
def test_public_key_from_base64_rejects(text: str) -> None:
    with pytest.raises(FormatError):
        public_key_from_base64(text)


def test_public_key_from_base64_rejects_non_string() -> None:
    with pytest.raises(FormatError):
        public_key_from_base64(bytes(44))  # type: ignore[arg-type]


def test_seal_and_open_case_key() -> None:
    case_key, alice, bob, eve = (generate_keypair() for _ in range(4))
    stanzas = [seal_case_key(case_key, r.public_key) for r in (alice, bob)]
    assert all(len(s) == ACCESS_STANZA_SIZE == 80 for s in stanzas)
    for reviewer in (alice, bob):
        assert open_case_key(stanzas, reviewer) == case_key
        recovered = open_case_key(stanzas, reviewer, case_public_key=case_key.public_key)
        assert bytes(recovered) == bytes(case_key)
    with pytest.raises(NotARecipientError):
        open_case_key(stanzas, eve)
    with pytest.raises(NotARecipientError):
        open_case_key([], alice)


def test_open_case_key_checks_the_case_public_key() -> None:
    case_key, other_case, alice = (generate_keypair() for _ in range(3))
    wrong = [seal_case_key(other_case, alice.public_key)]
    with pytest.raises(AuthenticationError):
        open_case_key(wrong, alice, case_public_key=case_key.public_key)
    both = [*wrong, seal_case_key(case_key, alice.public_key)]
    assert open_case_key(both, alice, case_public_key=case_key.public_key) == case_key


def test_open_case_key_rejects_tampered_and_malformed_stanzas() -> None:
    case_key, alice = generate_keypair(), generate_keypair()
    stanza = bytearray(seal_case_key(case_key, alice.public_key))
    stanza[50] ^= 1
    with pytest.raises(NotARecipientError):
        open_case_key([bytes(stanza)], alice)
    with pytest.raises(FormatError):
        open_case_key([bytes(79)], alice)
