"""The RPTENV envelope: one item, encrypted to one or more readers' keys.

Version 1 / suite 1 (docs/spec/rptenv-v1.md section 2): 80-byte X25519 sealed-box stanzas.
Version 2 / suite 2 (docs/spec/rptenv-v2.md section 3): 1168-byte X-Wing stanzas. Everything else
is the same in both. The stanzas of one envelope are all of one suite.

    header H = "RPTENV" | version | suite | chunk_log2 | n | n stanzas | commitment | ss_header
    payload  = N secretstream messages of C + 17 bytes each (C = 2**chunk_log2)

Message 0 holds the padded metadata JSON (additional data = H), then the data in C-byte messages,
the one holding the end of the data padded and tagged PUSH (or FINAL when nothing follows), then
all-zero padding messages up to the Padme-padded count N, the last one tagged FINAL.

Writer and reader both hold one chunk at a time. A reader yields a chunk only after it
authenticated, but it can only tell that the whole envelope is intact when `chunks()` is exhausted
without an error: a caller that streams to disk must discard its output if an error is raised.
"""

from __future__ import annotations

import hmac
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import IO, BinaryIO

import nacl.bindings
import nacl.exceptions
import nacl.utils

from ._encoding import strict_json_loads
from .errors import AuthenticationError, FormatError, NotARecipientError, TruncatedError
from .stanzas import (
    FILE_KEY_LABEL,
    SECRET_SIZE,
    SUITE_CLASSICAL,
    SUITE_HYBRID,
    SUITE_STANZA_SIZES,
    ReaderKey,
    RecipientKey,
    open_stanza,
    seal_stanza,
    suite_of,
)

__all__ = [
    "CHUNK_LOG2_FILE",
    "CHUNK_LOG2_MAX",
    "CHUNK_LOG2_MIN",
    "CHUNK_LOG2_TEXT",
    "ITEM_KINDS",
    "MAGIC",
    "SUITE",
    "SUITE_VERSIONS",
    "VERSION",
    "EnvelopeHeader",
    "EnvelopeReader",
    "EnvelopeWriter",
    "check_structure",
    "decrypt",
    "decrypt_to",
    "encrypt",
    "envelope_size",
    "header_size",
    "message_count",
    "padme",
    "read_header",
]

MAGIC = b"RPTENV"
VERSION = 1
SUITE = SUITE_CLASSICAL
SUITE_VERSIONS = {SUITE_CLASSICAL: 1, SUITE_HYBRID: 2}  # the envelope version of each suite
CHUNK_LOG2_MIN = 12
CHUNK_LOG2_MAX = 20
CHUNK_LOG2_TEXT = 12
CHUNK_LOG2_FILE = 16
ITEM_KINDS = ("report", "attachment", "followup", "reply", "note", "identity")

MAX_STANZAS = 255
STANZA_SIZE = SUITE_STANZA_SIZES[SUITE_CLASSICAL]  # 80
KEY_SIZE = SECRET_SIZE
COMMITMENT_SIZE = 32
SS_HEADER_SIZE = nacl.bindings.crypto_secretstream_xchacha20poly1305_HEADERBYTES  # 24
MESSAGE_OVERHEAD = nacl.bindings.crypto_secretstream_xchacha20poly1305_ABYTES  # 17
_PREFIX_SIZE = len(MAGIC) + 4  # magic, version, suite, chunk_log2, n

TAG_MESSAGE = nacl.bindings.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE  # 0
TAG_PUSH = nacl.bindings.crypto_secretstream_xchacha20poly1305_TAG_PUSH  # 1
TAG_FINAL = nacl.bindings.crypto_secretstream_xchacha20poly1305_TAG_FINAL  # 3

_COMMITMENT_LABEL = b"RPTENV v1 key commitment"
_STREAM_KEY_LABEL = b"RPTENV v1 stream key"


# --- sizes -------------------------------------------------------------------------------------


def padme(length: int) -> int:
    """Padme(L): round L up so that only about log2(log2(L)) low-order bits are revealed.

    For L >= 2: E = floor(log2 L), S = floor(log2 E) + 1, mask = 2**(E - S) - 1,
    padme = (L + mask) & ~mask. Lengths 0 and 1 are returned unchanged.
    """
    if length < 0:
        raise ValueError("length must not be negative")
    if length < 2:
        return length
    e = length.bit_length() - 1
    s = e.bit_length()
    mask = (1 << (e - s)) - 1
    return (length + mask) & ~mask


def _check_chunk_log2(chunk_log2: int) -> None:
    if type(chunk_log2) is not int or not CHUNK_LOG2_MIN <= chunk_log2 <= CHUNK_LOG2_MAX:
        raise FormatError(f"chunk_log2 must be {CHUNK_LOG2_MIN}..{CHUNK_LOG2_MAX}")


def message_count(data_length: int, chunk_log2: int) -> int:
    """N, the number of secretstream messages (metadata included) for `data_length` bytes."""
    _check_chunk_log2(chunk_log2)
    if data_length < 0:
        raise ValueError("data_length must not be negative")
    chunk_size = 1 << chunk_log2
    m = data_length // chunk_size + 2
    return max(m, padme(m * chunk_size) // chunk_size)


def _stanza_size(suite: int) -> int:
    try:
        return SUITE_STANZA_SIZES[suite]
    except KeyError:
        raise FormatError(f"unknown envelope suite {suite}") from None


def header_size(n_stanzas: int, suite: int = SUITE_CLASSICAL) -> int:
    """Length of the header H for `n_stanzas` stanzas of `suite`."""
    if not 1 <= n_stanzas <= MAX_STANZAS:
        raise FormatError(f"an envelope has 1..{MAX_STANZAS} stanzas")
    return _PREFIX_SIZE + n_stanzas * _stanza_size(suite) + COMMITMENT_SIZE + SS_HEADER_SIZE


def envelope_size(
    data_length: int, chunk_log2: int, n_stanzas: int, suite: int = SUITE_CLASSICAL
) -> int:
    """Total ciphertext bytes of an envelope holding `data_length` bytes of data."""
    n = message_count(data_length, chunk_log2)
    return header_size(n_stanzas, suite) + n * ((1 << chunk_log2) + MESSAGE_OVERHEAD)


# --- header ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvelopeHeader:
    """The parsed header H of an envelope; `raw` holds its exact bytes."""

    chunk_log2: int
    stanzas: tuple[bytes, ...]
    commitment: bytes
    ss_header: bytes
    raw: bytes
    suite: int = SUITE_CLASSICAL

    @property
    def chunk_size(self) -> int:
        return 1 << self.chunk_log2

    @property
    def size(self) -> int:
        return len(self.raw)


def _build_header(
    suite: int, chunk_log2: int, stanzas: Sequence[bytes], commitment: bytes, ss_header: bytes
) -> bytes:
    prefix = MAGIC + bytes([SUITE_VERSIONS[suite], suite, chunk_log2, len(stanzas)])
    return prefix + b"".join(stanzas) + commitment + ss_header


def read_exact(source: IO[bytes], size: int) -> bytes:
    """Read `size` bytes, fewer only at end of input."""
    parts = []
    remaining = size
    while remaining > 0:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def read_header(source: IO[bytes]) -> EnvelopeHeader:
    """Read and validate H. FormatError for an unknown format, TruncatedError for a short read."""
    prefix = read_exact(source, _PREFIX_SIZE)
    magic = prefix[: len(MAGIC)]
    if magic != MAGIC[: len(magic)]:
        raise FormatError("not an RPTENV envelope (bad magic)")
    if len(prefix) < _PREFIX_SIZE:
        raise TruncatedError("envelope header is truncated")
    version, suite, chunk_log2, n = prefix[len(MAGIC) :]
    if version not in SUITE_VERSIONS.values():
        raise FormatError(f"unsupported envelope version {version}")
    if SUITE_VERSIONS.get(suite) != version:
        raise FormatError(f"unsupported envelope suite {suite} for version {version}")
    _check_chunk_log2(chunk_log2)
    if n == 0:
        raise FormatError("envelope has no stanzas")
    stanza_size = _stanza_size(suite)
    rest_size = n * stanza_size + COMMITMENT_SIZE + SS_HEADER_SIZE
    rest = read_exact(source, rest_size)
    if len(rest) < rest_size:
        raise TruncatedError("envelope header is truncated")
    stanzas_end = n * stanza_size
    return EnvelopeHeader(
        chunk_log2=chunk_log2,
        stanzas=tuple(rest[i : i + stanza_size] for i in range(0, stanzas_end, stanza_size)),
        commitment=rest[stanzas_end : stanzas_end + COMMITMENT_SIZE],
        ss_header=rest[stanzas_end + COMMITMENT_SIZE :],
        raw=prefix + rest,
        suite=suite,
    )


def check_structure(header: EnvelopeHeader, total_size: int) -> int:
    """Validate an envelope's size without decrypting it; return its message count N.

    The payload must be N messages of C + 17 bytes, N >= 2, and N a count that a writer produces
    for some data length: such N are exactly those with padme(N * C) == N * C.
    """
    chunk_size = header.chunk_size
    payload = total_size - header.size
    message_size = chunk_size + MESSAGE_OVERHEAD
    if payload <= 0 or payload % message_size != 0:
        raise FormatError("envelope payload is not a whole number of messages")
    n = payload // message_size
    if n < 2 or padme(n * chunk_size) != n * chunk_size:
        raise FormatError("envelope message count is not a padded count")
    return n


# --- keys --------------------------------------------------------------------------------------


def _derive(file_key: bytes, label: bytes) -> bytes:
    """BLAKE2b-256(message = label, key = file_key)."""
    return nacl.bindings.crypto_generichash_blake2b_salt_personal(
        label, digest_size=32, key=file_key
    )


def _find_file_key(header: EnvelopeHeader, secret_key: ReaderKey) -> bytes:
    key_suite = suite_of(secret_key)
    if key_suite != header.suite:
        raise NotARecipientError(
            f"this envelope is sealed to suite {header.suite} keys; this is a suite {key_suite} key"
        )
    for stanza in header.stanzas:
        file_key = open_stanza(stanza, secret_key, FILE_KEY_LABEL)
        if file_key is None or len(file_key) != KEY_SIZE:
            continue
        if hmac.compare_digest(_derive(file_key, _COMMITMENT_LABEL), header.commitment):
            return file_key
    raise NotARecipientError("no stanza of this envelope opens with this key")


# --- metadata ----------------------------------------------------------------------------------


def _encode_metadata(metadata: Mapping[str, object], chunk_size: int) -> bytes:
    """The padded plaintext of message 0. The writer sets "v": 1; "kind" must be valid."""
    if any(not isinstance(key, str) for key in metadata):
        raise FormatError("metadata keys must be strings")
    if "v" in metadata and not _is_version_1(metadata["v"]):
        raise FormatError('metadata "v" must be 1')
    if metadata.get("kind") not in ITEM_KINDS:
        raise FormatError(f'metadata "kind" must be one of {", ".join(ITEM_KINDS)}')
    obj = {"v": 1, **{key: value for key, value in metadata.items() if key != "v"}}
    try:
        encoded = json.dumps(
            obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError):
        raise FormatError("metadata is not serialisable as JSON") from None
    if len(encoded) >= chunk_size:
        raise FormatError("metadata is too long for one chunk")
    _parse_metadata(encoded)  # never write what a reader would reject
    return nacl.bindings.sodium_pad(encoded, chunk_size)


def _is_version_1(value: object) -> bool:
    return type(value) is int and value == 1


def _parse_metadata(encoded: bytes) -> dict[str, object]:
    try:
        metadata = strict_json_loads(encoded, "metadata")
    except ValueError:  # an integer past Python's 4,300-digit limit for int() from text
        raise FormatError("metadata: not valid JSON") from None
    if not _is_version_1(metadata.get("v")):
        raise FormatError('metadata "v" is not 1')
    if metadata.get("kind") not in ITEM_KINDS:
        raise FormatError('metadata "kind" is unknown')
    return metadata


# --- writing -----------------------------------------------------------------------------------


def _recipient_suite(key: object) -> int:
    if isinstance(key, ReaderKey) or not isinstance(key, RecipientKey):
        raise TypeError("recipients must be nacl.public.PublicKey or XWingPublicKey instances")
    return suite_of(key)


def _write_all(sink: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = sink.write(view)
        if written is None:  # some file-likes return None after writing everything
            return
        view = view[written:]


class EnvelopeWriter:
    """Encrypt one item as a stream into `sink`.

    The header and metadata message are written at once; `write()` emits each full chunk as soon as
    it has one; `close()` writes the end, the padding and FINAL. Used as a context manager it closes
    on normal exit and, on an exception, leaves the output unfinished (the caller discards it).
    `close()` does not close `sink`.
    """

    def __init__(
        self,
        sink: BinaryIO,
        recipients: Sequence[RecipientKey],
        metadata: Mapping[str, object],
        *,
        chunk_log2: int = CHUNK_LOG2_FILE,
    ) -> None:
        _check_chunk_log2(chunk_log2)
        recipients = tuple(recipients)
        if not 1 <= len(recipients) <= MAX_STANZAS:
            raise FormatError(f"an envelope has 1..{MAX_STANZAS} recipients")
        suites = {_recipient_suite(key) for key in recipients}
        if len(suites) != 1:
            raise FormatError("the recipients of one envelope must all be of one suite")
        (suite,) = suites
        chunk_size = 1 << chunk_log2
        metadata_plaintext = _encode_metadata(metadata, chunk_size)

        file_key = nacl.utils.random(KEY_SIZE)
        stanzas = [seal_stanza(file_key, key, FILE_KEY_LABEL) for key in recipients]
        self._state = nacl.bindings.crypto_secretstream_xchacha20poly1305_state()
        ss_header = nacl.bindings.crypto_secretstream_xchacha20poly1305_init_push(
            self._state, _derive(file_key, _STREAM_KEY_LABEL)
        )
        header = _build_header(
            suite, chunk_log2, stanzas, _derive(file_key, _COMMITMENT_LABEL), ss_header
        )
        del file_key

        self._sink = sink
        self._chunk_log2 = chunk_log2
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._data_length = 0
        self._messages = 0
        self._bytes_written = 0
        self._closed = False
        self._broken = False
        try:
            self._emit(header)
            self._push(metadata_plaintext, TAG_MESSAGE, additional_data=header)
        except BaseException:
            self._broken = True
            raise

    @property
    def bytes_written(self) -> int:
        """Ciphertext bytes written to the sink so far."""
        return self._bytes_written

    def _emit(self, data: bytes) -> None:
        _write_all(self._sink, data)
        self._bytes_written += len(data)

    def _push(self, plaintext: bytes, tag: int, additional_data: bytes | None = None) -> None:
        ciphertext = nacl.bindings.crypto_secretstream_xchacha20poly1305_push(
            self._state, plaintext, additional_data, tag
        )
        self._messages += 1
        self._emit(ciphertext)

    def _check_usable(self) -> None:
        if self._closed:
            raise ValueError("envelope writer is closed")
        if self._broken:
            raise ValueError("envelope writer failed earlier; its output is incomplete")

    def write(self, data: bytes) -> int:
        """Add data; full chunks are encrypted and written at once. Returns len(data)."""
        self._check_usable()
        view = memoryview(data).cast("B")
        size = len(view)
        chunk_size = self._chunk_size
        try:
            position = 0
            if self._buffer:
                position = min(chunk_size - len(self._buffer), size)
                self._buffer += view[:position]
                if len(self._buffer) == chunk_size:
                    self._push(bytes(self._buffer), TAG_MESSAGE)
                    self._buffer.clear()
            while size - position >= chunk_size:
                self._push(bytes(view[position : position + chunk_size]), TAG_MESSAGE)
                position += chunk_size
            self._buffer += view[position:]
        except BaseException:
            self._broken = True
            raise
        self._data_length += size
        return size

    def close(self) -> None:
        """Write the end of the data, the padding messages and FINAL. Idempotent."""
        if self._closed:
            return
        self._check_usable()
        try:
            total = message_count(self._data_length, self._chunk_log2)
            end_index = self._messages  # index of the message holding the end of the data
            last = nacl.bindings.sodium_pad(bytes(self._buffer), self._chunk_size)
            self._buffer.clear()
            self._push(last, TAG_FINAL if end_index == total - 1 else TAG_PUSH)
            padding = bytes(self._chunk_size)
            for index in range(end_index + 1, total):
                self._push(padding, TAG_FINAL if index == total - 1 else TAG_MESSAGE)
        except BaseException:
            self._broken = True
            raise
        self._closed = True

    def __enter__(self) -> EnvelopeWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._broken = True


def encrypt(
    data: bytes,
    recipients: Sequence[RecipientKey],
    metadata: Mapping[str, object],
    *,
    chunk_log2: int = CHUNK_LOG2_TEXT,
) -> bytes:
    """Encrypt `data` in memory and return the whole envelope."""
    sink = io.BytesIO()
    writer = EnvelopeWriter(sink, recipients, metadata, chunk_log2=chunk_log2)
    writer.write(data)
    writer.close()
    return sink.getvalue()


# --- reading -----------------------------------------------------------------------------------


class EnvelopeReader:
    """Open an envelope from `source` with `secret_key` (a recipient's key, of the envelope's suite).

    The constructor reads the header, recovers the file key and authenticates the metadata.
    `chunks()` yields the data; only when it is exhausted without error is the envelope known to be
    complete and intact.
    """

    metadata: dict[str, object]
    header: EnvelopeHeader

    def __init__(self, source: BinaryIO, secret_key: ReaderKey) -> None:
        self._source = source
        self.header = read_header(source)
        self._chunk_size = self.header.chunk_size
        file_key = _find_file_key(self.header, secret_key)
        self._state = nacl.bindings.crypto_secretstream_xchacha20poly1305_state()
        nacl.bindings.crypto_secretstream_xchacha20poly1305_init_pull(
            self._state, self.header.ss_header, _derive(file_key, _STREAM_KEY_LABEL)
        )
        del file_key
        plaintext, tag = self._pull(additional_data=self.header.raw)
        if tag != TAG_MESSAGE:
            raise AuthenticationError("metadata message has the wrong tag")
        self.metadata = _parse_metadata(self._unpad(plaintext))
        self._started = False

    def _pull(self, additional_data: bytes | None = None) -> tuple[bytes, int]:
        size = self._chunk_size + MESSAGE_OVERHEAD
        ciphertext = read_exact(self._source, size)
        if not ciphertext:
            raise TruncatedError("envelope ended before its final message")
        if len(ciphertext) < size:
            raise TruncatedError("envelope ends inside a message")
        try:
            return nacl.bindings.crypto_secretstream_xchacha20poly1305_pull(
                self._state, ciphertext, additional_data
            )
        except nacl.exceptions.CryptoError:
            raise AuthenticationError("envelope message failed to authenticate") from None

    def _unpad(self, plaintext: bytes) -> bytes:
        try:
            return nacl.bindings.sodium_unpad(plaintext, self._chunk_size)
        except nacl.exceptions.CryptoError:
            raise AuthenticationError("envelope message has a bad pad") from None

    def chunks(self) -> Iterator[bytes]:
        """Yield the data, authenticated chunk by chunk. May be called once."""
        if self._started:
            raise ValueError("chunks() can be called only once per reader")
        self._started = True
        return self._data()

    def _data(self) -> Iterator[bytes]:
        while True:
            plaintext, tag = self._pull()
            if tag == TAG_MESSAGE:
                yield plaintext
                continue
            if tag not in (TAG_PUSH, TAG_FINAL):
                raise AuthenticationError("envelope message has an unexpected tag")
            end = self._unpad(plaintext)
            if end:
                yield end
            break
        if tag == TAG_PUSH:
            zeros = bytes(self._chunk_size)
            while True:
                plaintext, tag = self._pull()
                if not hmac.compare_digest(plaintext, zeros):
                    raise AuthenticationError("envelope padding message is not all zero")
                if tag == TAG_FINAL:
                    break
                if tag != TAG_MESSAGE:
                    raise AuthenticationError("envelope padding message has an unexpected tag")
        if self._source.read(1):
            raise FormatError("data after the final message of the envelope")


def decrypt(data: bytes, secret_key: ReaderKey) -> tuple[dict[str, object], bytes]:
    """Decrypt a whole envelope held in memory; return (metadata, data)."""
    reader = EnvelopeReader(io.BytesIO(data), secret_key)
    plaintext = b"".join(reader.chunks())
    return reader.metadata, plaintext


def decrypt_to(source: BinaryIO, secret_key: ReaderKey, sink: BinaryIO) -> dict[str, object]:
    """Stream-decrypt `source` into `sink`; return the metadata.

    On an error, `sink` holds partial (authenticated but incomplete) data: discard it.
    """
    reader = EnvelopeReader(source, secret_key)
    for piece in reader.chunks():
        _write_all(sink, piece)
    return reader.metadata
