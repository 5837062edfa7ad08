"""The installed commands that make a reader, run as an operator would (issue 14).

`reprisal-admin reviewer add` without a record stores a key that is never sealed to; only a record
signed offline with `reprisal-decrypt sign-reader` (the organisation key, a second person) makes it a
reader, imported with `--record` or `reviewer certify`; `reviewer revoke` ends it.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crypto.keys import generate_keypair

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


class Operator:
    """Runs the installed commands against one SQLite instance with one pinned organisation key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")},
            "REPRISAL_INSTANCE_PATH": str(folder / "instance"),
        }
        made = self.run("reprisal-decrypt", "org-keygen", "--out", "org.key", "--unprotected")
        self.org_public_key = made.stdout.strip()
        self.env["REPRISAL_ORG_PUBLIC_KEYS"] = self.org_public_key
        self.run("reprisal-admin", "init")

    def run(self, tool: str, *args: str, status: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN / tool), *args], env=self.env, cwd=self.folder, capture_output=True,
            text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == status, (args, result.stdout, result.stderr)
        return result

    def sign(self, public_key: str, out: str, *extra: str) -> Path:
        self.run(
            "reprisal-decrypt", "sign-reader", "--org-key", "org.key", "--public-key", public_key,
            "--out", out, *extra,
        )  # fmt: skip
        return self.folder / out

    def offered(self, mechanism: str = "CAT") -> list[str]:
        """The public keys the intake offers a browser for a new case of ``mechanism``."""
        script = (
            "import sys; from reprisal_intake import create_app; "
            "r = create_app().test_client().get('/report/keys/' + sys.argv[1]); "
            "print(' '.join(x['public_key'] for x in (r.get_json() or {}).get('recipients', [])))"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, mechanism], env=self.env, cwd=self.folder,
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return result.stdout.split()


def public_key() -> str:
    return base64.b64encode(bytes(generate_keypair().public_key)).decode()


@pytest.fixture
def operator(tmp_path: Path) -> Operator:
    return Operator(tmp_path)


def test_a_key_added_without_a_record_is_stored_but_never_offered(operator: Operator) -> None:
    key = public_key()
    added = operator.run(
        "reprisal-admin", "reviewer", "add", "Ana", "--mechanism", "CAT", "--public-key", key
    )
    assert "NOT encrypted to" in added.stdout
    assert operator.offered() == []
    listing = operator.run("reprisal-admin", "reviewer", "list").stdout
    assert "waiting for the organisation's signature" in listing
    assert f"reprisal-decrypt sign-reader --public-key {key}" in listing

    record = operator.sign(key, "ana.record", "--holder", "CAT 1", "--role", "focal_point",
                           "--mechanism", "CAT")  # fmt: skip
    certified = operator.run("reprisal-admin", "reviewer", "certify", str(record))
    assert "Ana" in certified.stdout and "certified until" in certified.stdout
    assert operator.offered() == [key]
    assert "certified until" in operator.run("reprisal-admin", "reviewer", "list").stdout

    revocation = operator.folder / "ana.revoked"
    operator.run("reprisal-decrypt", "revoke-reader", "--org-key", "org.key", "--public-key", key,
                 "--out", str(revocation))  # fmt: skip
    operator.run("reprisal-admin", "reviewer", "revoke", str(revocation))
    assert operator.offered() == []
    assert "revoked" in operator.run("reprisal-admin", "reviewer", "list").stdout
    again = operator.run("reprisal-admin", "reviewer", "certify", str(record), status=2)
    assert "revoked" in again.stderr
    audit = operator.run("reprisal-admin", "audit", "verify")
    assert audit.returncode == 0


def test_reviewer_add_with_a_record_makes_a_reader_at_once(operator: Operator) -> None:
    key = public_key()
    record = operator.sign(key, "ana.record", "--holder", "CAT 1", "--role", "focal_point",
                           "--mechanism", "CAT", "--mechanism", "SPT")  # fmt: skip
    operator.run("reprisal-admin", "reviewer", "add", "Ana", "--mechanism", "CAT",
                 "--public-key", key, "--record", str(record))  # fmt: skip
    assert operator.offered("CAT") == [key]
    assert operator.offered("SPT") == []  # the database links CAT only: it can narrow, not widen


@pytest.mark.parametrize(
    "problem",
    ["another key", "another mechanism", "escrow record", "another organisation", "expired"],
)
def test_reviewer_add_refuses_a_record_that_does_not_certify_this_key(
    operator: Operator, problem: str
) -> None:
    key = public_key()
    signed_key, mechanism, role, extra = key, "CAT", "focal_point", []  # type: ignore[var-annotated]
    if problem == "another key":
        signed_key = public_key()
    elif problem == "another mechanism":
        mechanism = "SPT"
    elif problem == "escrow record":
        role = "escrow"
    elif problem == "expired":
        extra = ["--not-before", "2020-01-01", "--not-after", "2020-12-31"]
    args: list[Any] = ["--holder", "X", "--role", role, *extra]
    if role == "focal_point":
        args += ["--mechanism", mechanism]
    if problem == "another organisation":
        operator.run("reprisal-decrypt", "org-keygen", "--out", "other.key", "--unprotected")
        operator.run("reprisal-decrypt", "sign-reader", "--org-key", "other.key", "--public-key",
                     signed_key, "--out", "x.record", *args)  # fmt: skip
        record = operator.folder / "x.record"
    else:
        record = operator.sign(signed_key, "x.record", *args)
    refused = operator.run("reprisal-admin", "reviewer", "add", "Ana", "--mechanism", "CAT",
                           "--public-key", key, "--record", str(record), status=2)  # fmt: skip
    assert "record" in refused.stderr
    assert "Ana" not in operator.run("reprisal-admin", "reviewer", "list").stdout
    assert operator.offered() == []


def test_escrow_add_needs_an_escrow_record_to_be_sealed_to(operator: Operator) -> None:
    reader = public_key()
    operator.run("reprisal-admin", "reviewer", "add", "Ana", "--mechanism", "CAT", "--public-key",
                 reader, "--record", str(operator.sign(reader, "a.record", "--holder", "CAT 1",
                 "--role", "focal_point", "--mechanism", "CAT")))  # fmt: skip
    unsigned = public_key()
    operator.run("reprisal-admin", "escrow", "add", "Recovery A", "--public-key", unsigned)
    assert operator.offered() == [reader]
    escrow = public_key()
    record = operator.sign(escrow, "e.record", "--holder", "OHCHR recovery key", "--role", "escrow")
    operator.run("reprisal-admin", "escrow", "add", "Recovery B", "--public-key", escrow,
                 "--record", str(record))  # fmt: skip
    assert operator.offered() == [reader, escrow]
