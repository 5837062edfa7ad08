"""An envelope whose metadata holds an integer of more than 4,300 digits (past Python's limit for
int() from text) is a FormatError, and `reprisal-decrypt open` says so and exits 1."""

from __future__ import annotations

import datetime
import io
import subprocess
import sys
from pathlib import Path

import nacl.bindings
import pytest

from crypto import (
    BundleAccess,
    BundleItemSource,
    encrypt,
    generate_keypair,
    seal_case_key,
    write_bundle,
)
from crypto import envelope as envelope_module
from crypto.envelope import CHUNK_LOG2_FILE, decrypt
from crypto.errors import FormatError
from crypto.keyfile import dump_key_file

HUGE = b"9" * 5000
BIN = Path(sys.executable).parent


def hostile_envelope(monkeypatch: pytest.MonkeyPatch, recipient: object) -> bytes:
    """What a tampered server could hand out: no writer of ours produces it."""

    def metadata_with_huge_integer(_metadata: object, chunk_size: int) -> bytes:
        encoded = b'{"v":1,"kind":"report","size":' + HUGE + b"}"
        return nacl.bindings.sodium_pad(encoded, chunk_size)

    with monkeypatch.context() as patch:
        patch.setattr(envelope_module, "_encode_metadata", metadata_with_huge_integer)
        return encrypt(b"report", [recipient], {"kind": "report"}, chunk_log2=CHUNK_LOG2_FILE)  # type: ignore[list-item]


def test_a_huge_metadata_integer_is_a_format_error(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_keypair()
    with pytest.raises(FormatError):
        decrypt(hostile_envelope(monkeypatch, key.public_key), key)


def test_reprisal_decrypt_open_says_so_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reviewer = generate_keypair()
    case_key = generate_keypair()
    keyfile = tmp_path / "reviewer.key"
    keyfile.write_text(dump_key_file(reviewer, None))
    hostile = hostile_envelope(monkeypatch, case_key.public_key)
    bundle = tmp_path / "case.zip"
    with bundle.open("wb") as out:
        write_bundle(
            out,
            case_ref="RPR-1",
            case_public_key=case_key.public_key,
            access=[BundleAccess("me", seal_case_key(case_key, reviewer.public_key))],
            items=[
                BundleItemSource(
                    "r1", "report", datetime.date(2026, 1, 2), lambda: io.BytesIO(hostile)
                )
            ],
            case={"status": "new"},
        )
    result = subprocess.run(
        [str(BIN / "reprisal-decrypt"), "open", "--key", str(keyfile), str(bundle), "--out", "o"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "metadata" in result.stderr.lower() or "format" in result.stderr.lower()
