"""Reader records (docs/spec/reader-record-v1.md): the fixed vectors, signing, and the org key file."""

from __future__ import annotations

import base64
import datetime
import json
from pathlib import Path

import nacl.pwhash
import nacl.signing
import pytest

from crypto.errors import FormatError, PassphraseError
from crypto.orgkey import dump_org_key, is_unprotected_org_key, load_org_key
from crypto.records import (
    SIGNING_CONTEXT,
    ReaderRecord,
    Revocation,
    SignatureError,
    parse_org_public_keys,
    sign_reader,
    sign_revocation,
    verify_reader,
    verify_record,
)

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "reader-record-v1.json").read_text("utf-8")
)
ORG = base64.b64decode(VECTORS["org_public_key"])
TODAY = datetime.date.fromisoformat(VECTORS["today"])


def test_the_vector_organisation_key_comes_from_its_seed() -> None:
    key = nacl.signing.SigningKey(bytes.fromhex(VECTORS["org_seed_hex"]))
    assert bytes(key.verify_key) == ORG


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: c["name"])
def test_valid_vectors_verify_and_parse_to_their_payload(case: dict) -> None:
    record = verify_record(case["file"], [ORG])
    payload = case["payload"]
    document = json.loads(case["file"])
    assert SIGNING_CONTEXT + base64.b64decode(document["payload"]) == bytes.fromhex(
        case["signed_bytes_hex"]
    )
    assert record.id == payload["id"] and record.suite == payload["suite"]
    assert record.public_key == base64.b64decode(payload["public_key"])
    if payload["type"] == "revocation":
        assert isinstance(record, Revocation)
        return
    assert isinstance(record, ReaderRecord)
    assert (record.holder, record.role) == (payload["holder"], payload["role"])
    assert list(record.mechanisms) == payload["mechanisms"]
    assert record.valid_on(TODAY) is case["valid_on_today"]
    assert {code: record.covers(code) for code in case["covers"]} == case["covers"]


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_invalid_vectors_are_refused_with_their_error(case: dict) -> None:
    expected = SignatureError if case["error"] == "signature" else FormatError
    with pytest.raises(expected):
        verify_record(case["file"], [ORG])


def test_no_pinned_key_means_no_valid_record() -> None:
    with pytest.raises(SignatureError):
        verify_record(VECTORS["valid"][0]["file"], [])


def test_a_revocation_is_not_a_reader() -> None:
    revocation = next(c for c in VECTORS["valid"] if c["name"] == "revocation")
    with pytest.raises(FormatError):
        verify_reader(revocation["file"], [ORG])


def test_signing_round_trips_and_suite_two_keys_fit() -> None:
    key = nacl.signing.SigningKey.generate()
    day = datetime.date(2027, 1, 1)
    text = sign_reader(
        key,
        public_key=bytes(1216),
        suite=2,
        holder="Ana",
        role="focal_point",
        mechanisms=["cedaw", "CAT"],
        not_before=day,
        not_after=day,
    )
    record = verify_reader(text, [bytes(key.verify_key)])
    assert record.mechanisms == ("CAT", "CEDAW") and record.suite == 2
    assert record.valid_on(day) and not record.valid_on(day + datetime.timedelta(days=1))
    revocation = verify_record(sign_revocation(key, public_key=bytes(32)), [bytes(key.verify_key)])
    assert isinstance(revocation, Revocation)


def test_pinned_keys_parse_from_commas_spaces_and_lines() -> None:
    other = bytes(nacl.signing.SigningKey.generate().verify_key)
    text = f" {VECTORS['org_public_key']},\n{base64.b64encode(other).decode()} "
    assert parse_org_public_keys(text) == (ORG, other)
    with pytest.raises(FormatError):
        parse_org_public_keys("not-a-key")


def test_the_org_key_file_round_trips_under_a_passphrase() -> None:
    key = nacl.signing.SigningKey.generate()
    text = dump_org_key(
        key,
        "org passphrase",
        opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN,
        memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN,
    )
    assert "secret" not in text.lower() or bytes(key).hex() not in text
    assert not is_unprotected_org_key(text)
    assert bytes(load_org_key(text, "org passphrase")) == bytes(key)
    with pytest.raises(PassphraseError):
        load_org_key(text, "wrong")
    assert is_unprotected_org_key(dump_org_key(key, None))
