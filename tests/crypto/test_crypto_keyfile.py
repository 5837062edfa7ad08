"""The secret key file (spec section 4)."""

from __future__ import annotations

import base64
import json

import nacl.pwhash
import nacl.secret
import pytest
from nacl.public import PrivateKey

from crypto import (
    FormatError,
    PassphraseError,
    dump_key_file,
    generate_keypair,
    is_unprotected_key_file,
    load_key_file,
    public_key_to_base64,
    unwrap_secret_key,
    wrap_secret_key,
)

MIN = {
    "opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
    "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN,
}
PASSPHRASE = "correct horse battery staple ✓"


@pytest.fixture(scope="module")
def key_and_file() -> tuple[PrivateKey, str]:
    key = generate_keypair()
    return key, dump_key_file(key, PASSPHRASE, **MIN)


def test_round_trip_fields(key_and_file: tuple[PrivateKey, str]) -> None:
    key, text = key_and_file
    obj = json.loads(text)
    assert set(obj) == {
        "format",
        "version",
        "public_key",
        "kdf",
        "opslimit",
        "memlimit",
        "salt",
        "secret_key",
    }
    assert obj["format"] == "reprisal-secret-key" and obj["version"] == 1
    assert obj["kdf"] == "argon2id13"
    assert obj["opslimit"] == MIN["opslimit"] and obj["memlimit"] == MIN["memlimit"]
    assert len(base64.b64decode(obj["salt"])) == 16
    assert len(base64.b64decode(obj["secret_key"])) == 24 + 16 + 32
    assert obj["public_key"] == public_key_to_base64(key.public_key)
    assert bytes(key).hex() not in text
    assert bytes(load_key_file(text, PASSPHRASE)) == bytes(key)
    assert not is_unprotected_key_file(text)


def test_matches_the_spec_construction(key_and_file: tuple[PrivateKey, str]) -> None:
    key, text = key_and_file
    obj = json.loads(text)
    derived = nacl.pwhash.argon2id.kdf(
        32,
        PASSPHRASE.encode("utf-8"),
        base64.b64decode(obj["salt"]),
        opslimit=obj["opslimit"],
        memlimit=obj["memlimit"],
    )
    plain = nacl.secret.SecretBox(derived).decrypt(base64.b64decode(obj["secret_key"]))
    assert plain == bytes(key)


def test_default_limits_are_moderate() -> None:
    key = generate_keypair()
    text = dump_key_file(key, "a passphrase")
    obj = json.loads(text)
    assert obj["opslimit"] == nacl.pwhash.argon2id.OPSLIMIT_MODERATE
    assert obj["memlimit"] == nacl.pwhash.argon2id.MEMLIMIT_MODERATE
    assert load_key_file(text, "a passphrase") == key


def test_wrong_passphrase(key_and_file: tuple[PrivateKey, str]) -> None:
    _, text = key_and_file
    for wrong in ("", "correct horse battery staple", PASSPHRASE + " ", PASSPHRASE.upper()):
        with pytest.raises(PassphraseError):
            load_key_file(text, wrong)
    with pytest.raises(PassphraseError):
        load_key_file(text, None)


def edited(text: str, **changes: object) -> str:
    obj = json.loads(text)
    for name, value in changes.items():
        if value is None:
            del obj[name]
        else:
            obj[name] = value
    return json.dumps(obj)


def flip_b64(value: str, index: int) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_tampered_fields_are_rejected(key_and_file: tuple[PrivateKey, str]) -> None:
    _, text = key_and_file
    obj = json.loads(text)
    other = public_key_to_base64(generate_keypair().public_key)
    format_errors = [
        edited(text, format="something-else"),
        edited(text, format=None),
        edited(text, version=2),
        edited(text, version=True),
        edited(text, version="1"),
        edited(text, public_key=other),
        edited(text, public_key=obj["public_key"][:-2]),
        edited(text, kdf="scrypt"),
        edited(text, kdf=None),
        edited(text, opslimit=0),
        edited(text, opslimit="2"),
        edited(text, memlimit=1024),
        edited(text, memlimit=None),
        edited(text, salt=base64.b64encode(bytes(15)).decode()),
        edited(text, salt="!!!!"),
        edited(text, secret_key=obj["secret_key"][:-4]),
        edited(text, secret_key=None),
        "not json",
        "[]",
        text[:-10],
        text.replace('"kdf"', '"kdf": "none", "kdf"', 1),  # duplicate key
    ]
    for bad in format_errors:
        with pytest.raises(FormatError):
            load_key_file(bad, PASSPHRASE)
    passphrase_errors = [
        edited(text, salt=flip_b64(obj["salt"], 3)),
        edited(text, secret_key=flip_b64(obj["secret_key"], 0)),  # nonce
        edited(text, secret_key=flip_b64(obj["secret_key"], 30)),  # tag
        edited(text, secret_key=flip_b64(obj["secret_key"], 60)),  # ciphertext
        edited(text, opslimit=obj["opslimit"] + 1),
    ]
    for bad in passphrase_errors:
        with pytest.raises(PassphraseError):
            load_key_file(bad, PASSPHRASE)


def test_unprotected_key_file() -> None:
    key = generate_keypair()
    text = dump_key_file(key, None)
    obj = json.loads(text)
    assert obj["kdf"] == "none"
    assert base64.b64decode(obj["secret_key"]) == bytes(key)
    assert is_unprotected_key_file(text)
    assert load_key_file(text, None) == key
    assert load_key_file(text, "ignored") == key
    with pytest.raises(FormatError):
        load_key_file(
            edited(text, public_key=public_key_to_base64(generate_keypair().public_key)), None
        )
    with pytest.raises(FormatError):
        is_unprotected_key_file("{")


def test_wrap_and_unwrap_dict() -> None:
    key = generate_keypair()
    obj = wrap_secret_key(key, "in-app custody", **MIN)
    assert obj["kdf"] == "argon2id13"
    assert unwrap_secret_key(obj, "in-app custody") == key
    assert json.loads(json.dumps(obj)) == obj
    with pytest.raises(PassphraseError):
        unwrap_secret_key(obj, "wrong")
    with pytest.raises(ValueError):
        wrap_secret_key(key, "", **MIN)
    with pytest.raises(FormatError):
        wrap_secret_key(key, "x", opslimit=0, memlimit=MIN["memlimit"])


def test_salt_is_fresh_each_time() -> None:
    key = generate_keypair()
    a = wrap_secret_key(key, "same", **MIN)
    b = wrap_secret_key(key, "same", **MIN)
    assert a["salt"] != b["salt"] and a["secret_key"] != b["secret_key"]
