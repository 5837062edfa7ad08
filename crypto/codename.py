"""Submitter codenames and what derives from them (docs/codename-v1.md, docs/codename-v2.md).

v1: root      = BLAKE2b-256(normalised codename, UTF-8)                 (unkeyed)
v2: root      = BLAKE2b-256("RPTENV codename v2" 0 language 0 codename) (unkeyed; words as listed)
lookup_tag    = BLAKE2b-256("RPTENV v1 lookup tag", key = root)
submitter key = BLAKE2b-256("RPTENV v1 submitter key", key = root)  as an X25519 secret key
v2 only, added: X-Wing submitter seed = BLAKE2b-256("RPTENV codename v2 X-Wing submitter key",
                key = root), the 32-byte seed of an X-Wing (suite 2) key

New codenames are v2: words from the page language's list (``V2_LANGUAGES``), drawn from a secret
(the report form's one-time token), so that the same form always gives the same codename. A
codename of either version, in any language, is read back by ``read_codename``.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import nacl.bindings
from nacl.public import PrivateKey, PublicKey

from .xwing import PUBLIC_KEY_SIZE, XWingPublicKey, XWingSecretKey

__all__ = [
    "CODENAME_WORDS",
    "V2_LANGUAGES",
    "V2_MIN_BITS",
    "V2_SECRET_SIZE",
    "WORDLIST_SIZE",
    "CodenameKeys",
    "codename_from_secret",
    "codename_language",
    "derive_codename_keys",
    "derive_codename_v2_keys",
    "fold_word",
    "generate_codename",
    "is_codename",
    "is_well_formed",
    "normalize_codename",
    "read_codename",
    "v2_word_count",
    "v2_wordlist",
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
    """What the server needs from a codename. Its repr shows no secret.

    ``hybrid_seed`` is the seed of the X-Wing submitter key (codename v2 only; None for v1).
    """

    lookup_tag: bytes = field(repr=False)
    submitter_key: PrivateKey = field(repr=False)
    hybrid_seed: bytes | None = field(default=None, repr=False)

    @property
    def hybrid_submitter_key(self) -> XWingSecretKey:
        """The X-Wing submitter key; ValueError for a codename that has none (v1)."""
        if self.hybrid_seed is None:
            raise ValueError("a version-1 codename has no X-Wing submitter key")
        return XWingSecretKey(self.hybrid_seed)

    def submitter_key_for(self, public_key: bytes) -> PrivateKey | XWingSecretKey | None:
        """The submitter secret key whose public key a case recorded (32 bytes: X25519, 1216:
        X-Wing), or None when this codename has no key of that suite."""
        if len(public_key) == PUBLIC_KEY_SIZE:
            return self.hybrid_submitter_key if self.hybrid_seed is not None else None
        return self.submitter_key

    def submitter_public_key(self, suite: int) -> PublicKey | XWingPublicKey:
        """The submitter public key a new case of ``suite`` (1 or 2) records."""
        if suite == 2:
            return self.hybrid_submitter_key.public_key
        return self.submitter_key.public_key


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


# --- version 2 (docs/codename-v2.md) ------------------------------------------------------------

V2_LANGUAGES = ("en", "es", "fr", "ru", "zh")
V2_MIN_BITS = 128
V2_SECRET_SIZE = 32
_V2_ROOT_LABEL = b"RPTENV codename v2"
_V2_WORDS_LABEL = b"RPTENV codename v2 words"
_V2_HYBRID_SUBMITTER_LABEL = b"RPTENV codename v2 X-Wing submitter key"
_CJK_IDEOGRAPH = re.compile("([\u3400-\u4dbf\u4e00-\u9fff])")


@functools.cache
def v2_wordlist(language: str) -> tuple[str, ...]:
    """The v2 list of ``language`` (one of ``V2_LANGUAGES``), words in NFC, in file order.

    Built by scripts/build_codename_wordlists.py (offensive words removed); never edited by hand.
    """
    if language not in V2_LANGUAGES:
        raise ValueError(f"no codename word list for {language!r}")
    text = (
        importlib.resources.files(__package__ or "crypto")
        .joinpath("wordlists", f"codename-v2-{language}.txt")
        .read_text(encoding="utf-8")
    )
    words = tuple(text.splitlines())
    folded = {fold_word(word, language) for word in words}
    if len(folded) != len(words) or any(not w or " " in w for w in words):
        raise RuntimeError(f"codename-v2-{language}.txt must hold distinct single words")
    return words


@functools.cache
def _v2_index(language: str) -> dict[str, str]:
    """Folded form -> the word as listed."""
    return {fold_word(word, language): word for word in v2_wordlist(language)}


def v2_word_count(language: str) -> int:
    """The fewest words of the list that carry at least 128 bits."""
    return math.ceil(V2_MIN_BITS / math.log2(len(v2_wordlist(language))))


def codename_language(page_language: str) -> str:
    """The list a page in ``page_language`` draws codenames from: its own, or English."""
    return page_language if page_language in V2_LANGUAGES else "en"


def fold_word(word: str, language: str) -> str:
    """What a typed word is compared as: NFKC and lower case; without accents in French and
    Spanish (their lists stay distinct without them), and with yo (U+0451) read as ie (U+0435) in Russian."""
    word = unicodedata.normalize("NFKC", word).lower()
    if language in ("fr", "es"):
        stripped = "".join(
            c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
        )
        word = unicodedata.normalize("NFC", stripped)
    elif language == "ru":
        word = word.replace("\u0451", "\u0435")
    return word


def _word_stream(secret: bytes, language: str) -> Iterator[bytes]:
    """An endless supply of 64-byte blocks: BLAKE2b-512(label 0 language 0 counter, key=secret)."""
    counter = 0
    while True:
        message = _V2_WORDS_LABEL + b"\0" + language.encode("ascii") + b"\0"
        yield nacl.bindings.crypto_generichash_blake2b_salt_personal(
            message + counter.to_bytes(4, "big"), digest_size=64, key=secret
        )
        counter += 1


def codename_from_secret(secret: bytes, language: str) -> str:
    """The v2 codename a 32-byte secret gives in ``language``: big-endian 16-bit values of the
    word stream, masked to the smallest power of two covering the list, kept when below its length
    (no modulo bias)."""
    if len(secret) != V2_SECRET_SIZE:
        raise ValueError("a codename secret is 32 bytes")
    words = v2_wordlist(language)
    mask = (1 << (len(words) - 1).bit_length()) - 1
    wanted = v2_word_count(language)
    chosen: list[str] = []
    for block in _word_stream(secret, language):
        for i in range(0, len(block), 2):
            value = int.from_bytes(block[i : i + 2], "big") & mask
            if value < len(words):
                chosen.append(words[value])
                if len(chosen) == wanted:
                    return " ".join(chosen)
    raise AssertionError("unreachable")


def generate_codename_v2(language: str) -> str:
    """A fresh v2 codename in ``language`` (from a random secret)."""
    return codename_from_secret(secrets.token_bytes(V2_SECRET_SIZE), language)


def derive_codename_v2_keys(codename: str, language: str) -> CodenameKeys:
    """Keys of a v2 codename given exactly as listed (canonical words, single spaces)."""
    message = _V2_ROOT_LABEL + b"\0" + language.encode("ascii") + b"\0" + codename.encode()
    root = _blake2b_256(message)
    return CodenameKeys(
        lookup_tag=_blake2b_256(_LOOKUP_TAG_LABEL, key=root),
        submitter_key=PrivateKey(_blake2b_256(_SUBMITTER_KEY_LABEL, key=root)),
        hybrid_seed=_blake2b_256(_V2_HYBRID_SUBMITTER_LABEL, key=root),
    )


def _v2_readings(text: str) -> list[tuple[str, str]]:
    """(language, canonical codename) for every v2 list that holds all the typed words."""
    spaced = _CJK_IDEOGRAPH.sub(" \\1 ", unicodedata.normalize("NFKC", text))
    typed = spaced.split()
    readings = []
    for language in V2_LANGUAGES:
        if len(typed) != v2_word_count(language):
            continue
        index = _v2_index(language)
        words = [index.get(fold_word(word, language)) for word in typed]
        if all(words):
            readings.append((language, " ".join(w for w in words if w)))
    return readings


def read_codename(text: str) -> list[CodenameKeys]:
    """The keys of every reading of a typed codename: v1 when it is ten words of the EFF list,
    and v2 in each language whose list holds every word (usually exactly one reading)."""
    readings = [derive_codename_v2_keys(c, language) for language, c in _v2_readings(text)]
    if is_well_formed(text):
        readings.append(derive_codename_keys(text))
    return readings


def is_codename(text: str) -> bool:
    """True when the text reads as a codename of either version."""
    return is_well_formed(text) or bool(_v2_readings(text))
