"""The audit log is authenticated with a key the database does not hold: a writer of the database who
re-chains an edited log with SHA-256, or cuts entries off before a checkpoint, fails `audit verify`."""

from __future__ import annotations

import datetime
import os
import stat
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from admin.audit import log as audit_log
from admin.audit.keys import AuditKeyError, load_audit_keys
from reprisal_intake.models import AuditEntry, AuditHead, AuditInboxEvent
from tests.factories import database
from tests.support.cli import run


def fill(admin_app: Flask, count: int = 5) -> None:
    with admin_app.app_context(), database(admin_app).session() as session:
        for n in range(count):
            audit_log.record(session, f"user{n}", "case_viewed", case_ref=f"REF-{n}")


def rechain_with_sha256(admin_app: Flask, start: int) -> None:
    """What a database writer without the key can do: recompute every hash from ``start`` on."""
    with database(admin_app).session() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        previous = entries[start - 2].hash if start > 1 else audit_log.GENESIS_HASH
        for entry in entries[start - 1 :]:
            entry.prev_hash = previous
            entry.hash = previous = audit_log.legacy_entry_hash(entry)
        session.execute(update(AuditHead).values(seq=entries[-1].seq, hash=previous))


def test_an_edited_entry_rechained_with_sha256_fails_verify(admin_app: Flask) -> None:
    fill(admin_app)
    with database(admin_app).session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="someone else"))
    rechain_with_sha256(admin_app, 3)
    result = run(admin_app, "audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at entry 3: entry was changed" in result.output


def test_a_whole_log_forged_with_sha256_fails_verify(admin_app: Flask) -> None:
    fill(admin_app, 3)
    rechain_with_sha256(admin_app, 1)
    assert "BROKEN at entry 1" in run(admin_app, "audit", "verify").output


def test_entries_dropped_before_a_checkpoint_fail_verify(admin_app: Flask, tmp_path: Path) -> None:
    fill(admin_app)
    line = run(admin_app, "audit", "checkpoint").output.strip()
    assert line.startswith("reprisal-audit-checkpoint v1 seq=5 head=")
    kept = tmp_path / "checkpoints.txt"
    kept.write_text(line + "\n")
    intact = run(admin_app, "audit", "verify", "--checkpoints", str(kept))
    assert intact.exit_code == 0, intact.output
    assert "Audit log intact: 5 entries, reaching 1 checkpoints." in intact.output

    # The last two entries cut off and the head moved back: the shorter chain is valid in itself...
    with database(admin_app).session() as session:
        fourth_prev = session.scalar(select(AuditEntry.prev_hash).where(AuditEntry.seq == 4))
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
        session.execute(update(AuditHead).values(seq=3, hash=fourth_prev))
    assert run(admin_app, "audit", "verify").exit_code == 0
    # ...but no longer reaches the checkpoint kept elsewhere.
    result = run(admin_app, "audit", "verify", "--checkpoints", str(kept))
    assert result.exit_code == 1
    assert "BROKEN at entry 5: entries were rewritten or removed before a checkpoint" in (
        result.output
    )


def test_a_rewrite_before_a_checkpoint_fails_even_when_rechained_with_the_key(
    admin_app: Flask, tmp_path: Path
) -> None:
    """Someone who later gets the key too can forge a new chain, not the checkpoint kept elsewhere."""
    fill(admin_app, 3)
    kept = tmp_path / "checkpoints.txt"
    kept.write_text(run(admin_app, "audit", "checkpoint").output)
    keys = load_audit_keys(Path(admin_app.instance_path))
    with database(admin_app).session() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        entries[1].actor = "someone else"
        previous = entries[0].hash
        for entry in entries[1:]:
            entry.prev_hash = previous
            entry.hash = previous = audit_log.entry_mac(keys.entries, entry)
        session.execute(update(AuditHead).values(hash=previous))
    assert run(admin_app, "audit", "verify").exit_code == 0
    result = run(admin_app, "audit", "verify", "--checkpoints", str(kept))
    assert "BROKEN at entry 3: entries were rewritten or removed" in result.output


def test_a_checkpoint_line_edited_or_made_up_is_refused(admin_app: Flask, tmp_path: Path) -> None:
    fill(admin_app, 2)
    line = run(admin_app, "audit", "checkpoint").output.strip()
    kept = tmp_path / "checkpoints.txt"
    kept.write_text(line.replace("seq=2", "seq=1") + "\n")
    result = run(admin_app, "audit", "verify", "--checkpoints", str(kept))
    assert result.exit_code == 1
    assert "BROKEN at checkpoint line 1: a checkpoint was not made with this audit key" in (
        result.output
    )
    kept.write_text("seq=2\n")
    assert "a checkpoint line cannot be read" in (
        run(admin_app, "audit", "verify", "--checkpoints", str(kept)).output
    )


def test_the_key_file_is_private_and_never_in_the_database(admin_app: Flask) -> None:
    fill(admin_app, 1)
    path = Path(admin_app.instance_path) / "audit_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    with pytest.raises(AuditKeyError, match="readable by others"):
        load_audit_keys(Path(admin_app.instance_path))
    os.chmod(path, 0o600)


def test_the_key_can_come_from_the_environment(
    admin_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REPRISAL_AUDIT_KEY", "ab" * 32)
    assert load_audit_keys(tmp_path) == load_audit_keys(tmp_path / "elsewhere")
    assert not (tmp_path / "audit_key").exists()
    monkeypatch.setenv("REPRISAL_AUDIT_KEY", "ab" * 8)
    with pytest.raises(AuditKeyError, match="at least 32 bytes"):
        load_audit_keys(tmp_path)


def test_the_intakes_events_are_chained_as_the_submitters_and_nobody_else_can_claim_that(
    admin_app: Flask,
) -> None:
    day = datetime.date(2026, 11, 30)
    with database(admin_app).session() as session:
        session.add(AuditInboxEvent(case_ref="REF-X", action="consent_changed", recorded=day))
    fill(admin_app, 1)
    with database(admin_app).session() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert session.scalar(select(AuditInboxEvent)) is None
    first = entries[0]
    assert (first.actor, first.action, first.case_ref, first.detail) == (
        "submitter",
        "consent_changed",
        "REF-X",
        "{}",
    )
    assert first.at == datetime.datetime(2026, 11, 30), "a date, never a time"
    assert entries[1].actor == "user0"
    assert run(admin_app, "audit", "verify").exit_code == 0
    with (
        admin_app.app_context(),
        database(admin_app).session() as session,
        pytest.raises(ValueError, match="submitter"),
    ):
        audit_log.record(session, "submitter", "consent_changed", case_ref="REF-X")
