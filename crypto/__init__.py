"""RPTENV v1: envelopes, case and access keys, codenames, key files and case bundles.

A pure library (standard library, PyNaCl, and `cryptography` for ML-KEM-768 in X-Wing). The byte
formats are fixed by docs/spec/rptenv-v1.md and docs/codename-v1.md; tests/vectors pins them.
"""

from __future__ import annotations

from .bundle import BundleAccess, BundleItemSource, OpenedBundle, open_bundle, write_bundle
from .codename import (
    CODENAME_WORDS,
    CodenameKeys,
    derive_codename_keys,
    generate_codename,
    is_well_formed,
    normalize_codename,
    wordlist,
)
from .envelope import (
    CHUNK_LOG2_FILE,
    CHUNK_LOG2_TEXT,
    ITEM_KINDS,
    MAGIC,
    SUITE,
    VERSION,
    EnvelopeHeader,
    EnvelopeReader,
    EnvelopeWriter,
    check_structure,
    decrypt,
    decrypt_to,
    encrypt,
    envelope_size,
    message_count,
    padme,
    read_header,
)
from .errors import (
    AuthenticationError,
    FormatError,
    NotARecipientError,
    PassphraseError,
    RptenvError,
    TruncatedError,
)
from .keyfile import (
    dump_key_file,
    is_unprotected_key_file,
    load_key_file,
    unwrap_secret_key,
    wrap_secret_key,
)
from .keys import (
    ACCESS_STANZA_SIZE,
    generate_keypair,
    open_case_key,
    public_key_from_base64,
    public_key_to_base64,
    seal_case_key,
)

__all__ = [
    "ACCESS_STANZA_SIZE",
    "CHUNK_LOG2_FILE",
    "CHUNK_LOG2_TEXT",
    "CODENAME_WORDS",
    "ITEM_KINDS",
    "MAGIC",
    "SUITE",
    "VERSION",
    "AuthenticationError",
    "BundleAccess",
    "BundleItemSource",
    "CodenameKeys",
    "EnvelopeHeader",
    "EnvelopeReader",
    "EnvelopeWriter",
    "FormatError",
    "NotARecipientError",
    "OpenedBundle",
    "PassphraseError",
    "RptenvError",
    "TruncatedError",
    "check_structure",
    "decrypt",
    "decrypt_to",
    "derive_codename_keys",
    "dump_key_file",
    "encrypt",
    "envelope_size",
    "generate_codename",
    "generate_keypair",
    "is_unprotected_key_file",
    "is_well_formed",
    "load_key_file",
    "message_count",
    "normalize_codename",
    "open_bundle",
    "open_case_key",
    "padme",
    "public_key_from_base64",
    "public_key_to_base64",
    "read_header",
    "seal_case_key",
    "unwrap_secret_key",
    "wordlist",
    "wrap_secret_key",
    "write_bundle",
]
