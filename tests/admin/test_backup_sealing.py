"""Sealed backups (docs/spec/backup-v1.md): only the offline key opens them, and a file changed or
cut short is refused; `backup --keep N` bounds how many are kept."""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

import pytest

from admin.backup_sealing import (
    HEADER_SIZE,
    MAGIC,
    PIECE,
    SealedBackupError,
    SealingWriter,
    open_sealed_backup,
)
from admin.backups import prune_backups
from crypto.keys import generate_keypair

KEY = generate_keypair()


def seal(data: bytes, write_size: int = 65536) -> bytes:
    out = io.BytesIO()
    writer = SealingWriter(out, KEY.public_key)
    for start in range(0, len(data), write_size):
        writer.write(data[start : start + write_size])
    writer.close()
    return out.getvalue()


def unseal(sealed: bytes, key=KEY) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    open_sealed_backup(io.BytesIO(sealed), key, out)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, PIECE - 1, PIECE, PIECE + 1, 2 * PIECE + 12345])
def test_a_sealed_backup_opens_with_the_offline_key_only(size: int) -> None:
    data = secrets.token_bytes(size)
    sealed = seal(data)
    assert sealed.startswith(MAGIC + b"\x01")
    assert unseal(sealed) == data
    with pytest.raises(SealedBackupError, match="not sealed to this key"):
        unseal(sealed, generate_keypair())


def test_nothing_of_the_archive_is_readable_in_the_file() -> None:
    data = b'{"table":"cases","ref":"ABCD-EFGH"}\n' * 1000
    assert b"ABCD-EFGH" not in seal(data)


def test_a_backup_cut_short_changed_or_extended_is_refused() -> None:
    sealed = seal(secrets.token_bytes(2 * PIECE + 5))
    for cut in (HEADER_SIZE, HEADER_SIZE + PIECE + 17, len(sealed) - 1):
        with pytest.raises(SealedBackupError):
            unseal(sealed[:cut])
    changed = bytearray(sealed)
    changed[HEADER_SIZE + 10] ^= 1
    with pytest.raises(SealedBackupError, match="changed or damaged"):
        unseal(bytes(changed))
    with pytest.raises(SealedBackupError):
        unseal(sealed + b"x")
    whole = seal(secrets.token_bytes(PIECE))  # a final piece of exactly PIECE bytes
    with pytest.raises(SealedBackupError, match="follows the final piece"):
        unseal(whole + b"x")
    header = bytearray(sealed)
    header[len(MAGIC) + 1 + 80 + 3] ^= 1  # the stream header, bound as additional data
    with pytest.raises(SealedBackupError):
        unseal(bytes(header))
    with pytest.raises(SealedBackupError, match="not a sealed reprisal backup"):
        unseal(b"PK\x03\x04" + sealed[4:])


def test_only_the_newest_backups_are_kept(tmp_path: Path) -> None:
    for day in range(1, 6):
        path = tmp_path / f"reprisal-2026-12-0{day}.rbak"
        path.write_bytes(b"x")
        os.utime(path, (day * 86400, day * 86400))
    (tmp_path / "notes.txt").write_text("not a backup")
    removed = prune_backups(tmp_path, 2)
    assert sorted(p.name for p in removed) == [f"reprisal-2026-12-0{d}.rbak" for d in (1, 2, 3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "reprisal-2026-12-04.rbak",
        "reprisal-2026-12-05.rbak",
    ]
