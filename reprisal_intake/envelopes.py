"""Envelopes (RPTENV ciphertext) in the database, in pieces, streamed in and out.

Storing them in the database rather than in files makes a report land in one transaction (no half-written
case, nothing to clean up after a crash), lets PostgreSQL roles enforce who may read them, and keeps one
consistent backup.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import IO, BinaryIO

from sqlalchemy import insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from .models import EnvelopeChunk

PIECE_SIZE = 1024 * 1024


def store_envelope(session: Session, item_id: str, envelope: IO[bytes]) -> tuple[int, str]:
    """Write the envelope read from ``envelope`` as the pieces of item ``item_id``; return its size
    and SHA-256 (hex). Memory stays at one piece.

    The pieces may be written before the item's row: the foreign key is checked at commit, so the
    row can be inserted once, complete (the intake's database role may insert items, never update).
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
        # A Core INSERT on the table: the ORM's bulk-insert path adds nothing for a row never read.
        session.execute(
            insert(EnvelopeChunk.__table__), {"item_id": item_id, "seq": seq, "data": piece}
        )
        seq += 1
    return size, digest.hexdigest()


class PieceStream(io.RawIOBase):
    """A readable stream over pieces fetched one at a time: memory stays at one piece."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        super().__init__()
        self._pieces = pieces
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._buffer = memoryview(piece)
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


def numbered_pieces(
    session: Session,
    data: InstrumentedAttribute[bytes],
    owner: InstrumentedAttribute[str],
    owner_id: str,
    seq: InstrumentedAttribute[int],
) -> Iterator[bytes]:
    """The rows of one owner in order of ``seq``, each fetched when needed (0, 1, 2, ... until a gap)."""
    number = 0
    while True:
        piece = session.execute(
            select(data).where(owner == owner_id, seq == number)
        ).scalar_one_or_none()
        if piece is None:
            return
        yield piece
        number += 1


def open_envelope(session: Session, item_id: str) -> BinaryIO:
    pieces = numbered_pieces(
        session, EnvelopeChunk.data, EnvelopeChunk.item_id, item_id, EnvelopeChunk.seq
    )
    return io.BufferedReader(PieceStream(pieces), buffer_size=PIECE_SIZE)
