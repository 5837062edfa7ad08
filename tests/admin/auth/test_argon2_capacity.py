"""Argon2 (64 MiB a verification) runs at most ARGON2_AT_ONCE at a time per process: a burst of
sign-in attempts waits its turn and, past the queue deadline, gets a 503, never a worker's threads
times 64 MiB."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.exceptions import ServiceUnavailable

from admin.auth import passwords


def test_a_verification_waits_for_a_slot_and_gives_up_with_503(
    admin_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "ARGON2_QUEUE_SECONDS", 0.05)
    with admin_app.app_context():
        stored = passwords.hash_secret("a long enough password")
        taken = 0
        while passwords.argon2_slots.acquire(blocking=False):
            taken += 1
        try:
            assert taken == passwords.ARGON2_AT_ONCE
            with pytest.raises(ServiceUnavailable):
                passwords.verify_secret(stored, "a long enough password")
        finally:
            for _ in range(taken):
                passwords.argon2_slots.release()
        assert passwords.verify_secret(stored, "a long enough password")
