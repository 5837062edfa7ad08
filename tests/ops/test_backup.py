"""``reprisal-admin backup`` and ``restore``: a round trip on SQLite and PostgreSQL (and from one to the
other) whose restored cases still decrypt, refusals that protect data, and a backup taken while reports
keep arriving that holds only whole cases."""

from __future__ import annotations

import io
import secrets
import threading
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import Engine, func, select

from admin.cli import cli
from crypto.bundle import open_bundle
from reprisal_intake import schema
from reprisal_intake.models import Case
from tests.factories import ReviewerWithKey, make_reviewer, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.servers import CODENAME, ServiceMissing, check_store, postgres_database
from tests.support.services import require_service


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{secrets.token_hex(4)}.sqlite3'}"
        return
    try:
        with postgres_database() as url:
            yield url
    except ServiceMissing as error:
        require_service("PostgreSQL at 127.0.0.1:5432", str(error))


@contextmanager
def apps(url: str) -> Iterator[tuple[Flask, Flask]]:
    from admin import create_app as create_admin
    from reprisal_intake import create_app as create_intake

    intake = create_intake({"TESTING": True, "REPRISAL_DATABASE_URL": url})
    admin = create_admin({"TESTING": True, "REPRISAL_DATABASE_URL": url})
    try:
        yield intake, admin
    finally:
        for app in (intake, admin):
            app.extensions["reprisal_db"].bind.dispose()


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["reprisal_db"].bind
    return engine


def run(app: Flask, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)


def send_reports(
    intake: Flask, count: int, attachment_size: int = 0
) -> tuple[dict[str, str], dict[str, bytes]]:
    client = intake.test_client()
    sent: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for n in range(count):
        phrase = f"UNIQUE-{secrets.token_hex(6)} report {n}"
        data = secrets.token_bytes(attachment_size) if attachment_size else b""
        form = report_form(
            csrf_token(client, "/report"),
            what_happened=phrase,
            attachments=[
                (io.BytesIO(data), "evidence.bin" if data else "", "application/octet-stream")
            ],
        )
        response = post_form(client, "/report", form)
        assert response.status_code == 200, response.status_code
        codename = CODENAME.search(response.get_data(as_text=True)).group(1)
        sent[codename] = phrase
        if data:
            files[codename] = data
    return sent, files


def populated(url: str, count: int = 3) -> tuple[ReviewerWithKey, dict[str, str], dict[str, bytes]]:
    with apps(url) as (intake, _admin):
        schema.upgrade(engine_of(intake))
        reviewer = make_reviewer(intake, "CAT")
        # One report with a file of several 1 MiB pieces; the others text only.
        sent, files = send_reports(intake, 1, attachment_size=2 * 1024 * 1024 + 12345)
        more, _ = send_reports(intake, count - 1)
    return reviewer, {**sent, **more}, files


def table_counts(engine: Engine) -> dict[str, int]:
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            t.name: connection.scalar(select(func.count()).select_from(t)) or 0
            for t in metadata.sorted_tables
        }


@pytest.mark.parametrize(
    ("source_kind", "target_kind"),
    [("sqlite", "sqlite"), ("postgresql", "postgresql"), ("sqlite", "postgresql")],
)
def test_a_backup_restores_into_a_new_database_and_its_cases_still_decrypt(
    source_kind: str, target_kind: str, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.zip"
    with ExitStack() as stack:
        source = stack.enter_context(fresh_database(source_kind, tmp_path))
        target = stack.enter_context(fresh_database(target_kind, tmp_path))
        reviewer, sent, files = populated(source)
        with apps(source) as (_intake, admin):
            result = run(admin, "backup", "--out", str(backup))
            assert result.exit_code == 0, result.output
            assert "3 cases" in result.output and "keep it as safe as the database" in result.output
            before = table_counts(engine_of(admin))
        assert backup.stat().st_mode & 0o077 == 0
        with zipfile.ZipFile(backup) as archive:
            assert "manifest.json" in archive.namelist()
            assert "tables/admin_sessions.jsonl" not in archive.namelist(), "no sign-in sessions"
            assert not any(
                phrase.encode() in archive.read(n)
                for n in archive.namelist()
                for phrase in sent.values()
            )

        with apps(target) as (_intake, admin):
            result = run(admin, "restore", str(backup))
            assert result.exit_code == 0, result.output
            assert "all counts verified" in result.output
            assert table_counts(engine_of(admin)) == before
            assert schema.current_revision(engine_of(admin)) == schema.head_revision()

            # Export a restored case the usual way and open it with the reviewer's key.
            with engine_of(admin).connect() as connection:
                ref = connection.scalars(select(Case.ref)).first()
            bundle = tmp_path / "case.zip"
            assert run(admin, "case", "export", ref, "--out", str(bundle)).exit_code == 0
            with open_bundle(bundle, reviewer.secret_key) as opened:
                assert opened.case_ref == ref

        check = check_store(target, reviewer.secret_key, sent, files)
        assert check.cases == 3
        assert (check.missing, check.unreadable, check.incomplete) == ([], [], [])

        # Ids keep counting after the restored rows (PostgreSQL sequences are set past them).
        with apps(target) as (intake, _admin):
            more, _ = send_reports(intake, 1)
        assert check_store(target, reviewer.secret_key, more).missing == []


def test_restore_refuses_a_database_with_data_or_a_damaged_file(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    backup = tmp_path / "backup.zip"
    populated(source, count=2)
    with apps(source) as (_intake, admin):
        assert run(admin, "backup", "--out", str(backup)).exit_code == 0
        again = run(admin, "backup", "--out", str(backup))
        assert again.exit_code == 2 and "exists" in again.output
        refused = run(admin, "restore", str(backup))
        assert refused.exit_code == 1 and "not empty" in refused.output

    _reviewer, _sent, _files = populated(target, count=1)
    with apps(target) as (_intake, admin):
        assert run(admin, "restore", str(backup)).exit_code == 1
        forced = run(admin, "restore", "--force", str(backup))
        assert forced.exit_code == 0, forced.output
        with engine_of(admin).connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Case)) == 2

    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(backup) as original, zipfile.ZipFile(damaged, "w") as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "tables/cases.jsonl":
                data = data.replace(b'"status":"received"', b'"status":"closedXX"', 1)
            copy.writestr(info, data)
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    with apps(empty) as (_intake, admin):
        result = run(admin, "restore", str(damaged))
        assert result.exit_code == 1 and "damaged" in result.output
        assert schema.current_revision(engine_of(admin)) is None, "nothing was touched"
        not_a_backup = tmp_path / "case.zip"
        with zipfile.ZipFile(not_a_backup, "w") as archive:
            archive.writestr("something.txt", "x")
        assert "not a reprisal backup" in run(admin, "restore", str(not_a_backup)).output


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_backup_taken_while_reports_arrive_holds_only_whole_cases(
    kind: str, tmp_path: Path
) -> None:
    with fresh_database(kind, tmp_path) as source:
        reviewer, _sent, _files = populated(source, count=1)
        stop = threading.Event()
        sent_during: list[dict[str, str]] = []
        errors: list[BaseException] = []

        def keep_sending(intake: Flask) -> None:
            try:
                for _ in range(200):  # bounded; stopped early when the backups are done
                    if stop.is_set():
                        return
                    sent, _ = send_reports(intake, 1, attachment_size=1024 * 1024 + 7)
                    sent_during.append(sent)
            except BaseException as error:  # reported below
                errors.append(error)

        with apps(source) as (intake, admin):
            sender = threading.Thread(target=keep_sending, args=(intake,), daemon=True)
            sender.start()
            backups = []
            try:
                for n in range(3):
                    backup = tmp_path / f"backup-{n}.zip"
                    result = run(admin, "backup", "--out", str(backup))
                    assert result.exit_code == 0, result.output
                    backups.append(backup)
            finally:
                stop.set()
                sender.join(timeout=120)
        assert not errors, errors
        assert sent_during, "no report arrived during the backups"
        for backup in backups:
            target = f"sqlite:///{tmp_path / (backup.stem + '.sqlite3')}"
            with apps(target) as (_intake, admin):
                assert run(admin, "restore", str(backup)).exit_code == 0
            check = check_store(target, reviewer.secret_key, {})
            assert check.incomplete == [], backup.name
            assert check.cases >= 1
