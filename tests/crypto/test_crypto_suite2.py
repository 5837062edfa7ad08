"""Suite 2 (X-Wing) envelopes, access stanzas, key files and bundles, and their limits with suite 1."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import nacl.pwhash
import pytest
from nacl.public import PrivateKey

from crypto import (
    ACCESS_STANZA_SIZES,
    AuthenticationError,
    BundleAccess,
    BundleItemSource,
    EnvelopeReader,
    EnvelopeWriter,
    FormatError,
    NotARecipientError,
    PassphraseError,
    TruncatedError,
    XWingPublicKey,
    XWingSecretKey,
    decrypt,
    dump_key_file,
    encrypt,
    envelope_size,
    generate_hybrid_key,
    generate_keypair,
    key_file_suite,
    load_key_file,
    open_bundle,
    open_case_key,
    public_key_from_bytes,
    public_key_to_base64,
    read_header,
    reader_public_key,
    reader_public_key_from_base64,
    reseal_case_key,
    seal_case_key,
    write_bundle,
)
from crypto.envelope import header_size

NOTE = {"kind": "note"}
_FAST = {
    "opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
    "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN,
}


# --- envelopes ---------------------------------------------------------------------------------


def test_header_sizes_are_the_specs() -> None:
    assert ACCESS_STANZA_SIZES == {1: 80, 2: 1168}
    assert header_size(1, 2) == 10 + 1168 + 32 + 24 == 1234
    assert header_size(3, 2) == 10 + 3 * 1168 + 56
    assert header_size(255, 2) == 297_906
    assert header_size(1) == header_size(1, 1) == 146


@pytest.mark.parametrize("length", [0, 1, 4095, 4096, 4097, 200_001])
def test_round_trip_to_two_hybrid_readers(length: int) -> None:
    readers = [generate_hybrid_key(), generate_hybrid_key()]
    data = bytes(i % 251 for i in range(length))
    envelope = encrypt(data, [r.public_key for r in readers], {"kind": "report"})
    assert envelope[6:8] == b"\x02\x02"
    assert len(envelope) == envelope_size(length, 12, 2, 2)
    for reader in readers:
        assert decrypt(envelope, reader) == ({"v": 1, "kind": "report"}, data)


def test_streaming_writer_and_reader() -> None:
    reader_key = generate_hybrid_key()
    sink = io.BytesIO()
    with EnvelopeWriter(sink, [reader_key.public_key], {"kind": "attachment"}) as writer:
        for _ in range(5):
            writer.write(b"x" * 30_000)
    reader = EnvelopeReader(io.BytesIO(sink.getvalue()), reader_key)
    assert reader.header.suite == 2
    assert b"".join(reader.chunks()) == b"x" * 150_000


def test_the_x25519_half_alone_does_not_open_a_suite_2_envelope() -> None:
    hybrid = generate_hybrid_key()
    envelope = encrypt(b"secret", [hybrid.public_key], NOTE)
    half = PrivateKey(hybrid.x25519_secret_key)
    assert bytes(half.public_key) == hybrid.public_key.x25519_public_key
    with pytest.raises(NotARecipientError, match="suite 2"):
        decrypt(envelope, half)


def test_a_suite_1_envelope_does_not_open_with_a_hybrid_key_and_says_why() -> None:
    envelope = encrypt(b"secret", [generate_keypair().public_key], NOTE)
    with pytest.raises(NotARecipientError, match="suite 1"):
        decrypt(envelope, generate_hybrid_key())


def test_another_hybrid_key_is_not_a_recipient() -> None:
    envelope = encrypt(b"secret", [generate_hybrid_key().public_key], NOTE)
    with pytest.raises(NotARecipientError):
        decrypt(envelope, generate_hybrid_key())


def test_suites_are_never_mixed_in_one_envelope() -> None:
    with pytest.raises(FormatError, match="one suite"):
        encrypt(b"", [generate_hybrid_key().public_key, generate_keypair().public_key], NOTE)


def test_a_secret_key_is_not_a_recipient() -> None:
    with pytest.raises(TypeError):
        encrypt(b"", [generate_hybrid_key()], NOTE)  # type: ignore[list-item]


def test_swapping_a_stanza_between_envelopes_fails_the_commitment() -> None:
    reader = generate_hybrid_key()
    first = encrypt(b"one", [reader.public_key], NOTE)
    second = bytearray(encrypt(b"two", [reader.public_key], NOTE))
    second[10 : 10 + 1168] = first[10 : 10 + 1168]
    with pytest.raises(NotARecipientError):
        decrypt(bytes(second), reader)


def test_a_bit_flipped_in_the_header_fails_the_metadata() -> None:
    reader = generate_hybrid_key()
    envelope = bytearray(
        encrypt(b"one", [reader.public_key, generate_hybrid_key().public_key], NOTE)
    )
    envelope[10 + 1168 + 5] ^= 1  # inside the second reader's stanza
    with pytest.raises(AuthenticationError):
        decrypt(bytes(envelope), reader)


def test_version_and_suite_must_agree() -> None:
    envelope = bytearray(encrypt(b"", [generate_hybrid_key().public_key], NOTE))
    for index, value in ((6, 1), (7, 1), (7, 3), (6, 3)):
        bad = bytearray(envelope)
        bad[index] = value
        with pytest.raises(FormatError):
            read_header(io.BytesIO(bytes(bad)))


# --- access stanzas ----------------------------------------------------------------------------


@pytest.mark.parametrize("case_suite", [1, 2])
def test_case_key_of_either_suite_to_reviewers_of_both(case_suite: int) -> None:
    case_key = generate_hybrid_key() if case_suite == 2 else generate_keypair()
    hybrid, classical = generate_hybrid_key(), generate_keypair()
    stanzas = [
        seal_case_key(case_key, classical.public_key),
        seal_case_key(case_key, hybrid.public_key),
    ]
    assert [len(s) for s in stanzas] == [80, 1168]
    for reviewer in (hybrid, classical):
        opened = open_case_key(stanzas, reviewer, case_public_key=case_key.public_key)
        assert type(opened) is type(case_key)
        assert bytes(opened) == bytes(case_key)


def test_case_suite_without_a_public_key() -> None:
    case_key = generate_hybrid_key()
    reviewer = generate_hybrid_key()
    stanza = seal_case_key(case_key, reviewer.public_key)
    opened = open_case_key([stanza], reviewer, case_suite=2)
    assert isinstance(opened, XWingSecretKey) and opened.public_key == case_key.public_key


def test_the_x25519_half_of_a_hybrid_reviewer_opens_no_access_stanza() -> None:
    case_key = generate_keypair()
    reviewer = generate_hybrid_key()
    stanzas = [seal_case_key(case_key, reviewer.public_key)]
    with pytest.raises(NotARecipientError):
        open_case_key(stanzas, PrivateKey(reviewer.x25519_secret_key))


def test_access_stanza_with_a_wrong_case_public_key() -> None:
    reviewer = generate_hybrid_key()
    stanza = seal_case_key(generate_hybrid_key(), reviewer.public_key)
    with pytest.raises(AuthenticationError):
        open_case_key([stanza], reviewer, case_public_key=generate_hybrid_key().public_key)


def test_an_access_stanza_of_neither_length_is_a_format_error() -> None:
    with pytest.raises(FormatError, match="80 or 1168"):
        open_case_key([bytes(81)], generate_hybrid_key())


def test_a_file_key_stanza_is_not_an_access_stanza() -> None:
    """The labels differ: a file-key stanza copied into the access list opens nothing."""
    reviewer = generate_hybrid_key()
    envelope = encrypt(b"", [reviewer.public_key], NOTE)
    with pytest.raises(NotARecipientError):
        open_case_key([envelope[10 : 10 + 1168]], reviewer, case_suite=2)


@pytest.mark.parametrize("case_suite", [1, 2])
def test_a_reader_moves_from_a_classical_to_a_hybrid_key(case_suite: int) -> None:
    case_key = generate_hybrid_key() if case_suite == 2 else generate_keypair()
    old, new, other = generate_keypair(), generate_hybrid_key(), generate_keypair()
    stanzas = [seal_case_key(case_key, other.public_key), seal_case_key(case_key, old.public_key)]
    moved = reseal_case_key(stanzas, old, new.public_key, case_public_key=case_key.public_key)
    assert len(moved) == 1168
    opened = open_case_key([moved], new, case_public_key=case_key.public_key)
    assert bytes(opened) == bytes(case_key)
    with pytest.raises(NotARecipientError):
        open_case_key([moved], old)
    with pytest.raises(NotARecipientError):
        open_case_key([moved], PrivateKey(new.x25519_secret_key))


def test_reseal_refuses_a_case_key_that_is_not_the_cases() -> None:
    old = generate_keypair()
    stanza = seal_case_key(generate_keypair(), old.public_key)
    with pytest.raises(AuthenticationError):
        reseal_case_key(
            [stanza],
            old,
            generate_hybrid_key().public_key,
            case_public_key=generate_keypair().public_key,
        )


def test_reader_public_key_from_a_records_suite_and_bytes() -> None:
    hybrid, classical = generate_hybrid_key(), generate_keypair()
    assert reader_public_key(2, bytes(hybrid.public_key)) == hybrid.public_key
    assert reader_public_key(1, bytes(classical.public_key)) == classical.public_key
    for suite, data in (
        (1, bytes(hybrid.public_key)),
        (2, bytes(classical.public_key)),
        (3, bytes(32)),
    ):
        with pytest.raises(FormatError):
            reader_public_key(suite, data)


def test_stored_public_keys_of_both_suites_by_length() -> None:
    hybrid, classical = generate_hybrid_key(), generate_keypair()
    assert public_key_from_bytes(bytes(hybrid.public_key)) == hybrid.public_key
    assert public_key_from_bytes(bytes(classical.public_key)) == classical.public_key
    with pytest.raises(FormatError):
        public_key_from_bytes(bytes(33))


def test_reader_public_keys_of_both_suites_parse() -> None:
    hybrid, classical = generate_hybrid_key(), generate_keypair()
    assert (
        reader_public_key_from_base64(public_key_to_base64(hybrid.public_key)) == hybrid.public_key
    )
    assert (
        reader_public_key_from_base64(public_key_to_base64(classical.public_key))
        == classical.public_key
    )
    with pytest.raises(FormatError):
        reader_public_key_from_base64(public_key_to_base64(hybrid.public_key)[:-8])
    assert isinstance(
        reader_public_key_from_base64(public_key_to_base64(hybrid.public_key)), XWingPublicKey
    )


# --- key files ---------------------------------------------------------------------------------


def test_hybrid_key_file_round_trip() -> None:
    key = generate_hybrid_key()
    text = dump_key_file(key, "correct horse", **_FAST)
    obj = json.loads(text)
    assert (obj["version"], obj["suite"], obj["kdf"]) == (2, 2, "argon2id13")
    assert len(obj["public_key"]) == 1624  # base64 of 1216 bytes
    assert key_file_suite(text) == 2
    loaded = load_key_file(text, "correct horse")
    assert isinstance(loaded, XWingSecretKey) and bytes(loaded) == bytes(key)
    with pytest.raises(PassphraseError):
        load_key_file(text, "wrong")


def test_classical_key_files_stay_version_1() -> None:
    text = dump_key_file(generate_keypair(), None)
    obj = json.loads(text)
    assert obj["version"] == 1 and "suite" not in obj
    assert key_file_suite(text) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"version": 1},  # a version 1 file with a suite field
        {"suite": 3},
        {"suite": "2"},
        {"suite": 1},  # a suite 1 file with a 1216-byte public key
        {"version": 3},
    ],
)
def test_hybrid_key_file_fields_are_checked(change: dict[str, object]) -> None:
    obj = json.loads(dump_key_file(generate_hybrid_key(), None))
    obj.update(change)
    with pytest.raises(FormatError):
        load_key_file(json.dumps(obj), None)


def test_hybrid_key_file_without_a_suite_is_refused() -> None:
    obj = json.loads(dump_key_file(generate_hybrid_key(), None))
    del obj["suite"]
    with pytest.raises(FormatError, match="suite"):
        load_key_file(json.dumps(obj), None)


def test_hybrid_key_file_whose_public_key_is_another_keys() -> None:
    obj = json.loads(dump_key_file(generate_hybrid_key(), None))
    obj["public_key"] = public_key_to_base64(generate_hybrid_key().public_key)
    with pytest.raises(FormatError, match="does not match"):
        load_key_file(json.dumps(obj), None)


# --- bundles -----------------------------------------------------------------------------------


def make_bundle(
    case_key: PrivateKey | XWingSecretKey, reviewers: list[PrivateKey | XWingSecretKey]
) -> bytes:
    envelope = encrypt(b"the report", [case_key.public_key], {"kind": "report"})
    out = io.BytesIO()
    write_bundle(
        out,
        case_ref="RPR-2026-X",
        case_public_key=case_key.public_key,
        access=[
            BundleAccess(f"r{i}", seal_case_key(case_key, r.public_key))
            for i, r in enumerate(reviewers)
        ],
        items=[
            BundleItemSource(
                "r1", "report", datetime.date(2026, 12, 2), lambda: io.BytesIO(envelope)
            )
        ],
        case={"mechanisms": ["CAT"]},
    )
    return out.getvalue()


def manifest_of(bundle: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return json.loads(archive.read("manifest.json"))  # type: ignore[no-any-return]


def test_all_classical_bundles_stay_version_1_byte_compatible() -> None:
    manifest = manifest_of(make_bundle(generate_keypair(), [generate_keypair()]))
    assert manifest["version"] == 1
    assert "case_suite" not in manifest
    assert all("suite" not in entry for entry in manifest["access"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("case_suite", [1, 2])
def test_a_bundle_with_any_hybrid_key_is_version_3_and_opens_for_everyone(case_suite: int) -> None:
    case_key = generate_hybrid_key() if case_suite == 2 else generate_keypair()
    hybrid, classical = generate_hybrid_key(), generate_keypair()
    bundle = make_bundle(case_key, [hybrid, classical])
    manifest = manifest_of(bundle)
    assert manifest["version"] == 3 and manifest["case_suite"] == case_suite
    assert [e["suite"] for e in manifest["access"]] == [2, 1]  # type: ignore[attr-defined]
    for reviewer in (hybrid, classical):
        with open_bundle(io.BytesIO(bundle), reviewer) as opened:
            assert [b"".join(r.chunks()) for _, r in opened.items()] == [b"the report"]
    with pytest.raises(NotARecipientError):
        open_bundle(io.BytesIO(bundle), PrivateKey(hybrid.x25519_secret_key))


def rewrite_manifest(bundle: bytes, **changes: object) -> bytes:
    manifest = manifest_of(bundle)
    manifest.update(changes)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = json.dumps(manifest).encode() if name == "manifest.json" else source.read(name)
            target.writestr(name, data)
    return out.getvalue()


def test_version_3_manifest_fields_are_checked() -> None:
    reviewer = generate_hybrid_key()
    bundle = make_bundle(generate_hybrid_key(), [reviewer])
    manifest = manifest_of(bundle)
    access = manifest["access"]
    assert isinstance(access, list)
    for changes in (
        {"case_suite": 3},
        {"case_suite": 1},  # a 1216-byte key does not fit suite 1
        {"version": 1},  # version 1 has no suites
        {"version": 2},  # nor has version 2 (issue 14's authenticated manifest)
        {"access": [{**access[0], "suite": 1}]},  # 1168 bytes are not a suite-1 stanza
        {"access": [{k: v for k, v in access[0].items() if k != "suite"}]},
    ):
        with pytest.raises(FormatError):
            open_bundle(io.BytesIO(rewrite_manifest(bundle, **changes)), reviewer)


def test_the_writer_refuses_items_not_sealed_in_the_case_keys_suite() -> None:
    case_key = generate_hybrid_key()
    classical_envelope = encrypt(b"x", [generate_keypair().public_key], {"kind": "report"})
    with pytest.raises(FormatError, match="suite of the case key"):
        write_bundle(
            io.BytesIO(),
            case_ref="X",
            case_public_key=case_key.public_key,
            access=[BundleAccess("r", seal_case_key(case_key, generate_hybrid_key().public_key))],
            items=[
                BundleItemSource(
                    "r1",
                    "report",
                    datetime.date(2026, 12, 2),
                    lambda: io.BytesIO(classical_envelope),
                )
            ],
            case={},
        )


def test_every_bit_flip_in_a_suite_2_header_and_first_message_is_refused() -> None:
    reader = generate_hybrid_key()
    envelope = encrypt(b"x" * 100, [reader.public_key], NOTE)
    end = header_size(1, 2) + 4096 + 17  # the header and the metadata message
    for index in range(end):
        bad = bytearray(envelope)
        bad[index] ^= 1 << (index % 8)
        with pytest.raises((FormatError, NotARecipientError, AuthenticationError)):
            decrypt(bytes(bad), reader)


def test_every_truncation_of_a_suite_2_header_is_an_error() -> None:
    reader = generate_hybrid_key()
    envelope = encrypt(b"", [reader.public_key, generate_hybrid_key().public_key], NOTE)
    for length in range(0, header_size(2, 2) + 1, 13):
        with pytest.raises((FormatError, TruncatedError)):
            decrypt(envelope[:length], reader)
