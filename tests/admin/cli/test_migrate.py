"""``reprisal-admin reviewer migrate``, run as installed: a focal point moves from a classical key to a
hybrid one; every access stanza is re-sealed (no item changes), the old key is retired and opens
nothing, the new key opens every case, the intake offers only the new key, and it is audited."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from crypto.envelope import decrypt
from crypto.errors import NotARecipientError
from crypto.keyfile import load_key_file
from crypto.keys import ACCESS_STANZA_SIZES, open_case_key
from crypto.stanzas import SUITE_CLASSICAL, SUITE_HYBRID
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import (
    AccessStanza,
    AuditEntry,
    Case,
    EnvelopeChunk,
    Item,
    ItemAccess,
    Reviewer,
)
from tests.factories import database, reader_record
from tests.support.intake import submit

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def command(tool: str, *args: str, status: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(BIN / tool), *args], env=dict(os.environ), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == status, (args, result.stdout, result.stderr)
    return result


def keygen(tmp_path: Path, name: str, *suite: str) -> tuple[Path, str]:
    out = tmp_path / f"{name}.key"
    made = command(
        "reprisal-decrypt", "keygen", "--out", str(out), "--passphrase-file",
        str(tmp_path / "passphrase"), *suite,
    )  # fmt: skip
    return out, made.stdout.strip()


def record_file(tmp_path: Path, name: str, public_key: str, suite: int) -> Path:
    path = tmp_path / f"{name}.record"
    path.write_text(reader_record(base64.b64decode(public_key), "CAT", suite=suite))
    return path


def state(app: Flask) -> tuple[dict[str, bytes], bytes]:
    """Every access stanza by case, and a digest of every stored envelope byte."""
    with database(app).session() as session:
        stanzas = {s.case_ref: s.sealed_case_key for s in session.scalars(select(AccessStanza))}
        pieces = session.scalars(
            select(EnvelopeChunk.data).order_by(EnvelopeChunk.item_id, EnvelopeChunk.seq)
        )
        return stanzas, hashlib.sha256(b"".join(pieces)).digest()


def test_reviewer_migrate_reseals_every_case_to_the_hybrid_key_and_retires_the_old(
    tmp_path: Path,
) -> None:
    from reprisal_intake import create_app

    (tmp_path / "passphrase").write_text("correct horse battery staple migrate\n")
    command("reprisal-admin", "init")
    old_file, old_public = keygen(tmp_path, "old", "--suite", "1")
    old_record = record_file(tmp_path, "old", old_public, SUITE_CLASSICAL)
    command(
        "reprisal-admin", "reviewer", "add", "Ana", "--mechanism", "CAT", "--public-key",
        old_public, "--record", str(old_record),
    )  # fmt: skip

    intake = create_app()
    client = intake.test_client()
    assert submit(client, what_happened="MIGRATE-ONE-1").status_code == 200
    # The person's identity is an item of its own, its key sealed to each reader apart.
    answers = {"what_happened": "MIGRATE-TWO-2", "identity": "IDENT-MIGRATE-9"}
    assert submit(client, **answers).status_code == 200
    before, items_before = state(intake)
    assert len(before) == 2
    assert {len(s) for s in before.values()} == {ACCESS_STANZA_SIZES[SUITE_CLASSICAL]}

    new_file, new_public = keygen(tmp_path, "new")
    new_record = record_file(tmp_path, "new", new_public, SUITE_HYBRID)
    migrate = ("reprisal-admin", "reviewer", "migrate", old_public, "--record", str(new_record))
    passphrase = ("--passphrase-file", str(tmp_path / "passphrase"))

    # Refused, and nothing changes: another classical key, a key file that is not the old key.
    _other_file, other_public = keygen(tmp_path, "other", "--suite", "1")
    classical = record_file(tmp_path, "other", other_public, SUITE_CLASSICAL)
    refused = command(
        "reprisal-admin", "reviewer", "migrate", old_public, "--record", str(classical),
        "--key", str(old_file), *passphrase, status=2,
    )  # fmt: skip
    assert "the new key must be hybrid (suite 2)" in refused.stderr
    wrong = command(*migrate, "--key", str(new_file), *passphrase, status=2)
    assert "the key file is not the old key" in wrong.stderr
    assert state(intake) == (before, items_before)

    done = command(*migrate, "--key", str(old_file), *passphrase)
    assert "Ana: 2 case(s) re-sealed to the new hybrid key; the old key is retired" in done.stdout

    after, items_after = state(intake)
    assert items_after == items_before  # stanzas only: no item was re-encrypted
    assert after.keys() == before.keys()
    assert {len(s) for s in after.values()} == {ACCESS_STANZA_SIZES[SUITE_HYBRID]}
    new_key = load_key_file(new_file.read_text(), "correct horse battery staple migrate")
    old_key = load_key_file(old_file.read_text(), "correct horse battery staple migrate")
    with database(intake).session() as session:
        (row,) = session.scalars(select(Reviewer))
        assert row.public_key == base64.b64decode(new_public)
        assert row.record == new_record.read_text()
        texts = []
        for case in session.scalars(select(Case)):
            stanza = [after[case.ref]]
            with pytest.raises(NotARecipientError):
                open_case_key(stanza, old_key)
            case_key = open_case_key(stanza, new_key)
            assert bytes(case_key.public_key) == case.public_key
            report = next(i for i in case.items if i.kind == "report")
            texts.append(decrypt(open_envelope(session, report.id).read(), case_key)[1])
        assert any(b"MIGRATE-ONE-1" in t for t in texts)
        (identity,) = session.scalars(select(Item).where(Item.kind == "identity"))
        (item_stanza,) = session.scalars(
            select(ItemAccess.sealed_item_key).where(ItemAccess.item_id == identity.id)
        )
        assert len(item_stanza) == ACCESS_STANZA_SIZES[SUITE_HYBRID]
        with pytest.raises(NotARecipientError):
            open_case_key([item_stanza], old_key)
        item_key = open_case_key([item_stanza], new_key)
        assert (
            decrypt(open_envelope(session, identity.id).read(), item_key)[1] == b"IDENT-MIGRATE-9"
        )
        assert any(b"MIGRATE-TWO-2" in t for t in texts)
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "reader_migrated"))
        assert entry.actor == "reprisal-admin"
        detail = json.loads(entry.detail)
        assert detail["stanzas"] == 2 and detail["reviewer"] == "Ana" and detail["suite"] == 2

    # The intake offers the new key for new cases, never the retired one.
    offered = client.get("/report/keys/CAT").get_json()
    keys = [r["public_key"] for r in offered["recipients"]]
    assert keys == [new_public]
    # Running it again finds no reader with the old key.
    again = command(*migrate, "--key", str(old_file), *passphrase, status=2)
    assert "no active reader has this key" in again.stderr
