"""Passphrase-wrapped secret keys: the offline key file and its dict form.

Version 1 (docs/spec/rptenv-v1.md section 4), suite 1 (X25519) only:

    {"format": "reprisal-secret-key", "version": 1, "public_key": b64,
     "kdf": "argon2id13", "opslimit": int, "memlimit": int, "salt": b64 (16 bytes),
     "secret_key": b64 of SecretBox(argon2id(passphrase)).encrypt(x25519 secret key)}

Version 2 (docs/spec/rptenv-v2.md section 5) adds "suite": 1 or 2 after "version". For suite 2
"public_key" is the 1216-byte X-Wing public key and the wrapped secret is the 32-byte X-Wing seed.
Writers write version 1 for suite-1 keys (older tools read them) and version 2 for suite 2.

"kdf": "none" (the raw key in "secret_key") exists for tests only; tools warn when they read one,
using `is_unprotected_key_file`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from ._encoding import b64decode_exact, b64encode, strict_json_loads
from .errors import FormatError, PassphraseError
from .keys import KEY_SIZE, CaseKey, reader_key_from_secret
from .stanzas import SUITE_CLASSICAL, SUITE_HYBRID, suite_of
from .xwing import PUBLIC_KEY_SIZE

__all__ = [
    "KDF_ARGON2ID",
    "KDF_NONE",
    "KEY_FILE_FORMAT",
    "KEY_FILE_VERSION",
    "KEY_FILE_VERSIONS",
    "dump_key_file",
    "is_unprotected_key_file",
    "key_file_suite",
    "load_key_file",
    "unwrap_secret_key",
    "wrap_secret_key",
]

KEY_FILE_FORMAT = "reprisal-secret-key"
KEY_FILE_VERSION = 1
KEY_FILE_VERSIONS = {SUITE_CLASSICAL: 1, SUITE_HYBRID: 2}  # the version a writer uses per suite
_PUBLIC_KEY_SIZES = {SUITE_CLASSICAL: KEY_SIZE, SUITE_HYBRID: PUBLIC_KEY_SIZE}
KDF_ARGON2ID = "argon2id13"
KDF_NONE = "none"

_argon2id = nacl.pwhash.argon2id
_WRAPPED_SIZE = (
    nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES + KEY_SIZE
)  # 24 + 16 + 32


def _kdf(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return _argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def _check_limits(opslimit: object, memlimit: object) -> tuple[int, int]:
    if (
        type(opslimit) is not int
        or not _argon2id.OPSLIMIT_MIN <= opslimit <= _argon2id.OPSLIMIT_MAX
    ):
        raise FormatError("key file: opslimit out of range")
    if (
        type(memlimit) is not int
        or not _argon2id.MEMLIMIT_MIN <= memlimit <= _argon2id.MEMLIMIT_MAX
    ):
        raise FormatError("key file: memlimit out of range")
    return opslimit, memlimit


def wrap_secret_key(
    secret_key: CaseKey,
    passphrase: str | None,
    *,
    opslimit: int = _argon2id.OPSLIMIT_MODERATE,
    memlimit: int = _argon2id.MEMLIMIT_MODERATE,
) -> dict[str, object]:
    """The key-file object for `secret_key`; passphrase None writes "kdf": "none" (tests only)."""
    suite = suite_of(secret_key)
    head: dict[str, object] = {"format": KEY_FILE_FORMAT, "version": KEY_FILE_VERSIONS[suite]}
    if suite != SUITE_CLASSICAL:
        head["suite"] = suite
    head["public_key"] = b64encode(bytes(secret_key.public_key))
    if passphrase is None:
        return {**head, "kdf": KDF_NONE, "secret_key": b64encode(bytes(secret_key))}
    if not passphrase:
        raise ValueError("the passphrase must not be empty")
    _check_limits(opslimit, memlimit)
    salt = nacl.utils.random(_argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_kdf(passphrase, salt, opslimit, memlimit))
    wrapped = bytes(box.encrypt(bytes(secret_key)))  # nonce followed by ciphertext
    return {
        **head,
        "kdf": KDF_ARGON2ID,
        "opslimit": opslimit,
        "memlimit": memlimit,
        "salt": b64encode(salt),
        "secret_key": b64encode(wrapped),
    }


@dataclass(frozen=True)
class _ParsedKeyFile:
    suite: int
    public_key: bytes
    kdf: str
    secret_key: bytes = field(repr=False)  # raw key for "none", else nonce + ciphertext
    opslimit: int = 0
    memlimit: int = 0
    salt: bytes = b""


def _parse(obj: Mapping[str, object]) -> _ParsedKeyFile:
    """Check the structure of a key-file object (FormatError), without any key derivation."""
    if obj.get("format") != KEY_FILE_FORMAT:
        raise FormatError("not a reprisal secret key file")
    version = obj.get("version")
    if type(version) is not int or version not in KEY_FILE_VERSIONS.values():
        raise FormatError("unsupported key file version")
    if version == 1:
        if "suite" in obj:
            raise FormatError('key file: version 1 has no "suite"')
        suite = SUITE_CLASSICAL
    else:
        suite_field = obj.get("suite")
        if type(suite_field) is not int or suite_field not in _PUBLIC_KEY_SIZES:
            raise FormatError("key file: unknown suite")
        suite = suite_field
    public_key = b64decode_exact(
        obj.get("public_key"), _PUBLIC_KEY_SIZES[suite], "key file public_key"
    )
    kdf = obj.get("kdf")
    if kdf == KDF_NONE:
        secret = b64decode_exact(obj.get("secret_key"), KEY_SIZE, "key file secret_key")
        return _ParsedKeyFile(suite, public_key, KDF_NONE, secret)
    if kdf == KDF_ARGON2ID:
        opslimit, memlimit = _check_limits(obj.get("opslimit"), obj.get("memlimit"))
        salt = b64decode_exact(obj.get("salt"), _argon2id.SALTBYTES, "key file salt")
        wrapped = b64decode_exact(obj.get("secret_key"), _WRAPPED_SIZE, "key file secret_key")
        return _ParsedKeyFile(suite, public_key, KDF_ARGON2ID, wrapped, opslimit, memlimit, salt)
    raise FormatError("key file: unknown kdf")


def unwrap_secret_key(obj: Mapping[str, object], passphrase: str | None) -> CaseKey:
    """Recover the secret key. FormatError if malformed, PassphraseError if the passphrase is wrong.

    For "kdf": "none" the passphrase is ignored (see `is_unprotected_key_file`).
    """
    parsed = _parse(obj)
    if parsed.kdf == KDF_NONE:
        secret = parsed.secret_key
    else:
        if passphrase is None:
            raise PassphraseError("this key file needs a passphrase")
        key = _kdf(passphrase, parsed.salt, parsed.opslimit, parsed.memlimit)
        try:
            secret = nacl.secret.SecretBox(key).decrypt(parsed.secret_key)
        except nacl.exceptions.CryptoError:
            raise PassphraseError("the key file does not open with this passphrase") from None
    private_key = reader_key_from_secret(secret, parsed.suite)
    if not hmac.compare_digest(bytes(private_key.public_key), parsed.public_key):
        raise FormatError("key file: public_key does not match the secret key")
    return private_key


def dump_key_file(
    secret_key: CaseKey,
    passphrase: str | None,
    *,
    opslimit: int = _argon2id.OPSLIMIT_MODERATE,
    memlimit: int = _argon2id.MEMLIMIT_MODERATE,
) -> str:
    """The key file as JSON text (ends with a newline)."""
    obj = wrap_secret_key(secret_key, passphrase, opslimit=opslimit, memlimit=memlimit)
    return json.dumps(obj, indent=2) + "\n"


def load_key_file(text: str, passphrase: str | None) -> CaseKey:
    """Parse and open a key file. FormatError if malformed, PassphraseError if wrong passphrase."""
    return unwrap_secret_key(strict_json_loads(text, "key file"), passphrase)


def is_unprotected_key_file(text: str) -> bool:
    """True for a "kdf": "none" key file (tests only; tools warn). FormatError if malformed.

    It checks the whole structure first, so a tool can reject a bad file before asking for a
    passphrase.
    """
    return _parse(strict_json_loads(text, "key file")).kdf == KDF_NONE


def key_file_suite(text: str) -> int:
    """The suite of a key file (1 or 2), from its structure alone. FormatError if malformed."""
    return _parse(strict_json_loads(text, "key file")).suite
