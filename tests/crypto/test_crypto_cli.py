"""reprisal-decrypt, driven through crypto.cli.main."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from crypto import (
    BundleAccess,
    BundleItemSource,
    CaseKey,
    RecipientKey,
    XWingSecretKey,
    encrypt,
    generate_keypair,
    load_key_file,
    public_key_from_base64,
    reader_public_key_from_base64,
    seal_case_key,
    write_bundle,
)
from crypto.bundle import manifest_mac
from crypto.cli import main

REPORT = json.dumps({"what happened": "SECRET-REPORT-TEXT"}).encode()
ATTACHMENT = b"SECRET-ATTACHMENT-" * 5000


def keygen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, CaseKey]:
    keyfile = tmp_path / "reviewer.key"
    assert main(["keygen", "--out", str(keyfile), "--unprotected"]) == 0
    out, err = capsys.readouterr()
    key = load_key_file(keyfile.read_text(), None)
    assert isinstance(key, XWingSecretKey)  # hybrid by default
    assert (
        out == f"{out.strip()}\n" and reader_public_key_from_base64(out.strip()) == key.public_key
    )
    assert "warning" in err.lower()
    return keyfile, key


CASE_KEYS: dict[Path, PrivateKey] = {}


def make_bundle(
    path: Path,
    reviewer: RecipientKey,
    name: object = "../../My scan (1).pdf",
    authenticated: bool = True,
) -> None:
    """A case bundle; version 2 (manifest MAC) unless ``authenticated`` is False (version 1)."""
    case_key = generate_keypair()
    CASE_KEYS[path] = case_key
    metadata: dict[str, object] = {"kind": "attachment", "name": name, "type": "application/pdf"}
    envelopes = {
        "r1": encrypt(REPORT, [case_key.public_key], {"kind": "report"}),
        "a1": encrypt(ATTACHMENT, [case_key.public_key], metadata, chunk_log2=16),
        "n1": encrypt(b"", [case_key.public_key], {"kind": "note"}),
    }
    kinds = {"r1": "report", "a1": "attachment", "n1": "note"}
    with path.open("wb") as out:
        write_bundle(
            out,
            case_ref="RPR-1",
            case_public_key=case_key.public_key,
            access=[BundleAccess("me", seal_case_key(case_key, reviewer))],
            items=[
                BundleItemSource(
                    i, kinds[i], datetime.date(2024, 1, 2), lambda i=i: io.BytesIO(envelopes[i])
                )
                for i in envelopes
            ],
            case={"status": "new"},
            case_key=case_key if authenticated else None,
        )


def replace_entry(path: Path, name: str, data: bytes) -> None:
    """Replace one envelope and keep the manifest's sha256 consistent with it."""
    with zipfile.ZipFile(path) as src:
        entries = {n: src.read(n) for n in src.namelist()}
    manifest = json.loads(entries["manifest.json"])
    for item in manifest["items"]:
        if item["path"] == name:
            item["sha256"] = hashlib.sha256(data).hexdigest()
    entries[name] = data
    entries["manifest.json"] = json.dumps(manifest).encode()
    if "manifest.mac" in entries:  # as a holder of the case key could: test the envelope itself
        mac = manifest_mac(CASE_KEYS[path], entries["manifest.json"]).hex() + "\n"
        entries["manifest.mac"] = mac.encode()
    with zipfile.ZipFile(path, "w") as dst:
        for n, d in entries.items():
            dst.writestr(n, d)


def files_under(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def test_keygen_and_open(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keyfile, key = keygen(tmp_path, capsys)
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    out_dir = tmp_path / "out" / "case"
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"r1\treport\t{len(REPORT)} bytes",
        f"a1\tattachment\t{len(ATTACHMENT)} bytes",
        "n1\tnote\t0 bytes",
    ]
    assert "SECRET" not in out + err and "scan" not in out + err
    assert "warning" in err and "none" in err
    assert files_under(out_dir) == [
        "a1",
        "a1/My scan (1).pdf",
        "a1/metadata.json",
        "n1",
        "n1/data",
        "n1/metadata.json",
        "r1",
        "r1/metadata.json",
        "r1/report.json",
    ]
    assert (out_dir / "r1" / "report.json").read_bytes() == REPORT
    assert (out_dir / "a1" / "My scan (1).pdf").read_bytes() == ATTACHMENT
    assert (out_dir / "n1" / "data").read_bytes() == b""
    metadata = json.loads((out_dir / "a1" / "metadata.json").read_text())
    assert metadata == {
        "v": 1,
        "kind": "attachment",
        "name": "../../My scan (1).pdf",
        "type": "application/pdf",
    }
    assert stat.S_IMODE((out_dir / "r1" / "report.json").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("metadata.json", "data"),
        ("..", "data"),
        ("", "data"),
        (None, "data"),
        (42, "data"),
        ("a\u202egnp.exe", "a_gnp.exe"),
        ("C:\\Users\\x\\evil.doc", "evil.doc"),
        (".bashrc", "bashrc"),
        ("NUL.txt", "_NUL.txt"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_attachment_names_are_sanitised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: object, expected: str
) -> None:
    keyfile, key = keygen(tmp_path, capsys)
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key, name=name)
    out_dir = tmp_path / "out"
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 0
    assert (out_dir / "a1" / expected).read_bytes() == ATTACHMENT


def test_keygen_suite_1_writes_a_classical_version_1_key_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyfile = tmp_path / "classical.key"
    assert main(["keygen", "--suite", "1", "--out", str(keyfile), "--unprotected"]) == 0
    out, _ = capsys.readouterr()
    key = load_key_file(keyfile.read_text(), None)
    assert isinstance(key, PrivateKey)
    assert public_key_from_base64(out.strip()) == key.public_key
    assert json.loads(keyfile.read_text())["version"] == 1
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "r1" / "report.json").read_bytes() == REPORT


def test_keygen_with_passphrase_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    passphrase_file = tmp_path / "pass.txt"
    passphrase_file.write_text("a long passphrase\nsecond line ignored\n")
    keyfile = tmp_path / "k.json"
    assert main(["keygen", "--out", str(keyfile), "--passphrase-file", str(passphrase_file)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    key = load_key_file(keyfile.read_text(), "a long passphrase")
    assert out == f"{out.strip()}\n"
    assert reader_public_key_from_base64(out.strip()) == key.public_key
    assert json.loads(keyfile.read_text())["kdf"] == "argon2id13"
    assert "a long passphrase" not in out + keyfile.read_text()

    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    args = ["open", "--key", str(keyfile), "--passphrase-file", str(passphrase_file)]
    assert main([*args, str(bundle), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "r1" / "report.json").read_bytes() == REPORT

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not it\n")
    code = main(
        [
            "open",
            "--key",
            str(keyfile),
            "--passphrase-file",
            str(wrong),
            str(bundle),
            "--out",
            str(tmp_path / "o2"),
        ]
    )
    assert code == 1
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and "passphrase" in err
    assert not (tmp_path / "o2" / "r1").exists()


def test_keygen_prompts_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["first", "second"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    keyfile = tmp_path / "k.json"
    assert main(["keygen", "--out", str(keyfile)]) == 1
    assert "do not match" in capsys.readouterr().err
    assert not keyfile.exists()
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "")
    assert main(["keygen", "--out", str(keyfile)]) == 1
    assert "empty" in capsys.readouterr().err
    assert not keyfile.exists()


def test_keygen_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keyfile = tmp_path / "k.json"
    keyfile.write_text("precious")
    assert main(["keygen", "--out", str(keyfile), "--unprotected"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "already exists" in err
    assert keyfile.read_text() == "precious"


def test_keygen_rejects_empty_passphrase_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\nsecond")
    assert main(["keygen", "--out", str(tmp_path / "k"), "--passphrase-file", str(empty)]) == 1
    assert main(["keygen", "--out", str(tmp_path / "k"), "--passphrase-file", "/nonexistent"]) == 1
    assert not (tmp_path / "k").exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["keygen"],
        ["keygen", "--out", "x", "--unprotected", "--passphrase-file", "f"],
        ["open", "--key", "k", "bundle.zip"],
        ["open", "--out", "d", "bundle.zip"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().out == ""


def test_truncated_envelope_leaves_no_partial_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyfile, key = keygen(tmp_path, capsys)
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    with zipfile.ZipFile(bundle) as archive:
        envelope = archive.read("items/a1.rptenv")
    replace_entry(bundle, "items/a1.rptenv", envelope[: -(65536 + 17)])  # drop FINAL
    out_dir = tmp_path / "out"
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 1
    out, err = capsys.readouterr()
    assert err.count("\n") == 2 and err.splitlines()[1].startswith("error: ")
    assert "a1" in err and "Truncated" in err
    assert out.splitlines() == [f"r1\treport\t{len(REPORT)} bytes"]
    assert files_under(out_dir) == ["r1", "r1/metadata.json", "r1/report.json"]


def test_tampered_envelope_leaves_no_partial_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyfile, key = keygen(tmp_path, capsys)
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    with zipfile.ZipFile(bundle) as archive:
        envelope = bytearray(archive.read("items/a1.rptenv"))
    envelope[-100] ^= 0x10  # inside the last message: earlier chunks were already written
    replace_entry(bundle, "items/a1.rptenv", bytes(envelope))
    out_dir = tmp_path / "out"
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 1
    assert "Authentication" in capsys.readouterr().err
    assert not (out_dir / "a1").exists()
    assert not [p for p in out_dir.rglob("*") if p.name.startswith(".partial")]


def test_open_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keyfile, _key = keygen(tmp_path, capsys)
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, generate_keypair().public_key)  # not for this reviewer
    out_dir = tmp_path / "out"
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 1
    assert "NotARecipient" in capsys.readouterr().err
    assert files_under(out_dir) == []

    assert main(["open", "--key", str(tmp_path / "nokey"), str(bundle), "--out", "x"]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    (tmp_path / "bad.key").write_text("{}")
    assert main(["open", "--key", str(tmp_path / "bad.key"), str(bundle), "--out", "x"]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    (tmp_path / "junk.zip").write_bytes(b"junk")
    assert main(["open", "--key", str(keyfile), str(tmp_path / "junk.zip"), "--out", "x"]) == 1
    assert capsys.readouterr().err.startswith("warning")


def test_open_refuses_to_overwrite_an_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyfile, key = keygen(tmp_path, capsys)
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    out_dir = tmp_path / "out"
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 0
    before = {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()} == before


def test_open_prompts_for_passphrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import nacl.pwhash

    from crypto import dump_key_file

    key = generate_keypair()
    keyfile = tmp_path / "k.json"
    keyfile.write_text(
        dump_key_file(
            key,
            "typed",
            opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN,
            memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN,
        )
    )
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or "typed")
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(tmp_path / "o")]) == 0
    assert len(prompts) == 1
    assert capsys.readouterr().err == ""
    assert os.path.exists(tmp_path / "o" / "r1" / "report.json")


def test_open_says_whether_the_manifest_is_authenticated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyfile, key = keygen(tmp_path, capsys)
    make_bundle(tmp_path / "v2.zip", key.public_key)
    make_bundle(tmp_path / "v1.zip", key.public_key, authenticated=False)
    assert (
        main(
            ["open", "--key", str(keyfile), str(tmp_path / "v2.zip"), "--out", str(tmp_path / "o2")]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert "bundle version" not in err and out.count("\n") == 3
    assert (
        main(
            ["open", "--key", str(keyfile), str(tmp_path / "v1.zip"), "--out", str(tmp_path / "o1")]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert "its manifest is NOT authenticated" in err
    assert len(list((tmp_path / "o1").iterdir())) == 3


def test_an_edited_version_2_manifest_is_refused_before_any_item_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keyfile, key = keygen(tmp_path, capsys)
    bundle = tmp_path / "case.zip"
    make_bundle(bundle, key.public_key)
    with zipfile.ZipFile(bundle) as src:
        entries = {n: src.read(n) for n in src.namelist()}
    manifest = json.loads(entries["manifest.json"])
    manifest["items"] = [i for i in manifest["items"] if i["kind"] != "note"]  # hide an item
    entries["manifest.json"] = json.dumps(manifest).encode()
    del entries["items/n1.rptenv"]
    with zipfile.ZipFile(bundle, "w") as dst:
        for name, data in entries.items():
            dst.writestr(name, data)
    out_dir = tmp_path / "out"
    assert main(["open", "--key", str(keyfile), str(bundle), "--out", str(out_dir)]) == 1
    assert "AuthenticationError" in capsys.readouterr().err
    assert files_under(out_dir) == [] if out_dir.exists() else True
