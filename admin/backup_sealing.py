"""Sealed backups (docs/spec/backup-v1.md): a backup file encrypted, as it is written, to an offline
X25519 public key, so that the server keeps nothing that opens it.

    file   = header | messages
    header = "RPTBAK" | 0x01 | sealed file key (80 bytes) | secretstream header (24 bytes)
    message i = crypto_secretstream_xchacha20poly1305 of plaintext piece i (PIECE bytes, the last
                one shorter or empty), additional data = header for message 0 only; the last
                message is tagged FINAL, every other MESSAGE.

The file key (32 random bytes) is sealed with crypto_box_seal to the backup public key; the stream
key is the file key. A file cut short lacks the FINAL tag and is refused; one changed fails its MAC.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import nacl.bindings
import nacl.exceptions
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox

MAGIC = b"RPTBAK"
VERSION = 1
PIECE = 1024 * 1024
SEALED_KEY_SIZE = 32 + nacl.bindings.crypto_box_SEALBYTES
HEADER_SIZE = (
    len(MAGIC)
    + 1
    + SEALED_KEY_SIZE
    + nacl.bindings.crypto_secretstream_xchacha20poly1305_HEADERBYTES
)
ABYTES = nacl.bindings.crypto_secretstream_xchacha20poly1305_ABYTES
TAG_MESSAGE = nacl.bindings.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = nacl.bindings.crypto_secretstream_xchacha20poly1305_TAG_FINAL


class SealedBackupError(Exception):
    """Not a sealed backup, not for this key, damaged or cut short."""


class NotASealedBackupError(SealedBackupError):
    """The file does not start as a sealed backup does."""


class SealingWriter(io.RawIOBase):
    """A write-only, unseekable stream: what is written reaches ``sink`` encrypted, a piece at a
    time (memory stays at one piece). ``close()`` writes the FINAL message."""

    def __init__(self, sink: BinaryIO, recipient: PublicKey) -> None:
        super().__init__()
        file_key = nacl.utils.random(32)
        self._state = nacl.bindings.crypto_secretstream_xchacha20poly1305_state()
        stream_header = nacl.bindings.crypto_secretstream_xchacha20poly1305_init_push(
            self._state, file_key
        )
        self._header = (
            MAGIC + bytes([VERSION]) + SealedBox(recipient).encrypt(file_key) + stream_header
        )
        self._sink = sink
        self._sink.write(self._header)
        self._buffer = bytearray()
        self._first = True

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._buffer += chunk
        while len(self._buffer) > PIECE:
            self._push(bytes(self._buffer[:PIECE]), TAG_MESSAGE)
            del self._buffer[:PIECE]
        return len(chunk)

    def _push(self, piece: bytes, tag: int) -> None:
        additional = self._header if self._first else None
        self._first = False
        self._sink.write(
            nacl.bindings.crypto_secretstream_xchacha20poly1305_push(
                self._state, piece, additional, tag
            )
        )

    def close(self) -> None:
        if not self.closed:
            self._push(bytes(self._buffer), TAG_FINAL)
            self._buffer.clear()
        super().close()


def open_sealed_backup(source: BinaryIO, key: PrivateKey, sink: BinaryIO) -> None:
    """Decrypt ``source`` into ``sink``; raise SealedBackupError (``sink`` then holds no complete
    file: discard it) unless every piece authenticated and the FINAL tag was reached."""
    header = source.read(HEADER_SIZE)
    if len(header) != HEADER_SIZE or header[: len(MAGIC)] != MAGIC:
        raise NotASealedBackupError("not a sealed reprisal backup")
    if header[len(MAGIC)] != VERSION:
        raise SealedBackupError(f"sealed backup version {header[len(MAGIC)]} is not supported")
    sealed_key = header[len(MAGIC) + 1 : len(MAGIC) + 1 + SEALED_KEY_SIZE]
    stream_header = header[len(MAGIC) + 1 + SEALED_KEY_SIZE :]
    try:
        file_key = SealedBox(key).decrypt(sealed_key)
    except nacl.exceptions.CryptoError as error:
        raise SealedBackupError("this backup was not sealed to this key") from error
    state = nacl.bindings.crypto_secretstream_xchacha20poly1305_state()
    nacl.bindings.crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, file_key)
    first = True
    while True:
        message = source.read(PIECE + ABYTES)
        if not message:
            raise SealedBackupError("the backup is cut short (no final piece)")
        try:
            piece, tag = nacl.bindings.crypto_secretstream_xchacha20poly1305_pull(
                state, message, header if first else None
            )
        except (nacl.exceptions.CryptoError, RuntimeError) as error:
            raise SealedBackupError("the backup was changed or damaged") from error
        first = False
        sink.write(piece)
        if tag == TAG_FINAL:
            if source.read(1):
                raise SealedBackupError("data follows the final piece")
            return
