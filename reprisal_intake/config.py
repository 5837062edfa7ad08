"""Configuration shared by the intake and admin apps, read from the environment.

Fixed interface (README): REPRISAL_DATABASE_URL, REPRISAL_RATELIMIT_STORAGE_URI, REPRISAL_SECRET_KEY.
Everything else has a safe default.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from flask.sansio.scaffold import find_package

from crypto.errors import FormatError
from crypto.records import parse_org_public_keys

MIB = 1024 * 1024


def default_instance_path() -> Path:
    """The instance folder both apps share (database, generated secrets).

    Computed as Flask would for the ``reprisal_intake`` package, so that the admin app, the CLI and the
    intake all find the same folder; ``REPRISAL_INSTANCE_PATH`` overrides it.
    """
    configured = os.environ.get("REPRISAL_INSTANCE_PATH")
    if configured:
        return Path(configured).resolve()
    prefix, package_path = find_package("reprisal_intake")
    if prefix is None:
        return Path(package_path) / "instance"
    return Path(prefix) / "var" / "reprisal_intake-instance"


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path: Path) -> bytes:
    """A random secret persisted in the instance folder, created on first use (mode 0600)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / "secret_key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its secret
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(secret.hex())
    return secret


def app_secret_key(app_name: str, instance_path: Path) -> bytes:
    """A secret key per app: the two apps never share cookies or signing keys."""
    configured = os.environ.get("REPRISAL_SECRET_KEY")
    master = configured.encode() if configured else _instance_secret(instance_path)
    return hmac.new(master, f"reprisal {app_name} secret key".encode(), hashlib.sha256).digest()


def org_public_keys(instance_path: Path) -> tuple[bytes, ...]:
    """The pinned organisation keys that certify readers (docs/spec/reader-record-v1.md section 6):
    ``REPRISAL_ORG_PUBLIC_KEYS``, else the instance folder's ``org_public_keys`` file, else none (and
    then nothing is ever sealed). A malformed value stops the app from starting."""
    text = os.environ.get("REPRISAL_ORG_PUBLIC_KEYS")
    where = "REPRISAL_ORG_PUBLIC_KEYS"
    if text is None:
        path = instance_path / "org_public_keys"
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ()
    try:
        return parse_org_public_keys(text)
    except FormatError as error:
        raise RuntimeError(f"{where}: not a list of organisation public keys ({error})") from None


def load_config(app_name: str, instance_path: Path) -> dict[str, Any]:
    database_url = os.environ.get(
        "REPRISAL_DATABASE_URL", f"sqlite:///{instance_path / 'reprisal.sqlite3'}"
    )
    max_upload_mib = int(os.environ.get("REPRISAL_MAX_UPLOAD_MIB", "1100"))
    return {
        "SECRET_KEY": app_secret_key(app_name, instance_path),
        "REPRISAL_DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("REPRISAL_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # Each app (and each test run) counts under its own prefix in a shared Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get(
            "REPRISAL_RATELIMIT_KEY_PREFIX", f"reprisal-{app_name}"
        ),
        "ORG_PUBLIC_KEYS": org_public_keys(instance_path),
        "MAX_CONTENT_LENGTH": max_upload_mib * MIB,
        "MAX_FORM_MEMORY_SIZE": 2 * MIB,
        "MAX_FORM_PARTS": 200,
        "SESSION_COOKIE_NAME": f"reprisal_{app_name}",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        # Onion services are secure contexts, so Secure cookies work there; plain http on 127.0.0.1
        # during `make run` needs them off.
        "SESSION_COOKIE_SECURE": _env_flag("REPRISAL_COOKIE_SECURE", False),
        "PERMANENT_SESSION_LIFETIME": 30 * 60,
        "WTF_CSRF_TIME_LIMIT": 2 * 60 * 60,
        "WTF_CSRF_SSL_STRICT": False,
    }
