"""Where alerts go: an SMTP server (Python's smtplib and email) or a command hook, chosen in the
admin's settings. A notification is a subject and a short body that name no person, no words of the
report and no codename (admin.alerts.messages makes them); a channel only delivers it.

The intake never sends anything: it has no mail credentials. ``reprisal-admin alerts run`` (a systemd
timer, deploy/systemd/reprisal-alerts.timer) is the only caller.
"""

from __future__ import annotations

import smtplib
import ssl
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

CHANNELS = ("smtp", "command", "none")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
COMMAND_TIMEOUT_SECONDS = 60
SMTP_TIMEOUT_SECONDS = 60


class DeliveryFailed(Exception):
    """The channel could not hand the notification on; the alert is tried again on the next run."""


@dataclass(frozen=True)
class Notification:
    address: str
    subject: str
    body: str


class Channel(Protocol):
    name: str

    def send(self, notification: Notification) -> None: ...


@dataclass
class SmtpChannel:
    host: str
    port: int
    sender: str
    starttls: bool
    username: str | None = None
    password: str | None = None
    name: str = "smtp"

    def message(self, notification: Notification) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = notification.address
        message["Subject"] = notification.subject
        message["Date"] = formatdate(usegmt=True)
        # The sender's domain, not this host's name, in the Message-ID.
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        message.set_content(notification.body)
        return message

    def send(self, notification: Notification) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                smtp.send_message(self.message(notification))
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {type(error).__name__}") from None


@dataclass
class CommandChannel:
    """Runs ``argv + [address]`` with the subject and body on standard input (no shell)."""

    argv: list[str]
    name: str = "command"

    def send(self, notification: Notification) -> None:
        text = f"{notification.subject}\n\n{notification.body}\n"
        try:
            subprocess.run(  # noqa: S603 - the administrator's own command, no shell
                [*self.argv, notification.address],
                input=text,
                text=True,
                capture_output=True,
                timeout=COMMAND_TIMEOUT_SECONDS,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise DeliveryFailed(f"alert command: {type(error).__name__}") from None


def channel_from_config(config: Mapping[str, Any]) -> Channel | None:
    """The configured channel, or None when alerts are off (``ALERT_CHANNEL = "none"``)."""
    kind = config["ALERT_CHANNEL"]
    if kind == "smtp":
        host = config["ALERT_SMTP_HOST"]
        starttls = config["ALERT_SMTP_STARTTLS"]
        password_file = config["ALERT_SMTP_PASSWORD_FILE"]
        return SmtpChannel(
            host=host,
            port=int(config["ALERT_SMTP_PORT"]),
            sender=config["ALERT_SMTP_FROM"],
            # Never in the clear across a network: off only for a relay on this machine.
            starttls=host not in LOOPBACK or bool(starttls),
            username=config["ALERT_SMTP_USERNAME"],
            password=Path(password_file).read_text().strip() if password_file else None,
        )
    if kind == "command":
        return CommandChannel(list(config["ALERT_COMMAND"]))
    return None
