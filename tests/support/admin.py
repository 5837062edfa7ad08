"""Driving the admin app as a browser would: forms with CSRF tokens, TOTP codes, cookies."""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

import babel.dates
import nacl.pwhash
import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import AuditEntry, User
from tests.factories import KEY_PASSPHRASE, Account, database

FAST_ADMIN_CONFIG: dict[str, Any] = {
    "ADMIN_ARGON2_TIME_COST": 1,
    "ADMIN_ARGON2_MEMORY_KIB": 8,
    "ADMIN_KEY_OPSLIMIT": nacl.pwhash.argon2id.OPSLIMIT_MIN,
    "ADMIN_KEY_MEMLIMIT": nacl.pwhash.argon2id.MEMLIMIT_MIN,
}

CSRF_ANY = re.compile(
    r'value="([^"]+)"[^>]*name="(?:[a-z]+-)?csrf_token"|name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"'
)


def csrf_of(page: str) -> str:
    match = CSRF_ANY.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def form_post(client: FlaskClient, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    """POST a form with the CSRF token of ``page`` (or of the page at ``path``)."""
    source = page if page is not None else client.get(path).get_data(as_text=True)
    token = csrf_of(source)
    fields = {"csrf_token": token, **data}
    # Prefixed forms (recovery-, offline-, rotate-) carry their own token field name.
    for prefix in ("recovery", "offline", "rotate"):
        if any(key.startswith(f"{prefix}-") for key in data):
            fields[f"{prefix}-csrf_token"] = token
    return client.post(path, data=fields)


def next_code(app: Flask, account: Account) -> str:
    """A TOTP code for a time step not used yet (the app refuses a step twice)."""
    with database(app).session() as session:
        last = session.get(User, account.id).totp_last_step  # type: ignore[union-attr]
    current = int(time.time() // 30)
    step = current if last is None or last < current else last + 1
    assert step <= current + 1, "no unused TOTP step left in the allowed window"
    return pyotp.TOTP(account.totp_secret).at(step * 30)


def sign_in(app: Flask, client: FlaskClient, account: Account) -> None:
    response = form_post(
        client, "/signin", {"username": account.username, "password": account.password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = form_post(client, "/signin/verify", {"code": next_code(app, account)})
    assert response.status_code == 302, response.get_data(as_text=True)


def account_page(client: FlaskClient) -> str:
    response = client.get("/account/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def unlock(client: FlaskClient, passphrase: str = KEY_PASSPHRASE) -> Any:
    return form_post(
        client, "/account/key/unlock", {"passphrase": passphrase}, account_page(client)
    )


def audit_actions(app: Flask) -> list[tuple[str, str, str | None]]:
    with database(app).session() as session:
        return [
            (e.actor, e.action, e.case_ref)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]


def long_date(day: datetime.date, language: str = "en") -> str:
    """A date as the admin pages write it in ``language`` ("December 1, 2026")."""
    return babel.dates.format_date(day, format="long", locale=language)
