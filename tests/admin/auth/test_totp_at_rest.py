"""TOTP secrets are stored encrypted with a key outside the database; `reprisal-admin init` encrypts
the ones stored in the clear before migration 0011, and authenticates the old audit chain, once."""

from __future__ import annotations

import datetime
from pathlib import Path

import pyotp
from flask import Flask
from sqlalchemy import insert, select, text, update

from admin import create_app as create_admin_app
from admin.audit import log as audit_log
from admin.auth import totp
from reprisal_intake import schema
from reprisal_intake.db import make_engine
from reprisal_intake.models import AuditEntry, AuditHead, User
from tests.factories import database, make_account
from tests.support.cli import run_installed


def test_the_database_holds_no_totp_secret_in_the_clear(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    with database(admin_app).session() as session:
        stored = session.scalar(select(User.totp_secret).where(User.id == account.id))
    assert stored is not None and stored.startswith("v1:")
    assert account.totp_secret not in stored
    with admin_app.app_context():
        assert totp.open_secret(stored, account.id) == account.totp_secret


def test_a_secret_planted_in_the_database_is_no_second_factor(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    planted = pyotp.random_base32()
    with database(admin_app).session() as session:
        session.execute(update(User).where(User.id == account.id).values(totp_secret=planted))
    with admin_app.app_context(), database(admin_app).session() as session:
        user = session.get(User, account.id)
        assert user is not None
        assert not totp.accept_code(user, pyotp.TOTP(planted).now())
    # Nor does one sealed with another key (another deployment's secret) open here.
    other = create_admin_app({"TESTING": True, "SECRET_KEY": b"k" * 32})
    with other.app_context():
        assert totp.open_secret(totp.seal_secret("X", "u"), "u") == "X"
    with admin_app.app_context():
        with other.app_context():
            sealed_elsewhere = totp.seal_secret(planted, account.id)
        assert totp.open_secret(sealed_elsewhere, account.id) is None
        # Nor one copied from another account.
        other_account = make_account(admin_app, "auditor")
        with database(admin_app).session() as session:
            copied = session.scalar(select(User.totp_secret).where(User.id == other_account.id))
        assert totp.open_secret(copied, other_account.id) == other_account.totp_secret
        assert totp.open_secret(copied, account.id) is None


def upgraded_from_0007(tmp_path: Path, *, break_chain: bool) -> tuple[str, Path, str]:
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'reprisal.sqlite3'}"
    instance.mkdir(mode=0o700)
    engine = make_engine(url)
    schema.upgrade(engine, "0007")
    secret = pyotp.random_base32()
    with engine.begin() as connection:
        connection.execute(
            insert(User.__table__).values(
                id="u1", username="ana", roles="auditor", password_hash="x", totp_secret=secret,
                active=True, failed_attempts=0, created=datetime.datetime(2026, 11, 1),
            )
        )  # fmt: skip
        previous = audit_log.GENESIS_HASH
        for seq in (1, 2):
            entry = AuditEntry(
                seq=seq, at=datetime.datetime(2026, 11, seq), actor="ana", action="sign_in",
                case_ref=None, detail="{}", prev_hash=previous,
            )  # fmt: skip
            entry.hash = previous = audit_log.legacy_entry_hash(entry)
            if break_chain and seq == 1:
                entry.actor = "someone else"
            connection.execute(
                insert(AuditEntry.__table__).values(
                    seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
                    case_ref=None, detail="{}", prev_hash=entry.prev_hash, hash=entry.hash,
                )
            )  # fmt: skip
        connection.execute(insert(AuditHead.__table__).values(id=1, seq=2, hash=previous))
    engine.dispose()
    return url, instance, secret


def test_init_encrypts_old_totp_secrets_and_authenticates_an_intact_audit_log(
    tmp_path: Path,
) -> None:
    url, instance, secret = upgraded_from_0007(tmp_path, break_chain=False)
    result = run_installed("init", database_url=url, instance=instance)
    assert result.returncode == 0, result.stderr
    assert "Encrypted 1 TOTP secrets" in result.stdout
    assert "Authenticated the 2 audit entries" in result.stdout
    engine = make_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT totp_secret FROM users")).scalar_one()
    engine.dispose()
    assert stored.startswith("v1:") and secret not in stored
    verified = run_installed("audit", "verify", database_url=url, instance=instance)
    assert "Audit log intact: 2 entries." in verified.stdout, verified.stderr
    again = run_installed("init", database_url=url, instance=instance)
    assert again.returncode == 0 and "Authenticated" not in again.stdout, "only once"


def test_init_leaves_a_broken_old_audit_log_unauthenticated(tmp_path: Path) -> None:
    url, instance, _secret = upgraded_from_0007(tmp_path, break_chain=True)
    result = run_installed("init", database_url=url, instance=instance)
    assert result.returncode == 1
    assert "already broken at entry 1" in result.stderr
    verified = run_installed("audit", "verify", database_url=url, instance=instance)
    assert verified.returncode == 1
