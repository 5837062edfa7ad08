"""Uploads never touch a disk in the clear: every temporary file written during a submission holds
ciphertext only. (Temporary files are unlinked at once, so scanning folders cannot see them; this
records what is written to them instead.)"""

from __future__ import annotations

import io
import logging
import secrets
import tempfile
from typing import Any

import pytest
import werkzeug.formparser
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DataError

from tests.factories import make_reviewer, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.intake import CODENAME, enter


class RecordingFile(io.BytesIO):
    def __init__(self, log: list[bytes]) -> None:
        super().__init__()
        self._log = log

    def write(self, data: Any) -> int:
        self._log.append(bytes(data))
        return super().write(data)


@pytest.fixture
def temp_writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    written: list[bytes] = []

    def recording(*_args: Any, **_kwargs: Any) -> RecordingFile:
        return RecordingFile(written)

    for target in (tempfile, werkzeug.formparser):
        for name in ("TemporaryFile", "SpooledTemporaryFile", "NamedTemporaryFile"):
            if hasattr(target, name):
                monkeypatch.setattr(target, name, recording)
    return written


def test_a_large_upload_is_encrypted_before_it_is_spooled(
    app: Flask, client: FlaskClient, temp_writes: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_reviewer(app, "CAT")
    phrase = f"PHRASE-{secrets.token_hex(6)}"
    evidence = secrets.token_bytes(3 * 1024 * 1024)
    token = csrf_token(client, "/report")
    response = post_form(
        client,
        "/report",
        report_form(
            token, what_happened=phrase, attachments=[(io.BytesIO(evidence), "e.bin", "x/y")]
        ),
    )
    assert response.status_code == 200
    spooled = b"".join(temp_writes)
    assert len(spooled) > len(evidence), "the upload was expected to be spooled (as ciphertext)"
    assert evidence[:64] not in spooled
    assert evidence[-64:] not in spooled
    assert phrase.encode() not in spooled
    codename = CODENAME.search(response.get_data(as_text=True)).group(1)
    assert phrase not in caplog.text and codename not in caplog.text

    enter(client, codename)
    followup_file = secrets.token_bytes(700 * 1024)
    token = csrf_token(client, "/followup/case")
    response = post_form(
        client,
        "/followup/case",
        {
            "csrf_token": token,
            "message": phrase,
            "attachments": [(io.BytesIO(followup_file), "f.bin")],
        },
    )
    assert response.status_code == 200
    spooled = b"".join(temp_writes)
    assert followup_file[:64] not in spooled
    assert phrase not in caplog.text


@pytest.mark.parametrize(
    ("error", "status", "shown"),
    [
        (ValueError("SUBMITTED-CONTENT-123"), 500, "Something went wrong on our side"),
        # A value the database cannot hold (a NUL character, too long for its column).
        (
            DataError("INSERT ...", {"name": "SUBMITTED-CONTENT-123"}, ValueError("\x00")),
            400,
            "Nothing was saved",
        ),
    ],
)
def test_an_unhandled_error_is_logged_without_its_message(
    app: Flask, caplog: pytest.LogCaptureFixture, error: Exception, status: int, shown: str
) -> None:
    def explode() -> str:
        raise error

    app.add_url_rule("/explode", view_func=explode)
    response = app.test_client().get("/explode")
    assert response.status_code == status
    assert shown in response.get_data(as_text=True)
    assert f"unhandled {type(error).__name__} at" in caplog.text
    assert "SUBMITTED-CONTENT-123" not in caplog.text
