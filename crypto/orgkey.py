"""The organisation key file (docs/spec/reader-record-v1.md section 5): an Ed25519 signing key kept
offline, its 32-byte seed wrapped under a passphrase exactly like a reader's key file (argon2id +
SecretBox, RPTENV spec section 4), only with its own format name:

    {"format": "reprisal-organisation-key", "version": 1, "public_key": b64 (Ed25519),
     "kdf": "argon2id13", "opslimit": int, "memlimit": int, "salt": b64, "secret_key": b64}
"""

from __future__ import annotations

import hmac
import json

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from ._encoding import b64decode_exact, b64encode, strict_json_loads
from .errors import FormatError, PassphraseError

__all__ = ["ORG_KEY_FORMAT", "dump_org_key", "is_unprotected_org_key", "load_org_key"]

ORG_KEY_FORMAT = "reprisal-organisation-key"
_VERSION = 1
_argon2id = nacl.pwhash.argon2id
_SEED_SIZE = 32
_WRAPPED_SIZE = nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES + _SEED_SIZE


def _kdf(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return _argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def dump_org_key(
    key: nacl.signing.SigningKey,
    passphrase: str | None,
    *,
    opslimit: int = _argon2id.OPSLIMIT_SENSITIVE,
    memlimit: int = _argon2id.MEMLIMIT_MODERATE,
) -> str:
    """The key file as JSON text; passphrase None writes "kdf": "none" (trials and tests only)."""
    head: dict[str, object] = {
        "format": ORG_KEY_FORMAT,
        "version": _VERSION,
        "public_key": b64encode(bytes(key.verify_key)),
    }
    if passphrase is None:
        document = {**head, "kdf": "none", "secret_key": b64encode(bytes(key))}
    else:
        if not passphrase:
            raise ValueError("the passphrase must not be empty")
        salt = nacl.utils.random(_argon2id.SALTBYTES)
        box = nacl.secret.SecretBox(_kdf(passphrase, salt, opslimit, memlimit))
        document = {
            **head,
            "kdf": "argon2id13",
            "opslimit": opslimit,
            "memlimit": memlimit,
            "salt": b64encode(salt),
            "secret_key": b64encode(bytes(box.encrypt(bytes(key)))),
        }
    return json.dumps(document, indent=2) + "\n"


def _document(text: str) -> dict[str, object]:
    document = strict_json_loads(text, "organisation key file")
    if document.get("format") != ORG_KEY_FORMAT:
        raise FormatError("not an organisation key file")
    version = document.get("version")
    if type(version) is not int or version != _VERSION:
        raise FormatError("unsupported organisation key file version")
    if document.get("kdf") not in ("none", "argon2id13"):
        raise FormatError("organisation key file: unknown kdf")
    return document


def is_unprotected_org_key(text: str) -> bool:
    return _document(text)["kdf"] == "none"


def load_org_key(text: str, passphrase: str | None) -> nacl.signing.SigningKey:
    """Open the key file. FormatError if malformed, PassphraseError if the passphrase is wrong."""
    document = _document(text)
    public_key = b64decode_exact(document.get("public_key"), 32, "organisation public key")
    if document["kdf"] == "none":
        seed = b64decode_exact(document.get("secret_key"), _SEED_SIZE, "organisation secret key")
    else:
        opslimit, memlimit = document.get("opslimit"), document.get("memlimit")
        if type(opslimit) is not int or not _argon2id.OPSLIMIT_MIN <= opslimit <= (
            _argon2id.OPSLIMIT_MAX
        ):
            raise FormatError("organisation key file: opslimit out of range")
        if type(memlimit) is not int or not _argon2id.MEMLIMIT_MIN <= memlimit <= (
            _argon2id.MEMLIMIT_MAX
        ):
            raise FormatError("organisation key file: memlimit out of range")
        salt = b64decode_exact(document.get("salt"), _argon2id.SALTBYTES, "salt")
        wrapped = b64decode_exact(document.get("secret_key"), _WRAPPED_SIZE, "secret key")
        if passphrase is None:
            raise PassphraseError("this key file needs a passphrase")
        try:
            seed = nacl.secret.SecretBox(_kdf(passphrase, salt, opslimit, memlimit)).decrypt(
                wrapped
            )
        except nacl.exceptions.CryptoError:
            raise PassphraseError("the key file does not open with this passphrase") from None
    key = nacl.signing.SigningKey(seed)
    if not hmac.compare_digest(bytes(key.verify_key), public_key):
        raise FormatError("organisation key file: public_key does not match the secret key")
    return key
