"""X25519 key pairs, their base64 form, and access stanzas that seal a case key to a reviewer.

An access stanza is `crypto_box_seal(case_secret_key, reviewer_public_key)` (RPTENV spec section 1).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

import nacl.bindings
import nacl.exceptions
from nacl.public import PrivateKey, PublicKey

from ._encoding import b64decode_exact, b64encode
from .errors import AuthenticationError, FormatError, NotARecipientError

__all__ = [
    "ACCESS_STANZA_SIZE",
    "KEY_SIZE",
    "generate_keypair",
    "open_case_key",
    "public_key_from_base64",
    "public_key_to_base64",
    "seal_case_key",
]

KEY_SIZE = 32
ACCESS_STANZA_SIZE = KEY_SIZE + nacl.bindings.crypto_box_SEALBYTES  # 80


def generate_keypair() -> PrivateKey:
    """A fresh X25519 key pair from the operating system's CSPRNG."""
    return PrivateKey.generate()


def public_key_to_base64(key: PublicKey) -> str:
    """Standard base64 (with padding) of the 32 public-key bytes."""
    return b64encode(bytes(key))


def public_key_from_base64(text: str) -> PublicKey:
    """Parse a public key; FormatError unless `text` is canonical base64 of exactly 32 bytes."""
    return PublicKey(b64decode_exact(text, KEY_SIZE, "public key"))


def seal_case_key(case_key: PrivateKey, reviewer_public_key: PublicKey) -> bytes:
    """The 80-byte access stanza giving the holder of `reviewer_public_key` the case secret key."""
    stanza = nacl.bindings.crypto_box_seal(bytes(case_key), bytes(reviewer_public_key))
    if len(stanza) != ACCESS_STANZA_SIZE:  # pragma: no cover - libsodium guarantees it
        raise AssertionError("unexpected sealed box length")
    return stanza


def open_sealed(stanza: bytes, key: PrivateKey) -> bytes | None:
    """Trial-open one sealed box; None when it was not sealed to `key` (or was altered)."""
    try:
        return nacl.bindings.crypto_box_seal_open(stanza, bytes(key.public_key), bytes(key))
    except nacl.exceptions.CryptoError:
        return None


def open_case_key(
    stanzas: Iterable[bytes],
    reviewer_key: PrivateKey,
    *,
    case_public_key: PublicKey | None = None,
) -> PrivateKey:
    """Recover the case secret key from the first access stanza that opens with `reviewer_key`.

    With `case_public_key`, a recovered key must have that public key (compared in constant time);
    if some stanza opened but none matched, AuthenticationError. If none opened, NotARecipientError.
    """
    opened_but_mismatched = False
    for stanza in stanzas:
        if len(stanza) != ACCESS_STANZA_SIZE:
            raise FormatError(f"access stanza must be {ACCESS_STANZA_SIZE} bytes")
        secret = open_sealed(stanza, reviewer_key)
        if secret is None:
            continue
        if len(secret) != KEY_SIZE:  # pragma: no cover - implied by the stanza length
            continue
        case_key = PrivateKey(secret)
        if case_public_key is None or hmac.compare_digest(
            bytes(case_key.public_key), bytes(case_public_key)
        ):
            return case_key
        opened_but_mismatched = True
    if opened_but_mismatched:
        raise AuthenticationError("the recovered case key does not match the case public key")
    raise NotARecipientError("no access stanza opens with this key")
