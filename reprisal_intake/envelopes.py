"""Envelopes (RPTENV ciphertext) in the database, in pieces, streamed in and out.

Storing them in the database rather than in files makes a report land in one transaction (no half-written
case, nothing to clean up after a crash), lets PostgreSQL roles enforce who may read them, and keeps one
consistent backup.
"""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .models import EnvelopeChunk, Item

PIECE_SIZE = 1024 * 1024


def store_envelope(session: Session, item: Item, envelope: BinaryIO) -> None:
    """Write the envelope read from ``envelope`` as ``item``'s pieces; sets the item's size and hash.

    The item must already be flushed (its row exists). Memory stays at one piece.
    """
    digest = hashlib.sha256()
    size = 0
    seq = 0
    while True:
        piece = envelope.read(PIECE_SIZE)
        if not piece:
            break
        digest.update(piece)
        size += len(piece)
        session.execute(insert(EnvelopeChunk), [{"item_id": item.id, "seq": seq, "data": piece}])
        seq += 1
    item.size = size
    item.sha256 = digest.hexdigest()


class StoredEnvelope(io.RawIOBase):
    """A readable stream over an item's stored pieces, fetched one at a time."""

    def __init__(self, session: Session, item_id: str) -> None:
        super().__init__()
        self._session = session
        self._item_id = item_id
        self._seq = 0
        self._buffer = b""
        self._exhausted = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self._exhausted:
            piece = self._session.execute(
                select(EnvelopeChunk.data).where(
                    EnvelopeChunk.item_id == self._item_id, EnvelopeChunk.seq == self._seq
                )
            ).scalar_one_or_none()
            if piece is None:
                self._exhausted = True
            else:
                self._buffer = piece
                self._seq += 1
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


def open_envelope(session: Session, item_id: str) -> BinaryIO:
    return io.BufferedReader(StoredEnvelope(session, item_id), buffer_size=PIECE_SIZE)
