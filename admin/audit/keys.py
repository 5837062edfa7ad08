"""The audit key: authenticates every audit entry and checkpoint, and is never in the database.

From ``REPRISAL_AUDIT_KEY`` (64 hex digits) when set, else the file ``audit_key`` in the instance
folder, created on first use with mode 0600. Only the admin app and ``reprisal-admin`` load it; the
intake never does (it cannot write the log, only leave content-free events in ``audit_inbox``).
Two keys are derived from it, one per use, so an entry MAC can never pass for a checkpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from reprisal_intake.config import default_instance_path

ENV_NAME = "REPRISAL_AUDIT_KEY"
FILE_NAME = "audit_key"


class AuditKeyError(Exception):
    """The audit key is missing, malformed or readable by others."""


@dataclass(frozen=True)
class AuditKeys:
    entries: bytes
    checkpoints: bytes

    @classmethod
    def derive(cls, master: bytes) -> AuditKeys:
        def sub(label: str) -> bytes:
            return hmac.new(master, f"reprisal audit {label} v1".encode(), hashlib.sha256).digest()

        return cls(entries=sub("entries"), checkpoints=sub("checkpoints"))


def load_audit_keys(instance_path: Path | None = None) -> AuditKeys:
    configured = os.environ.get(ENV_NAME)
    if configured:
        try:
            master = bytes.fromhex(configured.strip())
        except ValueError as error:
            raise AuditKeyError(f"{ENV_NAME} is not hexadecimal") from error
        if len(master) < 32:
            raise AuditKeyError(f"{ENV_NAME} must hold at least 32 bytes (64 hex digits)")
        return AuditKeys.derive(master)
    return AuditKeys.derive(_instance_key((instance_path or default_instance_path()) / FILE_NAME))


def _instance_key(path: Path) -> bytes:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under another name, then linked: a concurrent reader never sees it half
        # written, and of two processes racing, the first link wins and both use its key.
        fresh = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(fresh, path)
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise AuditKeyError(f"{path} is readable by others: chmod 600 it")
    try:
        master = bytes.fromhex(path.read_text().strip())
    except ValueError as error:
        raise AuditKeyError(f"{path} is not hexadecimal") from error
    if len(master) < 32:
        raise AuditKeyError(f"{path} must hold at least 32 bytes (64 hex digits)")
    return master


EXTENSION_KEY = "reprisal_audit_keys"


def init_app(app: Flask) -> None:
    """Load the key at start-up, so a missing or exposed key stops the app before any action."""
    app.extensions[EXTENSION_KEY] = load_audit_keys(Path(app.instance_path))


def current_audit_keys() -> AuditKeys:
    keys: AuditKeys = current_app.extensions[EXTENSION_KEY]
    return keys
