"""RPTENV v1 envelopes: round trips, sizes, and every reader rule of spec section 2."""

from __future__ import annotations

import io
import json

import nacl.bindings as b
import nacl.utils
import pytest
from nacl.public import PrivateKey, PublicKey

from crypto import (
    CHUNK_LOG2_FILE,
    CHUNK_LOG2_TEXT,
    AuthenticationError,
    EnvelopeReader,
    EnvelopeWriter,
    FormatError,
    NotARecipientError,
    RptenvError,
    TruncatedError,
    check_structure,
    decrypt,
    decrypt_to,
    encrypt,
    envelope_size,
    generate_keypair,
    message_count,
    padme,
    read_header,
)

TAG_MESSAGE, TAG_PUSH, TAG_REKEY, TAG_FINAL = 0, 1, 2, 3
META = {"kind": "note"}


def blake(label: bytes, key: bytes) -> bytes:
    return b.crypto_generichash_blake2b_salt_personal(label, digest_size=32, key=key)


def handmade(
    recipients: list[PublicKey],
    messages: list[tuple[bytes, int]],
    *,
    chunk_log2: int = 12,
    prefix: bytes | None = None,
    file_key: bytes | None = None,
    commitment: bytes | None = None,
) -> bytes:
    """An envelope built directly with nacl.bindings; message 0 gets H as additional data."""
    file_key = file_key or nacl.utils.random(32)
    stanzas = b"".join(b.crypto_box_seal(file_key, bytes(pk)) for pk in recipients)
    state = b.crypto_secretstream_xchacha20poly1305_state()
    ss_header = b.crypto_secretstream_xchacha20poly1305_init_push(
        state, blake(b"RPTENV v1 stream key", file_key)
    )
    if prefix is None:
        prefix = b"RPTENV" + bytes([1, 1, chunk_log2, len(recipients)])
    if commitment is None:
        commitment = blake(b"RPTENV v1 key commitment", file_key)
    header = prefix + stanzas + commitment + ss_header
    out = [header]
    for index, (plaintext, tag) in enumerate(messages):
        ad = header if index == 0 else None
        out.append(b.crypto_secretstream_xchacha20poly1305_push(state, plaintext, ad, tag))
    return b"".join(out)


def pad(data: bytes, c: int = 4096) -> bytes:
    return b.sodium_pad(data, c)


def meta_plain(obj: object = None, c: int = 4096) -> bytes:
    return pad(json.dumps({"v": 1, "kind": "note"} if obj is None else obj).encode(), c)


@pytest.fixture(scope="module")
def key() -> PrivateKey:
    return generate_keypair()


def pattern(length: int) -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(length))


# --- sizes -------------------------------------------------------------------------------------

PADME_TABLE = [
    (0, 0),
    (1, 1),
    (2, 2),
    (3, 3),
    (5, 5),
    (9, 10),
    (100, 104),
    (1000, 1024),
    (1025, 1088),
    (8192, 8192),
    (65 * 4096, 66 * 4096),
    (129 * 4096, 132 * 4096),
    (1_000_000, 1_015_808),
]


@pytest.mark.parametrize(("length", "expected"), PADME_TABLE)
def test_padme_table(length: int, expected: int) -> None:
    assert padme(length) == expected


def test_padme_matches_definition_and_is_idempotent() -> None:
    import math

    for length in list(range(2, 5000)) + [2**k + d for k in range(12, 40) for d in (-1, 0, 1)]:
        e = math.floor(math.log2(length))
        s = math.floor(math.log2(e)) + 1
        mask = 2 ** (e - s) - 1
        assert padme(length) == (length + mask) & ~mask
        assert padme(padme(length)) == padme(length) >= length


MESSAGE_COUNT_TABLE = [
    (0, 12, 2),
    (1, 12, 2),
    (4095, 12, 2),
    (4096, 12, 3),
    (4097, 12, 3),
    (62 * 4096, 12, 64),
    (63 * 4096, 12, 66),
    (64 * 4096 - 1, 12, 66),
    (127 * 4096, 12, 132),
    (3 * 2**20, 12, 784),
    (3 * 2**20, 16, 50),
    (0, 16, 2),
    (0, 20, 2),
]


@pytest.mark.parametrize(("length", "chunk_log2", "expected"), MESSAGE_COUNT_TABLE)
def test_message_count_table(length: int, chunk_log2: int, expected: int) -> None:
    assert message_count(length, chunk_log2) == expected
    c = 1 << chunk_log2
    assert envelope_size(length, chunk_log2, 1) == 10 + 80 + 32 + 24 + expected * (c + 17)


@pytest.mark.parametrize("chunk_log2", [11, 21])
def test_sizes_reject_bad_chunk_log2(chunk_log2: int) -> None:
    with pytest.raises(FormatError):
        message_count(0, chunk_log2)


# --- round trips -------------------------------------------------------------------------------


def sizes(chunk_log2: int) -> list[int]:
    c = 1 << chunk_log2
    return [0, 1, c - 1, c, c + 1, 2 * c]


@pytest.mark.parametrize("chunk_log2", [CHUNK_LOG2_TEXT, CHUNK_LOG2_FILE])
@pytest.mark.parametrize("n_recipients", [1, 3])
def test_round_trip(chunk_log2: int, n_recipients: int) -> None:
    keys = [generate_keypair() for _ in range(n_recipients)]
    for length in sizes(chunk_log2):
        data = pattern(length)
        metadata = {"kind": "attachment", "name": "é.txt", "type": "text/plain"}
        envelope = encrypt(data, [k.public_key for k in keys], metadata, chunk_log2=chunk_log2)
        assert len(envelope) == envelope_size(length, chunk_log2, n_recipients)
        header = read_header(io.BytesIO(envelope))
        assert header.chunk_log2 == chunk_log2
        assert len(header.stanzas) == n_recipients
        assert check_structure(header, len(envelope)) == message_count(length, chunk_log2)
        for k in keys:
            got_meta, got = decrypt(envelope, k)
            assert got == data
            assert got_meta == {"v": 1, **metadata}


@pytest.mark.parametrize("chunk_log2", [CHUNK_LOG2_TEXT, CHUNK_LOG2_FILE])
def test_round_trip_3_mib_streaming(chunk_log2: int, key: PrivateKey) -> None:
    data = nacl.utils.random(3 * 2**20 + 12345)
    sink = io.BytesIO()
    with EnvelopeWriter(sink, [key.public_key], {"kind": "attachment"}, chunk_log2=chunk_log2) as w:
        for start in range(0, len(data), 100_003):
            w.write(data[start : start + 100_003])
    envelope = sink.getvalue()
    assert w.bytes_written == len(envelope) == envelope_size(len(data), chunk_log2, 1)
    out = io.BytesIO()
    assert decrypt_to(io.BytesIO(envelope), key, out) == {"v": 1, "kind": "attachment"}
    assert out.getvalue() == data


def test_reader_yields_whole_chunks_and_skips_empty_pieces(key: PrivateKey) -> None:
    envelope = encrypt(pattern(8192), [key.public_key], META)  # end message holds only the pad
    reader = EnvelopeReader(io.BytesIO(envelope), key)
    pieces = list(reader.chunks())
    assert [len(p) for p in pieces] == [4096, 4096]
    with pytest.raises(ValueError):
        reader.chunks()


def test_odd_sized_writes_match_one_shot(key: PrivateKey) -> None:
    data = pattern(5 * 4096 + 123)
    one_shot = encrypt(data, [key.public_key], META)
    for piece_sizes in ([1], [7, 4095, 4097], [4096], [10000, 1], [3, 8191]):
        sink = io.BytesIO()
        writer = EnvelopeWriter(sink, [key.public_key], META, chunk_log2=12)
        position, i = 0, 0
        while position < len(data):
            size = piece_sizes[i % len(piece_sizes)]
            writer.write(data[position : position + size])
            writer.write(b"")
            position += size
            i += 1
        writer.close()
        writer.close()  # idempotent
        out = sink.getvalue()
        assert writer.bytes_written == len(out) == len(one_shot)
        assert out[:6] == one_shot[:6] and out != one_shot  # fresh file key each time
        assert check_structure(read_header(io.BytesIO(out)), len(out)) == 7
        assert decrypt(out, key) == ({"v": 1, "kind": "note"}, data)


def test_writer_accepts_bytearray_and_memoryview(key: PrivateKey) -> None:
    sink = io.BytesIO()
    with EnvelopeWriter(sink, [key.public_key], META, chunk_log2=12) as writer:
        writer.write(bytearray(b"abc"))
        writer.write(memoryview(b"def"))
    assert decrypt(sink.getvalue(), key)[1] == b"abcdef"


def test_writer_context_manager_does_not_finalize_on_error(key: PrivateKey) -> None:
    sink = io.BytesIO()
    with pytest.raises(RuntimeError), EnvelopeWriter(sink, [key.public_key], META) as writer:
        writer.write(b"partial data")
        raise RuntimeError("upload aborted")
    with pytest.raises(TruncatedError):
        decrypt(sink.getvalue(), key)
    with pytest.raises(ValueError):
        writer.write(b"more")
    with pytest.raises(ValueError):
        writer.close()


def test_write_after_close_fails(key: PrivateKey) -> None:
    writer = EnvelopeWriter(io.BytesIO(), [key.public_key], META)
    writer.close()
    with pytest.raises(ValueError):
        writer.write(b"x")


def test_writer_sets_version_and_validates_metadata(key: PrivateKey) -> None:
    pk = [key.public_key]
    assert decrypt(encrypt(b"", pk, {"kind": "reply", "v": 1}), key)[0] == {"v": 1, "kind": "reply"}
    for bad in (
        {},
        {"kind": "secret"},
        {"kind": "note", "v": 2},
        {"kind": "note", "v": True},
        {"kind": "note", "when": object()},
        {"kind": "note", "x": float("nan")},
        {"kind": "note", 1: "non-string key"},
        {"kind": "note", "x": "\ud800"},
    ):
        with pytest.raises(FormatError):
            encrypt(b"", pk, bad)  # type: ignore[arg-type]


def test_metadata_must_fit_in_one_chunk(key: PrivateKey) -> None:
    overhead = len(json.dumps({"v": 1, "kind": "note", "x": ""}, separators=(",", ":")))
    fits = {"kind": "note", "x": "a" * (4095 - overhead)}
    assert decrypt(encrypt(b"", [key.public_key], fits), key)[0]["x"] == fits["x"]
    with pytest.raises(FormatError):
        encrypt(b"", [key.public_key], {"kind": "note", "x": "a" * (4096 - overhead)})


def test_recipient_count_and_chunk_log2_are_validated(key: PrivateKey) -> None:
    with pytest.raises(FormatError):
        encrypt(b"", [], META)
    with pytest.raises(FormatError):
        encrypt(b"", [key.public_key] * 256, META)
    for chunk_log2 in (11, 21):
        with pytest.raises(FormatError):
            encrypt(b"", [key.public_key], META, chunk_log2=chunk_log2)
    keys = [generate_keypair() for _ in range(254)]
    envelope = encrypt(b"x", [k.public_key for k in keys] + [key.public_key], META)
    assert decrypt(envelope, key)[1] == b"x"


# --- reader rules ------------------------------------------------------------------------------


def test_wrong_key_is_not_a_recipient(key: PrivateKey) -> None:
    envelope = encrypt(b"secret", [key.public_key], META)
    with pytest.raises(NotARecipientError):
        decrypt(envelope, generate_keypair())


@pytest.mark.parametrize(
    ("index", "value", "error"),
    [
        (0, ord("X"), FormatError),  # magic
        (5, ord("v"), FormatError),  # magic
        (6, 0, FormatError),  # version
        (6, 2, FormatError),  # version
        (7, 0, FormatError),  # suite
        (7, 2, FormatError),  # suite
        (8, 11, FormatError),  # chunk_log2
        (8, 21, FormatError),  # chunk_log2
        (9, 0, FormatError),  # n
    ],
)
def test_header_fields_are_checked(
    key: PrivateKey, index: int, value: int, error: type[Exception]
) -> None:
    envelope = bytearray(encrypt(b"data", [key.public_key], META))
    envelope[index] = value
    with pytest.raises(error):
        decrypt(bytes(envelope), key)
    with pytest.raises(error):
        read_header(io.BytesIO(bytes(envelope)))


def test_short_non_envelope_is_a_format_error(key: PrivateKey) -> None:
    with pytest.raises(FormatError):
        decrypt(b"PK\x03\x04", key)


def test_commitment_mismatch_is_rejected(key: PrivateKey) -> None:
    messages = [(meta_plain(), TAG_MESSAGE), (pad(b"data"), TAG_FINAL)]
    good = handmade([key.public_key], messages)
    assert decrypt(good, key) == ({"v": 1, "kind": "note"}, b"data")
    bad = handmade([key.public_key], messages, commitment=bytes(32))
    with pytest.raises(NotARecipientError):
        decrypt(bad, key)


def test_second_stanza_is_tried(key: PrivateKey) -> None:
    other = generate_keypair()
    envelope = encrypt(b"two", [other.public_key, key.public_key], META)
    assert decrypt(envelope, key)[1] == b"two"
    assert decrypt(envelope, other)[1] == b"two"


def regions(n_stanzas: int, n_messages: int) -> dict[str, int]:
    """A byte offset in each region of a 4 KiB-chunk envelope."""
    h = 10 + 80 * n_stanzas + 56
    m = 4096 + 17
    return {
        "stanza": 10 + 40,
        "commitment": 10 + 80 * n_stanzas + 5,
        "ss_header": 10 + 80 * n_stanzas + 32 + 3,
        "metadata message": h + 100,
        "metadata tag": h + m - 1,
        "data message": h + m + 2000,
        "data message tag": h + 2 * m - 1,
        "end message": h + 63 * m + 5,  # the PUSH message
        "padding message": h + (n_messages - 2) * m + 17,
        "final message": h + (n_messages - 1) * m + 4000,
        "final tag": h + n_messages * m - 1,
    }


def test_flipped_bit_in_every_region_is_rejected(key: PrivateKey) -> None:
    length = 127 * 4096  # m = 129, N = 132: three padding messages
    data = pattern(length)
    envelope = encrypt(data, [key.public_key], META)
    n = message_count(length, 12)
    assert n == 132
    assert decrypt(envelope, key)[1] == data
    for region, offset in regions(1, n).items():
        for bit in (0, 7):
            tampered = bytearray(envelope)
            tampered[offset] ^= 1 << bit
            expected = (
                NotARecipientError if region in ("stanza", "commitment") else (AuthenticationError)
            )
            with pytest.raises(expected):
                decrypt(bytes(tampered), key)
            # streaming: no data past the tampered message is ever yielded
            reader_out = io.BytesIO()
            with pytest.raises(expected):
                decrypt_to(io.BytesIO(bytes(tampered)), key, reader_out)
            assert len(reader_out.getvalue()) <= length


def test_flipped_bit_in_header_prefix_is_rejected(key: PrivateKey) -> None:
    envelope = encrypt(b"data", [key.public_key], META)
    for index in range(10):
        for bit in range(8):
            tampered = bytearray(envelope)
            tampered[index] ^= 1 << bit
            with pytest.raises(RptenvError):
                decrypt(bytes(tampered), key)


def test_every_truncation_of_a_small_envelope(key: PrivateKey) -> None:
    envelope = encrypt(b"hello", [key.public_key, generate_keypair().public_key], META)
    for length in range(len(envelope)):
        with pytest.raises(TruncatedError):
            decrypt(envelope[:length], key)


def test_truncation_at_boundaries_of_a_padded_envelope(key: PrivateKey) -> None:
    length = 63 * 4096  # N = 66: the end message carries PUSH, one padding message (FINAL)
    envelope = encrypt(pattern(length), [key.public_key], META)
    h, m = 146, 4113
    cuts = set()
    for k in range(67):
        for delta in (-1, 0, 1, 17, 4096):
            cuts.add(h + k * m + delta)
    for cut in sorted(c for c in cuts if 0 <= c < len(envelope)):
        with pytest.raises(TruncatedError):
            decrypt(envelope[:cut], key)
        out = io.BytesIO()
        with pytest.raises(TruncatedError):
            decrypt_to(io.BytesIO(envelope[:cut]), key, out)


def test_dropping_the_final_message_is_truncation(key: PrivateKey) -> None:
    for length in (0, 4096, 63 * 4096):
        envelope = encrypt(pattern(length), [key.public_key], META)
        with pytest.raises(TruncatedError):
            decrypt(envelope[: -(4096 + 17)], key)


@pytest.mark.parametrize("extra", [b"\x00", b"x" * 4113])
def test_bytes_after_final_are_rejected(key: PrivateKey, extra: bytes) -> None:
    envelope = encrypt(b"data", [key.public_key], META)
    with pytest.raises(FormatError):
        decrypt(envelope + extra, key)
    envelope = encrypt(pattern(63 * 4096), [key.public_key], META)
    with pytest.raises(FormatError):
        decrypt(envelope + extra, key)


def test_reordered_duplicated_and_dropped_messages_are_rejected(key: PrivateKey) -> None:
    envelope = encrypt(pattern(4 * 4096 + 10), [key.public_key], META)
    h, m = 146, 4113
    msgs = [envelope[h + i * m : h + (i + 1) * m] for i in range(6)]
    head = envelope[:h]
    variants = [
        [msgs[0], msgs[2], msgs[1], *msgs[3:]],  # swapped data
        [msgs[0], msgs[1], msgs[1], *msgs[2:]],  # duplicated
        [msgs[0], *msgs[2:]],  # dropped
        [msgs[1], msgs[0], *msgs[2:]],  # metadata swapped
        [*msgs[:4], msgs[5], msgs[4]],  # final moved
    ]
    for variant in variants:
        with pytest.raises(AuthenticationError):
            decrypt(head + b"".join(variant), key)


def test_messages_from_another_envelope_are_rejected(key: PrivateKey) -> None:
    a = encrypt(b"a" * 5000, [key.public_key], META)
    c = encrypt(b"c" * 5000, [key.public_key], META)
    h, m = 146, 4113
    with pytest.raises(AuthenticationError):
        decrypt(a[: h + m] + c[h + m :], key)
    with pytest.raises(AuthenticationError):  # header of one, stream of another
        decrypt(a[:h] + c[h:], key)


def test_nonzero_padding_message_is_rejected(key: PrivateKey) -> None:
    pk = [key.public_key]
    base = [(meta_plain(), TAG_MESSAGE), (pad(b"data"), TAG_PUSH)]
    ok = handmade(pk, [*base, (bytes(4096), TAG_FINAL)])
    assert decrypt(ok, key)[1] == b"data"
    one = bytearray(4096)
    one[4095] = 1
    for messages in (
        [*base, (bytes(one), TAG_FINAL)],
        [*base, (bytes(one), TAG_MESSAGE), (bytes(4096), TAG_FINAL)],
        [*base, (bytes(4096), TAG_MESSAGE), (pad(b"more"), TAG_FINAL)],
    ):
        out = io.BytesIO()
        with pytest.raises(AuthenticationError):
            decrypt_to(io.BytesIO(handmade(pk, messages)), key, out)


@pytest.mark.parametrize(
    "messages",
    [
        [(meta_plain(), TAG_PUSH), (pad(b"d"), TAG_FINAL)],  # metadata tag
        [(meta_plain(), TAG_FINAL)],  # metadata tag
        [(meta_plain(), TAG_MESSAGE), (pad(b"d"), TAG_REKEY), (bytes(4096), TAG_FINAL)],
        [(meta_plain(), TAG_MESSAGE), (pad(b"d"), TAG_PUSH), (bytes(4096), TAG_PUSH)],
        [(meta_plain(), TAG_MESSAGE), (pad(b"d"), TAG_PUSH), (bytes(4096), TAG_REKEY)],
        [(meta_plain(), TAG_MESSAGE), (bytes(4096), TAG_FINAL)],  # bad pad (all zero)
        [(meta_plain(), TAG_MESSAGE), (b"\x80" + bytes(4094) + b"\x01", TAG_FINAL)],  # bad pad
        [(bytes(4096), TAG_MESSAGE), (pad(b"d"), TAG_FINAL)],  # metadata pad
    ],
)
def test_wrong_tags_and_bad_pads_are_rejected(
    key: PrivateKey, messages: list[tuple[bytes, int]]
) -> None:
    with pytest.raises(AuthenticationError):
        decrypt(handmade([key.public_key], messages), key)


def test_message_without_final_is_truncated(key: PrivateKey) -> None:
    messages = [(meta_plain(), TAG_MESSAGE), (pad(b"d"), TAG_PUSH), (bytes(4096), TAG_MESSAGE)]
    with pytest.raises(TruncatedError):
        decrypt(handmade([key.public_key], messages), key)
    messages = [(meta_plain(), TAG_MESSAGE), (pattern(4096), TAG_MESSAGE)]
    with pytest.raises(TruncatedError):
        decrypt(handmade([key.public_key], messages), key)


@pytest.mark.parametrize(
    "metadata",
    [
        b"not json",
        b"[1, 2]",
        b'{"v": 2, "kind": "note"}',
        b'{"v": true, "kind": "note"}',
        b'{"v": 1}',
        b'{"v": 1, "kind": "secret"}',
        b'{"v": 1, "kind": "note", "kind": "report"}',
        b'{"v": 1, "kind": "note", "x": NaN}',
        b'{"v": 1, "kind": "note", "x": "\xff"}',
    ],
)
def test_malformed_metadata_is_a_format_error(key: PrivateKey, metadata: bytes) -> None:
    messages = [(pad(metadata), TAG_MESSAGE), (pad(b"d"), TAG_FINAL)]
    with pytest.raises(FormatError):
        decrypt(handmade([key.public_key], messages), key)


def test_handmade_envelope_with_extra_metadata_is_accepted(key: PrivateKey) -> None:
    metadata = {"v": 1, "kind": "attachment", "name": "a.pdf", "type": "application/pdf"}
    messages = [(meta_plain(metadata), TAG_MESSAGE), (pad(b"%PDF"), TAG_FINAL)]
    assert decrypt(handmade([key.public_key], messages), key) == (metadata, b"%PDF")


def test_stanza_opening_to_an_uncommitted_key_is_not_accepted(key: PrivateKey) -> None:
    file_key = nacl.utils.random(32)
    state = b.crypto_secretstream_xchacha20poly1305_state()
    ss_header = b.crypto_secretstream_xchacha20poly1305_init_push(
        state, blake(b"RPTENV v1 stream key", file_key)
    )
    # the stanza opens with `key`, but to 32 bytes that are not the committed file key
    stanza = b.crypto_box_seal(bytes(32), bytes(key.public_key))
    header = (
        b"RPTENV\x01\x01\x0c\x01"
        + stanza
        + blake(b"RPTENV v1 key commitment", file_key)
        + ss_header
    )
    metadata = b.crypto_secretstream_xchacha20poly1305_push(state, meta_plain(), header, 0)
    with pytest.raises(NotARecipientError):
        decrypt(header + metadata, key)


# --- check_structure ---------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_log2", [12, 16])
def test_check_structure_accepts_writer_outputs(key: PrivateKey, chunk_log2: int) -> None:
    c = 1 << chunk_log2
    header = read_header(io.BytesIO(encrypt(b"", [key.public_key], META, chunk_log2=chunk_log2)))
    lengths = [*list(range(0, 200 * c, c // 2)), c - 1, c + 1, 3 * 2**20]
    for length in lengths:
        size = envelope_size(length, chunk_log2, 1)
        assert check_structure(header, size) == message_count(length, chunk_log2)
        n = message_count(length, chunk_log2)
        wrong_sizes = [size - 1, size + 1, size - 17, size + c]
        for other in (n - 1, n + 1):
            if other < 2 or padme(other * c) != other * c:  # not itself a valid count
                wrong_sizes.append(header.size + other * (c + 17))
        for wrong in wrong_sizes:
            with pytest.raises(FormatError):
                check_structure(header, wrong)


def test_check_structure_accepts_exactly_the_padded_counts(key: PrivateKey) -> None:
    header = read_header(io.BytesIO(encrypt(b"", [key.public_key], META)))
    valid = {message_count(length, 12) for length in range(0, 600 * 4096, 4096)}
    assert 65 not in valid and 66 in valid and 131 not in valid
    for n in range(0, 600):
        size = header.size + n * 4113
        if n in valid:
            assert check_structure(header, size) == n
        else:
            with pytest.raises(FormatError):
                check_structure(header, size)
    for size in (0, header.size, header.size - 1):
        with pytest.raises(FormatError):
            check_structure(header, size)


def test_header_properties(key: PrivateKey) -> None:
    envelope = encrypt(b"x", [key.public_key], META, chunk_log2=16)
    header = read_header(io.BytesIO(envelope))
    assert header.chunk_size == 65536
    assert header.size == len(header.raw) == 146
    assert header.raw == envelope[:146]
    assert header.stanzas[0] == envelope[10:90]
    assert header.commitment == envelope[90:122]
    assert header.ss_header == envelope[122:146]


class TrickleReader(io.RawIOBase):
    """Returns at most 5 bytes per read, like a slow pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(5, size) if size >= 0 else 5)


def test_short_reads_from_the_source_are_not_truncation(key: PrivateKey) -> None:
    data = pattern(9000)
    envelope = encrypt(data, [key.public_key], META)
    out = io.BytesIO()
    decrypt_to(TrickleReader(envelope), key, out)  # type: ignore[arg-type]
    assert out.getvalue() == data
