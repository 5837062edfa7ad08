"""The installed `reprisal-decrypt` org-keygen, sign-reader, revoke-reader and show-record commands."""

from __future__ import annotations

import base64
import datetime
import os
import stat
import subprocess
import sys
from pathlib import Path

from crypto.records import ReaderRecord, Revocation, verify_record

TOOL = str(Path(sys.executable).parent / "reprisal-decrypt")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=120, check=False)


def test_org_key_signs_a_reader_and_revokes_it(tmp_path: Path) -> None:
    passphrase = tmp_path / "pass"
    passphrase.write_text("the organisation's passphrase\n")
    made = run(
        "org-keygen", "--out", str(tmp_path / "org.key"), "--passphrase-file", str(passphrase)
    )
    assert made.returncode == 0, made.stderr
    org_public = made.stdout.strip()
    assert len(base64.b64decode(org_public)) == 32
    assert stat.S_IMODE(os.stat(tmp_path / "org.key").st_mode) == 0o600
    assert "secret" not in made.stdout

    reader_key = base64.b64encode(bytes(range(32))).decode()
    signed = run(
        "sign-reader", "--org-key", str(tmp_path / "org.key"), "--passphrase-file", str(passphrase),
        "--public-key", reader_key, "--holder", "Ana, CEDAW focal point", "--role", "focal_point",
        "--mechanism", "CEDAW", "--not-after", "2099-12-31", "--out", str(tmp_path / "ana.record"),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert "focal_point for CEDAW" in signed.stdout and reader_key in signed.stdout
    record = verify_record((tmp_path / "ana.record").read_text(), [base64.b64decode(org_public)])
    assert isinstance(record, ReaderRecord) and record.not_after == datetime.date(2099, 12, 31)
    assert record.valid_on(datetime.datetime.now(datetime.UTC).date())

    shown = run("show-record", str(tmp_path / "ana.record"), "--org-public-key", org_public)
    assert shown.returncode == 0 and "Ana, CEDAW focal point" in shown.stdout
    other = base64.b64encode(bytes(32)).decode()
    refused = run("show-record", str(tmp_path / "ana.record"), "--org-public-key", other)
    assert refused.returncode == 1 and "SignatureError" in refused.stderr

    revoked = run(
        "revoke-reader", "--org-key", str(tmp_path / "org.key"), "--passphrase-file",
        str(passphrase), "--public-key", reader_key, "--out", str(tmp_path / "ana.revoked"),
    )  # fmt: skip
    assert revoked.returncode == 0, revoked.stderr
    revocation = verify_record(
        (tmp_path / "ana.revoked").read_text(), [base64.b64decode(org_public)]
    )
    assert isinstance(revocation, Revocation) and revocation.public_key == bytes(range(32))


def test_wrong_passphrase_and_missing_mechanism_are_errors(tmp_path: Path) -> None:
    assert run("org-keygen", "--out", str(tmp_path / "org.key"), "--unprotected").returncode == 0
    missing = run(
        "sign-reader", "--org-key", str(tmp_path / "org.key"), "--public-key",
        base64.b64encode(bytes(32)).decode(), "--holder", "X", "--role", "focal_point",
        "--out", str(tmp_path / "x.record"),
    )  # fmt: skip
    assert missing.returncode == 1 and "--mechanism" in missing.stderr
    assert not (tmp_path / "x.record").exists()
