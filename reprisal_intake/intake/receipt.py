"""The receipt of a new report, held for the person until they confirm they wrote the codename down.

The server keeps no codename. Between the report's POST and the receipt page (post/redirect/get),
the session cookie carries the form's one-time secret sealed with a key only the server holds; the
receipt page derives the codename from it again (docs/codename-v2.md). Confirming drops it, so the
codename is shown until the person says they have it and never after.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app, session
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from crypto.codename import V2_LANGUAGES, V2_SECRET_SIZE

SESSION_KEY = "receipt"
CONFIRMED_KEY = "receipt_confirmed"
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class PendingReceipt:
    secret: bytes  # the report form's one-time token, from which the codename derives
    language: str  # the codename's word list
    repeat: bool  # the form had been received before; nothing new was stored


def new_form_token() -> str:
    """A fresh one-time token for a form: 32 random bytes, unpadded base64url."""
    return base64.urlsafe_b64encode(secrets.token_bytes(V2_SECRET_SIZE)).rstrip(b"=").decode()


def form_secret(token: object) -> bytes | None:
    """The secret a form token carries, or None when it is not one."""
    if not isinstance(token, str) or not FORM_TOKEN.fullmatch(token):
        return None
    try:
        secret = base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError):
        return None
    return secret if len(secret) == V2_SECRET_SIZE else None


def _box() -> SecretBox:
    key = hmac.new(
        current_app.config["SECRET_KEY"], b"reprisal intake pending receipt", hashlib.sha256
    ).digest()
    return SecretBox(key)


def hold(receipt: PendingReceipt) -> None:
    """Keep the receipt for the next page (the session cookie ends with the browser)."""
    flags = (b"r" if receipt.repeat else b"n") + receipt.language.encode("ascii")
    session.pop(CONFIRMED_KEY, None)
    session[SESSION_KEY] = base64.b64encode(_box().encrypt(receipt.secret + flags)).decode()


def pending() -> PendingReceipt | None:
    sealed = session.get(SESSION_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        opened = _box().decrypt(base64.b64decode(sealed))
    except (CryptoError, ValueError):
        return None
    secret, repeat, language = (
        opened[:V2_SECRET_SIZE],
        opened[V2_SECRET_SIZE : V2_SECRET_SIZE + 1],
        opened[V2_SECRET_SIZE + 1 :].decode("ascii", "replace"),
    )
    if len(secret) != V2_SECRET_SIZE or language not in V2_LANGUAGES:
        return None
    return PendingReceipt(secret, language, repeat == b"r")


def confirm() -> None:
    """The person wrote the codename down: forget it."""
    session.pop(SESSION_KEY, None)
    session[CONFIRMED_KEY] = True


def confirmed() -> bool:
    return bool(session.get(CONFIRMED_KEY))
