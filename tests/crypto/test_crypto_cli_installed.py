"""The installed `reprisal-decrypt` command, run as a reader runs it: hybrid keys by default.

The command is the console script next to the running interpreter (the project's .venv/bin).
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from crypto import (
    BundleAccess,
    BundleItemSource,
    CaseKey,
    RecipientKey,
    XWingSecretKey,
    dump_key_file,
    encrypt,
    generate_hybrid_key,
    generate_keypair,
    load_key_file,
    seal_case_key,
    write_bundle,
)

COMMAND = Path(sys.executable).with_name("reprisal-decrypt")
REPORT = json.dumps({"what happened": "SECRET-REPORT-TEXT"}).encode()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [str(COMMAND), *args], capture_output=True, text=True, timeout=120, check=False
    )


def write_case(path: Path, case_key: CaseKey, readers: list[RecipientKey]) -> None:
    envelopes = {
        "r1": encrypt(REPORT, [case_key.public_key], {"kind": "report"}),
        "n1": encrypt(b"note", [case_key.public_key], {"kind": "note"}),
    }
    kinds = {"r1": "report", "n1": "note"}
    with path.open("wb") as out:
        write_bundle(
            out,
            case_ref="RPR-PQ-1",
            case_public_key=case_key.public_key,
            access=[
                BundleAccess(f"reader {i}", seal_case_key(case_key, reader))
                for i, reader in enumerate(readers)
            ],
            items=[
                BundleItemSource(
                    i, kinds[i], datetime.date(2026, 12, 2), lambda i=i: io.BytesIO(envelopes[i])
                )
                for i in envelopes
            ],
            case={"mechanisms": ["CEDAW"]},
        )


def test_keygen_makes_a_hybrid_key_by_default(tmp_path: Path) -> None:
    passphrase = tmp_path / "pass"
    passphrase.write_text("a long offline passphrase\n")
    keyfile = tmp_path / "me.key"
    result = run("keygen", "--out", str(keyfile), "--passphrase-file", str(passphrase))
    assert result.returncode == 0, result.stderr
    printed = base64.b64decode(result.stdout.strip(), validate=True)
    assert len(printed) == 1216
    obj = json.loads(keyfile.read_text())
    assert (obj["version"], obj["suite"], obj["kdf"]) == (2, 2, "argon2id13")
    key = load_key_file(keyfile.read_text(), "a long offline passphrase")
    assert isinstance(key, XWingSecretKey) and bytes(key.public_key) == printed
    assert "passphrase" not in result.stdout + result.stderr


def test_keygen_suite_1_keeps_the_classical_key(tmp_path: Path) -> None:
    keyfile = tmp_path / "me.key"
    result = run("keygen", "--suite", "1", "--out", str(keyfile), "--unprotected")
    assert result.returncode == 0, result.stderr
    assert len(base64.b64decode(result.stdout.strip())) == 32
    assert json.loads(keyfile.read_text())["version"] == 1
    assert isinstance(load_key_file(keyfile.read_text(), None), PrivateKey)


def test_keygen_refuses_an_unknown_suite(tmp_path: Path) -> None:
    result = run("keygen", "--suite", "3", "--out", str(tmp_path / "k"), "--unprotected")
    assert result.returncode == 2
    assert not (tmp_path / "k").exists()


@pytest.mark.parametrize("case_suite", [2, 1])
def test_a_case_sealed_to_a_hybrid_reader_opens_with_their_key_file_and_not_the_x25519_half(
    tmp_path: Path, case_suite: int
) -> None:
    keyfile = tmp_path / "hybrid.key"
    assert run("keygen", "--out", str(keyfile), "--unprotected").returncode == 0
    reader = load_key_file(keyfile.read_text(), None)
    assert isinstance(reader, XWingSecretKey)
    case_key: CaseKey = generate_hybrid_key() if case_suite == 2 else generate_keypair()
    bundle = tmp_path / "case.zip"
    write_case(bundle, case_key, [reader.public_key, generate_keypair().public_key])

    opened = run("open", "--key", str(keyfile), str(bundle), "--out", str(tmp_path / "out"))
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.splitlines() == [f"r1\treport\t{len(REPORT)} bytes", "n1\tnote\t4 bytes"]
    assert (tmp_path / "out" / "r1" / "report.json").read_bytes() == REPORT
    assert "SECRET" not in opened.stdout + opened.stderr

    half = tmp_path / "x25519-half.key"
    half.write_text(dump_key_file(PrivateKey(reader.x25519_secret_key), None))
    refused = run("open", "--key", str(half), str(bundle), "--out", str(tmp_path / "half"))
    assert refused.returncode == 1
    assert "NotARecipientError" in refused.stderr
    assert not list((tmp_path / "half").glob("*/*"))


def test_a_classical_reader_still_opens_a_case_that_also_has_hybrid_readers(
    tmp_path: Path,
) -> None:
    keyfile = tmp_path / "classical.key"
    assert run("keygen", "--suite", "1", "--out", str(keyfile), "--unprotected").returncode == 0
    reader = load_key_file(keyfile.read_text(), None)
    bundle = tmp_path / "case.zip"
    write_case(bundle, generate_hybrid_key(), [generate_hybrid_key().public_key, reader.public_key])
    opened = run("open", "--key", str(keyfile), str(bundle), "--out", str(tmp_path / "out"))
    assert opened.returncode == 0, opened.stderr
    assert (tmp_path / "out" / "r1" / "report.json").read_bytes() == REPORT


def test_another_hybrid_key_opens_nothing(tmp_path: Path) -> None:
    keyfile = tmp_path / "other.key"
    assert run("keygen", "--out", str(keyfile), "--unprotected").returncode == 0
    bundle = tmp_path / "case.zip"
    write_case(bundle, generate_hybrid_key(), [generate_hybrid_key().public_key])
    refused = run("open", "--key", str(keyfile), str(bundle), "--out", str(tmp_path / "out"))
    assert refused.returncode == 1 and "NotARecipientError" in refused.stderr
