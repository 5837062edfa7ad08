"""Codenames (docs/codename-v1.md)."""

from __future__ import annotations

import hashlib

import pytest

from crypto import (
    CODENAME_WORDS,
    CodenameKeys,
    derive_codename_keys,
    generate_codename,
    is_well_formed,
    normalize_codename,
    wordlist,
)


def test_wordlist() -> None:
    words = wordlist()
    assert len(words) == len(set(words)) == 7776
    assert words[0] == "abacus" and words[-1] == "zoom"
    assert all(w == w.strip().lower() and " " not in w for w in words)
    assert wordlist() is words


def test_generate_codename() -> None:
    words = set(wordlist())
    names = {generate_codename() for _ in range(200)}
    assert len(names) == 200
    for name in names:
        parts = name.split(" ")
        assert len(parts) == CODENAME_WORDS == 10
        assert all(p in words for p in parts)
        assert normalize_codename(name) == name
        assert is_well_formed(name)


def test_generate_codename_uses_the_whole_list() -> None:
    seen = {w for _ in range(3000) for w in generate_codename().split()}
    assert len(seen) > 7000  # 30,000 draws from 7,776 words


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("abacus zoom", "abacus zoom"),
        ("  Abacus\tZOOM \n", "abacus zoom"),
        ("abacus\u00a0\u2003 zoom", "abacus zoom"),
        ("\uff21\uff42\uff41\uff43\uff55\uff53 zoom", "abacus zoom"),  # full-width
        ("\u212aelp", "kelp"),  # Kelvin sign -> K -> k
        ("t-shirt   YO-YO", "t-shirt yo-yo"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_codename(typed: str, normal: str) -> None:
    assert normalize_codename(typed) == normal


def test_is_well_formed() -> None:
    name = generate_codename()
    words = name.split()
    assert is_well_formed(name)
    assert is_well_formed("  " + name.upper().replace(" ", " \t ") + "\n")
    assert not is_well_formed(" ".join(words[:9]))
    assert not is_well_formed(name + " " + words[0])
    assert not is_well_formed(" ".join([*words[:9], "notaword"]))
    assert not is_well_formed(name.replace(" ", "", 1))
    assert not is_well_formed(name.replace(" ", "-"))
    assert not is_well_formed("")


def test_derive_codename_keys_matches_the_definition() -> None:
    name = generate_codename()
    keys = derive_codename_keys(name)
    root = hashlib.blake2b(name.encode(), digest_size=32).digest()
    tag = hashlib.blake2b(b"RPTENV v1 lookup tag", key=root, digest_size=32).digest()
    secret = hashlib.blake2b(b"RPTENV v1 submitter key", key=root, digest_size=32).digest()
    assert keys.lookup_tag == tag
    assert bytes(keys.submitter_key) == secret
    assert len(keys.lookup_tag) == 32


def test_derive_codename_keys_normalises_first() -> None:
    name = generate_codename()
    a = derive_codename_keys(name)
    b = derive_codename_keys("  " + name.upper().replace(" ", "\u3000") + " ")
    assert a.lookup_tag == b.lookup_tag
    assert bytes(a.submitter_key) == bytes(b.submitter_key)
    c = derive_codename_keys(generate_codename())
    assert c.lookup_tag != a.lookup_tag
    assert a.lookup_tag != bytes(a.submitter_key.public_key)


def test_codename_keys_repr_shows_no_secret() -> None:
    keys = derive_codename_keys(generate_codename())
    text = repr(keys) + str(keys)
    assert keys.lookup_tag.hex() not in text
    assert bytes(keys.submitter_key).hex() not in text
    assert repr(keys.lookup_tag) not in text
    assert text.startswith("CodenameKeys(")
    assert isinstance(keys, CodenameKeys)
