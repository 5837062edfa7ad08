"""A local SMTP server for the alert tests (aiosmtpd on 127.0.0.1, a free port), keeping what it
receives in memory."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.servers import free_port


@dataclass
class Received:
    recipients: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(list(envelope.rcpt_tos), envelope.content, message))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()
