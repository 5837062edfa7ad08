"""X-Wing, the hybrid KEM of X25519 and ML-KEM-768 (draft-connolly-cfrg-xwing-kem).

Secure while either X25519 or ML-KEM-768 holds. Built exactly as the draft defines it from
ML-KEM-768 (`cryptography`), X25519 (libsodium through PyNaCl), SHAKE256 and SHA3-256 (hashlib):

    expand(sk)     = SHAKE256(sk, 96 bytes): ML-KEM seed d | z (64 bytes), then the X25519 secret
    public key     = pk_M (1184) | pk_X (32)                                    1216 bytes
    ciphertext     = ct_M (1088) | ct_X (32)                                    1120 bytes
    shared secret  = SHA3-256(ss_M | ss_X | ct_X | pk_X | "\\./" "/^\\")          32 bytes

The secret key is the 32-byte seed; nothing else of it is ever stored or sent (the draft forbids
sending an expanded key between implementations).
"""

from __future__ import annotations

import hashlib
import hmac
import os

import nacl.bindings
import nacl.exceptions
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey

from .errors import FormatError, UnsupportedError

__all__ = [
    "CIPHERTEXT_SIZE",
    "ENCAPSULATION_SEED_SIZE",
    "LABEL",
    "PUBLIC_KEY_SIZE",
    "SECRET_KEY_SIZE",
    "SHARED_SECRET_SIZE",
    "XWingPublicKey",
    "XWingSecretKey",
    "combine",
    "encapsulate",
    "encapsulate_derandomized",
]

SECRET_KEY_SIZE = 32
PUBLIC_KEY_SIZE = 1216
CIPHERTEXT_SIZE = 1120
SHARED_SECRET_SIZE = 32
ENCAPSULATION_SEED_SIZE = 64
LABEL = b"\\./" + b"/^\\"  # 5c2e2f2f5e5c

_MLKEM_PUBLIC_KEY_SIZE = 1184
_MLKEM_CIPHERTEXT_SIZE = 1088
_X25519_SIZE = 32
_NO_MLKEM = (
    "this build of `cryptography` has no ML-KEM-768 (X-Wing needs cryptography 48 or later, "
    "as installed from its wheels)"
)


def _x25519(scalar: bytes, point: bytes) -> bytes:
    """X25519(k, u). libsodium refuses a result of all zeros (a low-order point): FormatError."""
    try:
        return nacl.bindings.crypto_scalarmult(scalar, point)
    except nacl.exceptions.RuntimeError:
        raise FormatError("X-Wing: X25519 point of low order") from None


def combine(ss_m: bytes, ss_x: bytes, ct_x: bytes, pk_x: bytes) -> bytes:
    """The X-Wing combiner: SHA3-256(ss_M | ss_X | ct_X | pk_X | XWingLabel)."""
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + LABEL).digest()


class XWingPublicKey:
    """An X-Wing encapsulation key: pk_M (1184 bytes) followed by pk_X (32 bytes).

    The ML-KEM half passes the encapsulation key check of FIPS 203 section 7.2 on construction
    (FormatError otherwise), so a key that is accepted can always be encapsulated to.
    """

    __slots__ = ("_bytes", "_mlkem")

    def __init__(self, data: bytes) -> None:
        data = bytes(data)
        if len(data) != PUBLIC_KEY_SIZE:
            raise FormatError(f"an X-Wing public key is {PUBLIC_KEY_SIZE} bytes")
        try:
            self._mlkem = MLKEM768PublicKey.from_public_bytes(data[:_MLKEM_PUBLIC_KEY_SIZE])
        except ValueError:
            raise FormatError("X-Wing public key: the ML-KEM-768 key fails its check") from None
        except UnsupportedAlgorithm:
            raise UnsupportedError(_NO_MLKEM) from None
        self._bytes = data

    @property
    def x25519_public_key(self) -> bytes:
        """pk_X, the last 32 bytes."""
        return self._bytes[_MLKEM_PUBLIC_KEY_SIZE:]

    def __bytes__(self) -> bytes:
        return self._bytes

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XWingPublicKey):
            return NotImplemented
        return hmac.compare_digest(self._bytes, other._bytes)

    def __hash__(self) -> int:
        return hash(self._bytes)

    def __repr__(self) -> str:
        return f"XWingPublicKey({self._bytes[-_X25519_SIZE:].hex()[:16]}...)"


class XWingSecretKey:
    """An X-Wing decapsulation key: the 32-byte seed, expanded once on construction."""

    __slots__ = ("_mlkem", "_public_key", "_seed", "_x25519_secret")

    def __init__(self, seed: bytes) -> None:
        seed = bytes(seed)
        if len(seed) != SECRET_KEY_SIZE:
            raise FormatError(f"an X-Wing secret key (seed) is {SECRET_KEY_SIZE} bytes")
        expanded = hashlib.shake_256(seed).digest(96)
        self._seed = seed
        try:
            self._mlkem = MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
        except UnsupportedAlgorithm:
            raise UnsupportedError(_NO_MLKEM) from None
        self._x25519_secret = expanded[64:96]
        pk_x = nacl.bindings.crypto_scalarmult_base(self._x25519_secret)
        self._public_key = XWingPublicKey(self._mlkem.public_key().public_bytes_raw() + pk_x)

    @classmethod
    def generate(cls) -> XWingSecretKey:
        """A fresh key from the operating system's CSPRNG."""
        return cls(os.urandom(SECRET_KEY_SIZE))

    @property
    def public_key(self) -> XWingPublicKey:
        return self._public_key

    @property
    def x25519_secret_key(self) -> bytes:
        """sk_X, the classical half alone (for tests showing it opens nothing by itself)."""
        return self._x25519_secret

    def __bytes__(self) -> bytes:
        """The 32-byte seed: the only form in which the secret key is stored."""
        return self._seed

    def __repr__(self) -> str:
        return "XWingSecretKey(<secret>)"

    def decapsulate(self, ciphertext: bytes) -> bytes:
        """The 32-byte shared secret of `ciphertext`. FormatError for a malformed ciphertext.

        ML-KEM rejects implicitly: a ciphertext made for another key yields an unrelated secret,
        not an error; the caller's authenticated encryption tells them apart.
        """
        if len(ciphertext) != CIPHERTEXT_SIZE:
            raise FormatError(f"an X-Wing ciphertext is {CIPHERTEXT_SIZE} bytes")
        ct_m = bytes(ciphertext[:_MLKEM_CIPHERTEXT_SIZE])
        ct_x = bytes(ciphertext[_MLKEM_CIPHERTEXT_SIZE:])
        try:
            ss_m = self._mlkem.decapsulate(ct_m)
        except ValueError:  # pragma: no cover - only raised for a wrong length, checked above
            raise FormatError("X-Wing ciphertext: bad ML-KEM-768 ciphertext") from None
        ss_x = _x25519(self._x25519_secret, ct_x)
        return combine(ss_m, ss_x, ct_x, self._public_key.x25519_public_key)


def _finish(
    public_key: XWingPublicKey, ek_x: bytes, ss_m: bytes, ct_m: bytes
) -> tuple[bytes, bytes]:
    pk_x = public_key.x25519_public_key
    ct_x = nacl.bindings.crypto_scalarmult_base(ek_x)
    ss_x = _x25519(ek_x, pk_x)
    return combine(ss_m, ss_x, ct_x, pk_x), ct_m + ct_x


def encapsulate(public_key: XWingPublicKey) -> tuple[bytes, bytes]:
    """(shared secret, ciphertext) for `public_key`, from fresh randomness."""
    ss_m, ct_m = public_key._mlkem.encapsulate()
    return _finish(public_key, os.urandom(_X25519_SIZE), ss_m, ct_m)


def encapsulate_derandomized(public_key: XWingPublicKey, eseed: bytes) -> tuple[bytes, bytes]:
    """EncapsulateDerand(pk, eseed) of the draft: for test vectors only, never for sealing.

    No maintained ML-KEM binding takes the encapsulation randomness m from the caller, so the
    ML-KEM half comes from kyber-py (a pure-Python FIPS 203 implementation, a test dependency,
    not constant time). ImportError when it is not installed.
    """
    if len(eseed) != ENCAPSULATION_SEED_SIZE:
        raise FormatError(f"eseed must be {ENCAPSULATION_SEED_SIZE} bytes")
    from kyber_py.ml_kem.default_parameters import DEFAULT_PARAMETERS
    from kyber_py.ml_kem.ml_kem import ML_KEM

    mlkem = ML_KEM(DEFAULT_PARAMETERS["ML768"])
    m = bytes(eseed[:32])

    def given_m(size: int) -> bytes:
        if size != len(m):  # pragma: no cover - Encaps asks for exactly m
            raise AssertionError("ML-KEM encapsulation asked for unexpected randomness")
        return m

    mlkem.random_bytes = given_m
    ss_m, ct_m = mlkem.encaps(bytes(public_key)[:_MLKEM_PUBLIC_KEY_SIZE])
    return _finish(public_key, bytes(eseed[32:]), bytes(ss_m), bytes(ct_m))
