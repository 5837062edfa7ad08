#!/usr/bin/env python3
"""Generate tests/vectors/codename-v2.json (docs/codename-v2.md) ONCE, by hand:
`.venv/bin/python tests/vectors/make_codename_v2_vectors.py`. It refuses to overwrite the file.

An independent implementation written from the spec with hashlib's BLAKE2b and nacl.bindings
(for X25519 only); the `crypto` package is used only to cross-check before writing.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import nacl.bindings as sodium

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "codename-v2.json"


def words_of(language: str) -> list[str]:
    path = ROOT / "crypto" / "wordlists" / f"codename-v2-{language}.txt"
    return path.read_text(encoding="utf-8").splitlines()


def codename(secret: bytes, language: str) -> str:
    words = words_of(language)
    count = math.ceil(128 / math.log2(len(words)))
    mask = 2 ** math.ceil(math.log2(len(words))) - 1
    chosen: list[str] = []
    counter = 0
    while len(chosen) < count:
        label = b"RPTENV codename v2 words\x00" + language.encode() + b"\x00"
        block = hashlib.blake2b(label + counter.to_bytes(4, "big"), key=secret).digest()
        for i in range(0, 64, 2):
            value = (block[i] * 256 + block[i + 1]) & mask
            if value < len(words) and len(chosen) < count:
                chosen.append(words[value])
        counter += 1
    return " ".join(chosen)


def keys(text: str, language: str) -> tuple[bytes, bytes]:
    message = b"RPTENV codename v2\x00" + language.encode() + b"\x00" + text.encode("utf-8")
    root = hashlib.blake2b(message, digest_size=32).digest()
    tag = hashlib.blake2b(b"RPTENV v1 lookup tag", digest_size=32, key=root).digest()
    secret = hashlib.blake2b(b"RPTENV v1 submitter key", digest_size=32, key=root).digest()
    return tag, sodium.crypto_scalarmult_base(secret)


def main() -> int:
    if OUT.exists():
        print(f"{OUT} exists; it pins the format, so it is never regenerated", file=sys.stderr)
        return 1
    vectors = []
    for language in ("en", "es", "fr", "ru", "zh"):
        for seed in (b"\x00" * 32, bytes(range(32)), hashlib.sha256(language.encode()).digest()):
            text = codename(seed, language)
            tag, public = keys(text, language)
            vectors.append(
                {
                    "language": language,
                    "secret": seed.hex(),
                    "codename": text,
                    "lookup_tag": tag.hex(),
                    "submitter_public_key": public.hex(),
                }
            )
    sys.path.insert(0, str(ROOT))
    from crypto.codename import codename_from_secret, derive_codename_v2_keys

    for v in vectors:
        assert codename_from_secret(bytes.fromhex(v["secret"]), v["language"]) == v["codename"]
        derived = derive_codename_v2_keys(v["codename"], v["language"])
        assert derived.lookup_tag.hex() == v["lookup_tag"]
        assert bytes(derived.submitter_key.public_key).hex() == v["submitter_public_key"]
    typed = [
        # (what a person may type, the vector it must read as)
        ("fr accents dropped", vectors[6]["codename"], "fr"),
        ("zh without spaces", vectors[12]["codename"], "zh"),
    ]
    readings = []
    for name, text, language in typed:
        if name.startswith("fr"):
            import unicodedata

            shown = "".join(
                c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
            ).upper()
        else:
            shown = text.replace(" ", "")
        readings.append(
            {"description": name, "typed": shown, "language": language, "codename": text}
        )
    OUT.write_text(
        json.dumps(
            {"spec": "docs/codename-v2.md", "vectors": vectors, "typed": readings},
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
