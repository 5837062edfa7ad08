"""Reader and case keys, their base64 form, and access stanzas that seal a case key to a reviewer.

Suite 1: X25519 keys; an access stanza is `crypto_box_seal(case_secret_key, reviewer_public_key)`,
80 bytes (docs/spec/rptenv-v1.md section 1). Suite 2: X-Wing keys (a 32-byte seed, a 1216-byte
public key); an access stanza is the suite-2 stanza of docs/spec/rptenv-v2.md section 2 with the
access label, 1168 bytes. A case key of either suite can be sealed to a reviewer of either suite.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

import nacl.bindings
import nacl.exceptions
from nacl.public import PrivateKey, PublicKey

from ._encoding import b64decode_exact, b64encode
from .errors import AuthenticationError, FormatError, NotARecipientError
from .stanzas import (
    ACCESS_LABEL,
    SUITE_CLASSICAL,
    SUITE_HYBRID,
    SUITE_STANZA_SIZES,
    ReaderKey,
    RecipientKey,
    open_stanza,
    seal_stanza,
    suite_of,
)
from .xwing import PUBLIC_KEY_SIZE, XWingPublicKey, XWingSecretKey

__all__ = [
    "ACCESS_STANZA_SIZE",
    "ACCESS_STANZA_SIZES",
    "KEY_SIZE",
    "CaseKey",
    "generate_hybrid_key",
    "generate_key",
    "generate_keypair",
    "open_case_key",
    "public_key_from_base64",
    "public_key_from_bytes",
    "public_key_to_base64",
    "reader_key_from_secret",
    "reader_public_key",
    "reader_public_key_from_base64",
    "reseal_case_key",
    "seal_case_key",
]

KEY_SIZE = 32
ACCESS_STANZA_SIZE = KEY_SIZE + nacl.bindings.crypto_box_SEALBYTES  # 80, suite 1
ACCESS_STANZA_SIZES = SUITE_STANZA_SIZES  # suite -> access stanza length (80, 1168)

CaseKey = PrivateKey | XWingSecretKey


def generate_keypair() -> PrivateKey:
    """A fresh X25519 key pair from the operating system's CSPRNG."""
    return PrivateKey.generate()


def generate_hybrid_key() -> XWingSecretKey:
    """A fresh X-Wing (suite 2) key from the operating system's CSPRNG."""
    return XWingSecretKey.generate()


def generate_key(suite: int) -> CaseKey:
    """A fresh key of ``suite`` (1: X25519, 2: X-Wing), for a case or an item of its own."""
    return generate_hybrid_key() if suite == SUITE_HYBRID else generate_keypair()


def reader_key_from_secret(secret: bytes, suite: int) -> CaseKey:
    """The secret key of `suite` whose stored form is the 32 bytes `secret`."""
    if suite == SUITE_CLASSICAL:
        if len(secret) != KEY_SIZE:
            raise FormatError(f"an X25519 secret key is {KEY_SIZE} bytes")
        return PrivateKey(secret)
    if suite == SUITE_HYBRID:
        return XWingSecretKey(secret)
    raise FormatError(f"unknown key suite {suite}")


def public_key_to_base64(key: RecipientKey) -> str:
    """Standard base64 (with padding) of the public-key bytes (32 for suite 1, 1216 for 2)."""
    return b64encode(bytes(key))


def public_key_from_base64(text: str) -> PublicKey:
    """Parse an X25519 public key; FormatError unless `text` is base64 of exactly 32 bytes."""
    return PublicKey(b64decode_exact(text, KEY_SIZE, "public key"))


def reader_public_key(suite: int, data: bytes) -> RecipientKey:
    """The public key of `suite` held in `data` (as a signed reader record carries them)."""
    if suite == SUITE_CLASSICAL:
        if len(data) != KEY_SIZE:
            raise FormatError(f"a suite 1 public key is {KEY_SIZE} bytes")
        return PublicKey(bytes(data))
    if suite == SUITE_HYBRID:
        return XWingPublicKey(data)
    raise FormatError(f"unknown key suite {suite}")


def public_key_from_bytes(data: bytes) -> RecipientKey:
    """A stored public key of either suite, told apart by its length: 32 bytes (X25519, suite 1)
    or 1216 bytes (X-Wing, suite 2), as a case's public key is kept."""
    if len(data) == KEY_SIZE:
        return PublicKey(bytes(data))
    if len(data) == PUBLIC_KEY_SIZE:
        return XWingPublicKey(data)
    raise FormatError(f"public key: expected {KEY_SIZE} or {PUBLIC_KEY_SIZE} bytes")


def reader_public_key_from_base64(text: str) -> RecipientKey:
    """Parse a public key of either suite: 32 bytes (X25519) or 1216 bytes (X-Wing)."""
    return public_key_from_bytes(b64decode_exact(text, None, "public key"))


def seal_case_key(case_key: CaseKey, reviewer_public_key: RecipientKey) -> bytes:
    """The access stanza (in the reviewer key's suite) giving its holder the case secret key."""
    if not isinstance(case_key, CaseKey):
        raise TypeError("a case key is a nacl.public.PrivateKey or an XWingSecretKey")
    stanza = seal_stanza(bytes(case_key), reviewer_public_key, ACCESS_LABEL)
    if len(stanza) != ACCESS_STANZA_SIZES[suite_of(reviewer_public_key)]:  # pragma: no cover
        raise AssertionError("unexpected access stanza length")
    return stanza


def open_sealed(stanza: bytes, key: PrivateKey) -> bytes | None:
    """Trial-open one sealed box; None when it was not sealed to `key` (or was altered)."""
    try:
        return nacl.bindings.crypto_box_seal_open(stanza, bytes(key.public_key), bytes(key))
    except nacl.exceptions.CryptoError:
        return None


def open_case_key(
    stanzas: Iterable[bytes],
    reviewer_key: ReaderKey,
    *,
    case_public_key: RecipientKey | None = None,
    case_suite: int = SUITE_CLASSICAL,
) -> CaseKey:
    """Recover the case secret key from the first access stanza that opens with `reviewer_key`.

    Stanzas of the other suite (other reviewers) are skipped; a length of neither suite is a
    FormatError. The case key's suite is that of `case_public_key` when given, else `case_suite`.
    With `case_public_key`, a recovered key must have that public key (compared in constant time);
    if some stanza opened but none matched, AuthenticationError. If none opened, NotARecipientError.
    """
    if case_public_key is not None:
        case_suite = suite_of(case_public_key)
    own_size = ACCESS_STANZA_SIZES[suite_of(reviewer_key)]
    opened_but_mismatched = False
    for stanza in stanzas:
        if len(stanza) not in ACCESS_STANZA_SIZES.values():
            sizes = " or ".join(str(size) for size in ACCESS_STANZA_SIZES.values())
            raise FormatError(f"access stanza must be {sizes} bytes")
        if len(stanza) != own_size:
            continue
        secret = open_stanza(stanza, reviewer_key, ACCESS_LABEL)
        if secret is None or len(secret) != KEY_SIZE:
            continue
        case_key = reader_key_from_secret(secret, case_suite)
        if case_public_key is None or hmac.compare_digest(
            bytes(case_key.public_key), bytes(case_public_key)
        ):
            return case_key
        opened_but_mismatched = True
    if opened_but_mismatched:
        raise AuthenticationError("the recovered case key does not match the case public key")
    raise NotARecipientError("no access stanza opens with this key")


def reseal_case_key(
    stanzas: Iterable[bytes],
    old_reader_key: ReaderKey,
    new_reader_public_key: RecipientKey,
    *,
    case_public_key: RecipientKey,
) -> bytes:
    """Move a reader to a new key (for example from suite 1 to 2): the new key's access stanza.

    Opens the case key from `stanzas` with the old key, checks it against `case_public_key`, and
    seals it to the new key. The case key and the items do not change (docs/spec/rptenv-v2.md
    section 4); the caller replaces the old stanza with the new one.
    """
    case_key = open_case_key(stanzas, old_reader_key, case_public_key=case_public_key)
    return seal_case_key(case_key, new_reader_public_key)
