"""Stanzas: a 32-byte secret (a file key or a case secret key) sealed to one reader's public key.

Suite 1 (docs/spec/rptenv-v1.md): `crypto_box_seal(secret, x25519_public_key)`, 80 bytes.
Suite 2 (docs/spec/rptenv-v2.md section 2), for an X-Wing public key pk:

    (ss, ct)  = X-Wing.Encapsulate(pk)
    wrap_key  = BLAKE2b-256(key = ss, message = label | pk | ct)
    stanza    = ct | ChaCha20-Poly1305-IETF(key = wrap_key, nonce = 12 zero bytes, ad = "", secret)
              = 1120 + 32 + 16 = 1168 bytes

The label separates file-key stanzas from access stanzas; pk and ct bind the key to this reader
and this ciphertext. A zero nonce is safe: every wrap_key is fresh and used once.
"""

from __future__ import annotations

import nacl.bindings
import nacl.exceptions
from nacl.public import PrivateKey, PublicKey

from .errors import FormatError
from .xwing import (
    CIPHERTEXT_SIZE,
    XWingPublicKey,
    XWingSecretKey,
    encapsulate,
    encapsulate_derandomized,
)

__all__ = [
    "ACCESS_LABEL",
    "FILE_KEY_LABEL",
    "SECRET_SIZE",
    "SUITE_CLASSICAL",
    "SUITE_HYBRID",
    "SUITE_STANZA_SIZES",
    "ReaderKey",
    "RecipientKey",
    "open_stanza",
    "seal_stanza",
    "seal_stanza_derandomized",
    "suite_of",
]

SUITE_CLASSICAL = 1
SUITE_HYBRID = 2
SECRET_SIZE = 32
_AEAD_ABYTES = nacl.bindings.crypto_aead_chacha20poly1305_ietf_ABYTES  # 16
_NONCE = bytes(nacl.bindings.crypto_aead_chacha20poly1305_ietf_NPUBBYTES)  # 12 zero bytes
SUITE_STANZA_SIZES = {
    SUITE_CLASSICAL: SECRET_SIZE + nacl.bindings.crypto_box_SEALBYTES,  # 80
    SUITE_HYBRID: CIPHERTEXT_SIZE + SECRET_SIZE + _AEAD_ABYTES,  # 1168
}
FILE_KEY_LABEL = b"RPTENV v2 X-Wing file key"
ACCESS_LABEL = b"RPTENV v2 X-Wing access"

RecipientKey = PublicKey | XWingPublicKey
ReaderKey = PrivateKey | XWingSecretKey


def suite_of(key: RecipientKey | ReaderKey) -> int:
    """1 for an X25519 key, 2 for an X-Wing key; TypeError for anything else."""
    if isinstance(key, PublicKey | PrivateKey):
        return SUITE_CLASSICAL
    if isinstance(key, XWingPublicKey | XWingSecretKey):
        return SUITE_HYBRID
    raise TypeError("a reader key is a nacl.public key or an X-Wing key")


def _wrap_key(shared: bytes, label: bytes, public_key: XWingPublicKey, ciphertext: bytes) -> bytes:
    return nacl.bindings.crypto_generichash_blake2b_salt_personal(
        label + bytes(public_key) + ciphertext, digest_size=32, key=shared
    )


def seal_stanza(secret: bytes, recipient: RecipientKey, label: bytes) -> bytes:
    """Seal the 32-byte `secret` to `recipient` in its suite (the label matters for suite 2)."""
    if len(secret) != SECRET_SIZE:
        raise ValueError(f"a stanza seals {SECRET_SIZE} bytes")
    if isinstance(recipient, PublicKey):
        return nacl.bindings.crypto_box_seal(secret, bytes(recipient))
    if not isinstance(recipient, XWingPublicKey):
        raise TypeError("a recipient is a nacl.public.PublicKey or an XWingPublicKey")
    return _seal_hybrid(secret, recipient, label, *encapsulate(recipient))


def seal_stanza_derandomized(
    secret: bytes, recipient: XWingPublicKey, label: bytes, eseed: bytes
) -> bytes:
    """A suite-2 stanza from the 64-byte X-Wing `eseed`: for test vectors only, never for sealing."""
    if len(secret) != SECRET_SIZE:
        raise ValueError(f"a stanza seals {SECRET_SIZE} bytes")
    return _seal_hybrid(secret, recipient, label, *encapsulate_derandomized(recipient, eseed))


def _seal_hybrid(
    secret: bytes, recipient: XWingPublicKey, label: bytes, shared: bytes, ciphertext: bytes
) -> bytes:
    key = _wrap_key(shared, label, recipient, ciphertext)
    return ciphertext + nacl.bindings.crypto_aead_chacha20poly1305_ietf_encrypt(
        secret, None, _NONCE, key
    )


def open_stanza(stanza: bytes, key: ReaderKey, label: bytes) -> bytes | None:
    """Trial-open one stanza of `key`'s suite; None when it is not for `key` (or was altered).

    FormatError when the stanza does not have the length of `key`'s suite.
    """
    expected = SUITE_STANZA_SIZES[suite_of(key)]
    if len(stanza) != expected:
        raise FormatError(f"a suite {suite_of(key)} stanza is {expected} bytes")
    if isinstance(key, PrivateKey):
        try:
            return nacl.bindings.crypto_box_seal_open(
                bytes(stanza), bytes(key.public_key), bytes(key)
            )
        except nacl.exceptions.CryptoError:
            return None
    ciphertext = bytes(stanza[:CIPHERTEXT_SIZE])
    try:
        shared = key.decapsulate(ciphertext)
    except FormatError:  # a low-order X25519 half: not made for this key by a writer
        return None
    wrap = _wrap_key(shared, label, key.public_key, ciphertext)
    try:
        return nacl.bindings.crypto_aead_chacha20poly1305_ietf_decrypt(
            bytes(stanza[CIPHERTEXT_SIZE:]), None, _NONCE, wrap
        )
    except nacl.exceptions.CryptoError:
        return None
