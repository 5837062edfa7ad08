"""Tried as a new user would: every ``reprisal-decrypt`` command (read from its own --help, so a new
command must be added here) run as installed with no terminal and no --passphrase-file says how to
give the passphrase, instead of failing inside getpass."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support.servers import BIN

DECRYPT = str(BIN / "reprisal-decrypt")
NO_TERMINAL = "error: there is no terminal to type the passphrase on"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DECRYPT, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # no controlling terminal
    )


def commands() -> set[str]:
    """The commands listed under COMMAND in the tool's help (four spaces in, then a name)."""
    usage = run("--help").stdout
    listed = usage.split("  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^    ([a-z-]+)(?: |$)", listed, re.M))


def test_every_command_without_a_terminal_asks_for_a_passphrase_file(tmp_path: Path) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a long passphrase\n")
    protected = tmp_path / "protected.key"
    made = run("keygen", "--out", str(protected), "--passphrase-file", str(passphrase))
    assert made.returncode == 0, made.stderr
    bundle = tmp_path / "case.zip"
    bundle.write_bytes(b"not read: the passphrase comes first")
    org_key = tmp_path / "org.key"
    made = run("org-keygen", "--out", str(org_key), "--passphrase-file", str(passphrase))
    assert made.returncode == 0, made.stderr
    reader = made.stdout.strip()  # any 32-byte key in base64 will do: nothing is signed
    asking = {
        "keygen": ["keygen", "--out", str(tmp_path / "new.key")],
        "open": ["open", "--key", str(protected), str(bundle), "--out", str(tmp_path / "out")],
        "org-keygen": ["org-keygen", "--out", str(tmp_path / "new-org.key")],
        "sign-reader": [
            "sign-reader",
            "--org-key",
            str(org_key),
            "--public-key",
            reader,
            "--holder",
            "CAT focal point 1",
            "--role",
            "focal_point",
            "--mechanism",
            "CAT",
            "--out",
            str(tmp_path / "record"),
        ],
        "revoke-reader": [
            "revoke-reader",
            "--org-key",
            str(org_key),
            "--public-key",
            reader,
            "--out",
            str(tmp_path / "revocation"),
        ],
    }
    needs_no_passphrase = {"show-record"}
    assert commands() == set(asking) | needs_no_passphrase, (
        "say here how each new command is run without a terminal"
    )
    for argv in asking.values():
        result = run(*argv)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith(NO_TERMINAL), result.stderr
        assert "--passphrase-file FILE" in result.stderr
        assert result.returncode == 1
    for made_nothing in ("new.key", "out", "new-org.key", "record", "revocation"):
        assert not (tmp_path / made_nothing).exists(), made_nothing
