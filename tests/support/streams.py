"""Request bodies for the body-limit tests."""

from __future__ import annotations

import io


class CountingStream(io.RawIOBase):
    """An endless body that counts what the app read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        size = min(len(buffer), 8192)
        buffer[:size] = b"a" * size
        self.read_bytes += size
        return size
