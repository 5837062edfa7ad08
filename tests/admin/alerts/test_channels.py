"""The SMTP channel never talks to another machine in the clear, and its messages name no host."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from admin.alerts.channels import Notification, SmtpChannel, channel_from_config
from admin.settings import alert_settings


def _config(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name, value in env.items():
        monkeypatch.setenv(f"REPRISAL_ALERT_{name}", value)
    return alert_settings()


@pytest.mark.parametrize(
    ("host", "asked", "starttls"),
    [
        ("127.0.0.1", None, False),
        ("localhost", "1", True),
        ("smtp.example.org", None, True),
        ("smtp.example.org", "0", True),
    ],
)
def test_starttls_is_off_only_for_a_relay_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, host: str, asked: str | None, starttls: bool
) -> None:
    env = {"SMTP_HOST": host} | ({"SMTP_STARTTLS": asked} if asked is not None else {})
    channel = channel_from_config(_config(monkeypatch, **env))
    assert isinstance(channel, SmtpChannel)
    assert channel.starttls is starttls


def test_no_channel_configured_means_alerts_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_HOST", "COMMAND", "CHANNEL"):
        monkeypatch.delenv(f"REPRISAL_ALERT_{name}", raising=False)
    assert channel_from_config(alert_settings()) is None


def test_the_smtp_password_is_read_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n")
    channel = channel_from_config(
        _config(
            monkeypatch,
            SMTP_HOST="127.0.0.1",
            SMTP_USERNAME="alerts",
            SMTP_PASSWORD_FILE=str(secret),
        )
    )
    assert isinstance(channel, SmtpChannel)
    assert (channel.username, channel.password) == ("alerts", "s3cret")


def test_the_message_id_names_the_sender_domain_not_this_host() -> None:
    channel = SmtpChannel("127.0.0.1", 25, "alerts@reprisals.example.org", starttls=False)
    message = channel.message(
        Notification("fp@example.org", "A new immediate-risk case for CAT", "x")
    )
    assert message["Message-ID"].endswith("@reprisals.example.org>")
    assert socket.getfqdn() not in message.as_string()
