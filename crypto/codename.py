"""Submitter codenames and what derives from them (docs/codename-v1.md, normative).

root          = BLAKE2b-256(normalised codename, UTF-8)                 (unkeyed)
lookup_tag    = BLAKE2b-256("RPTENV v1 lookup tag", key = root)
submitter key = BLAKE2b-256("RPTENV v1 submitter key", key = root)  as an X25519 secret key
"""

from __future__ import annotations

import functools
import importlib.resources
import secrets
import unicodedata
from dataclasses import dataclass, field

import nacl.bindings
from nacl.public import PrivateKey

__all__ = [
    "CODENAME_WORDS",
    "WORDLIST_SIZE",
    "CodenameKeys",
    "derive_codename_keys",
    "generate_codename",
    "is_well_formed",
    "normalize_codename",
    "wordlist",
]

CODENAME_WORDS = 10
WORDLIST_SIZE = 7776
_WORDLIST_FILE = "eff_large_wordlist.txt"
_LOOKUP_TAG_LABEL = b"RPTENV v1 lookup tag"
_SUBMITTER_KEY_LABEL = b"RPTENV v1 submitter key"


@functools.cache
def wordlist() -> tuple[str, ...]:
    """The EFF large wordlist, 7,776 distinct lower-case words, in file order."""
    text = (
        importlib.resources.files(__package__ or "crypto")
        .joinpath("wordlists", _WORDLIST_FILE)
        .read_text(encoding="utf-8")
    )
    words = tuple(text.splitlines())
    if len(words) != WORDLIST_SIZE or len(set(words)) != WORDLIST_SIZE:
        raise RuntimeError(f"{_WORDLIST_FILE} must hold {WORDLIST_SIZE} distinct words")
    if any(normalize_codename(word) != word or " " in word for word in words):
        raise RuntimeError(f"{_WORDLIST_FILE} holds a word that is not in normal form")
    return words


@functools.cache
def _word_set() -> frozenset[str]:
    return frozenset(wordlist())


def generate_codename() -> str:
    """Ten words drawn uniformly and independently with the `secrets` CSPRNG (about 129 bits)."""
    words = wordlist()
    return " ".join(secrets.choice(words) for _ in range(CODENAME_WORDS))


def normalize_codename(text: str) -> str:
    """NFKC, lower case, trimmed, every run of white space replaced by one ASCII space."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def is_well_formed(text: str) -> bool:
    """True when the normalised text is exactly ten words of the list."""
    words = normalize_codename(text).split(" ")
    known = _word_set()
    return len(words) == CODENAME_WORDS and all(word in known for word in words)


@dataclass(frozen=True)
class CodenameKeys:
    """What the server needs from a codename. Its repr shows no secret."""

    lookup_tag: bytes = field(repr=False)
    submitter_key: PrivateKey = field(repr=False)


def _blake2b_256(message: bytes, key: bytes = b"") -> bytes:
    return nacl.bindings.crypto_generichash_blake2b_salt_personal(message, digest_size=32, key=key)


def derive_codename_keys(codename: str) -> CodenameKeys:
    """Derive the lookup tag and submitter key from a codename (normalised first).

    Any text derives keys; check `is_well_formed` first to reject typing mistakes early.
    """
    root = _blake2b_256(normalize_codename(codename).encode("utf-8"))
    return CodenameKeys(
        lookup_tag=_blake2b_256(_LOOKUP_TAG_LABEL, key=root),
        submitter_key=PrivateKey(_blake2b_256(_SUBMITTER_KEY_LABEL, key=root)),
    )
