#!/usr/bin/env python3
"""Build the codename v2 word lists (crypto/wordlists/codename-v2-<language>.txt), reproducibly.

Sources (docs/codename-v2.md):
* English: the EFF large wordlist already in crypto/wordlists/ (CC-BY-3.0 US).
* Spanish, French, Chinese (simplified) and Russian: the word lists of the `mnemonic` package
  (PyPI, MIT, Trezor's reference BIP-39 implementation); the first three are the BIP-39 lists.
Removed from each list:
* every word equal (after the language's folding: case, accents in French and Spanish) to an
  entry of the List of Dirty, Naughty, Obscene, and Otherwise Bad Words in the `naughty-words`
  npm package (CC-BY-4.0; node_modules/naughty-words/<language>.json, installed by `npm ci`);
* every word of crypto/wordlists/review/<language>.txt, the hand review (insults, sexual words,
  violence, arrest, prison, police, crime, religion: a codename found on paper must not look like
  anything).

`--check` rebuilds in memory and exits 1 when a committed list differs (the tests run it).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import json
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crypto.codename import fold_word  # noqa: E402

WORDLISTS = ROOT / "crypto" / "wordlists"
NAUGHTY = ROOT / "node_modules" / "naughty-words"
MNEMONIC_FILES = {
    "es": "spanish.txt",
    "fr": "french.txt",
    "ru": "russian.txt",
    "zh": "chinese_simplified.txt",
}


def source_words(language: str) -> list[str]:
    if language == "en":
        text = (WORDLISTS / "eff_large_wordlist.txt").read_text(encoding="utf-8")
    else:
        text = (
            importlib.resources.files("mnemonic")
            .joinpath("wordlist", MNEMONIC_FILES[language])
            .read_text(encoding="utf-8")
        )
    return [unicodedata.normalize("NFC", w.strip()) for w in text.splitlines() if w.strip()]


def removed_words(language: str) -> set[str]:
    terms = json.loads((NAUGHTY / f"{language}.json").read_text(encoding="utf-8"))
    review = (WORDLISTS / "review" / f"{language}.txt").read_text(encoding="utf-8")
    terms += [line.strip() for line in review.splitlines() if line.strip() and line[0] != "#"]
    return {fold_word(term, language) for term in terms}


def build(language: str) -> list[str]:
    removed = removed_words(language)
    words = [w for w in source_words(language) if fold_word(w, language) not in removed]
    if len({fold_word(w, language) for w in words}) != len(words):
        raise SystemExit(f"{language}: two words fold to the same form")
    return words


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()
    different = False
    for language in ("en", "es", "fr", "ru", "zh"):
        text = "".join(f"{w}\n" for w in build(language))
        target = WORDLISTS / f"codename-v2-{language}.txt"
        digest = hashlib.sha256(text.encode()).hexdigest()
        count = text.count("\n")
        print(f"{language}: {count} words, {len(source_words(language)) - count} removed, {digest}")
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                print(f"{target.relative_to(ROOT)} differs from a fresh build", file=sys.stderr)
                different = True
        else:
            target.write_text(text, encoding="utf-8")
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
