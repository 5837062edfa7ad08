"""Recovery codes: ten one-time codes shown once, stored only as argon2id hashes."""

from __future__ import annotations

import secrets

from admin.auth.passwords import hash_secret, verify_secret
from reprisal_intake.models import User

CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _normalise(code: str) -> str:
    return "".join(code.lower().split()).replace("-", "")


def renew(user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones to show once."""
    codes = [_new_code() for _ in range(CODE_COUNT)]
    user.recovery_code_hashes = "\n".join(hash_secret(_normalise(c)) for c in codes)
    return codes


def remaining(user: User) -> int:
    return len([h for h in user.recovery_code_hashes.split("\n") if h])


def use(user: User, code: str) -> bool:
    """Accept an unused code and strike it off."""
    wanted = _normalise(code)
    if len(wanted) != 12:
        return False
    hashes = [h for h in user.recovery_code_hashes.split("\n") if h]
    for index, stored in enumerate(hashes):
        if verify_secret(stored, wanted):
            del hashes[index]
            user.recovery_code_hashes = "\n".join(hashes)
            return True
    return False
