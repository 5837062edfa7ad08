"""Codename v2 (docs/codename-v2.md): vectors, word lists, reading what a person types."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crypto.codename import (
    V2_LANGUAGES,
    codename_from_secret,
    codename_language,
    derive_codename_keys,
    derive_codename_v2_keys,
    generate_codename,
    generate_codename_v2,
    is_codename,
    read_codename,
    v2_word_count,
    v2_wordlist,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS: dict[str, Any] = json.loads(
    (ROOT / "tests" / "vectors" / "codename-v2.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    "vector", VECTORS["vectors"], ids=lambda v: f"{v['language']}-{v['secret'][:8]}"
)
def test_vector(vector: dict[str, Any]) -> None:
    text = codename_from_secret(bytes.fromhex(vector["secret"]), vector["language"])
    assert text == vector["codename"]
    keys = derive_codename_v2_keys(text, vector["language"])
    assert keys.lookup_tag.hex() == vector["lookup_tag"]
    assert bytes(keys.submitter_key.public_key).hex() == vector["submitter_public_key"]
    assert keys.lookup_tag in [k.lookup_tag for k in read_codename(text)]


@pytest.mark.parametrize("case", VECTORS["typed"], ids=lambda c: c["description"])
def test_typed_forms_read_as_the_listed_codename(case: dict[str, Any]) -> None:
    wanted = derive_codename_v2_keys(case["codename"], case["language"]).lookup_tag
    assert wanted in [k.lookup_tag for k in read_codename(case["typed"])]


def test_every_language_has_vectors_and_lists_carry_128_bits() -> None:
    assert {v["language"] for v in VECTORS["vectors"]} == set(V2_LANGUAGES)
    for language in V2_LANGUAGES:
        bits = v2_word_count(language) * math.log2(len(v2_wordlist(language)))
        assert bits >= 128, language


def test_the_language_is_part_of_the_derivation() -> None:
    # The same canonical text in two languages must not give the same case.
    assert (
        derive_codename_v2_keys("a b", "en").lookup_tag
        != derive_codename_v2_keys("a b", "fr").lookup_tag
    )


@pytest.mark.parametrize("language", V2_LANGUAGES)
def test_fresh_codenames_read_back_in_their_language_only_once(language: str) -> None:
    text = generate_codename_v2(language)
    assert is_codename(text)
    assert len(text.split(" ")) == v2_word_count(language)
    readings = read_codename(text)
    v2 = derive_codename_v2_keys(text, language).lookup_tag
    assert v2 in [k.lookup_tag for k in readings]


def test_v1_codenames_keep_working() -> None:
    old = generate_codename()
    assert is_codename(old)
    assert derive_codename_keys(old).lookup_tag in [k.lookup_tag for k in read_codename(old)]


def test_pages_without_a_list_use_english() -> None:
    assert codename_language("ar") == "en"
    assert codename_language("fr") == "fr"
    assert codename_language("zh") == "zh"


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("en", "badass"),
        ("en", "mongrel"),
        ("en", "occultist"),
        ("en", "prison"),
        ("fr", "prison"),
        ("es", "cárcel"),
        ("zh", "死"),
        ("ru", "арест"),
    ],
)
def test_reviewed_words_are_not_in_the_lists(language: str, word: str) -> None:
    assert word not in v2_wordlist(language)


def test_typing_noise_is_not_a_codename() -> None:
    assert not is_codename("hello world")
    assert read_codename("") == []


def test_word_lists_rebuild_to_the_committed_files() -> None:
    if not (ROOT / "node_modules" / "naughty-words").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: node_modules/naughty-words is missing (npm ci)")
        pytest.skip("node_modules/naughty-words is missing (npm ci)")
    result = subprocess.run(
        [sys.executable, "scripts/build_codename_wordlists.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
