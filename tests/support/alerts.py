"""Alert tests: a channel that keeps what it is given, run settings, and a rota in one call."""

from __future__ import annotations

import datetime
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from admin.alerts import dispatch
from admin.alerts.channels import DeliveryFailed, Notification
from reprisal_intake.models import User, today, utcnow
from reprisal_intake.models.alerts import OnCall
from tests.factories import Account, database

BIN = Path(sys.executable).parent


@dataclass
class RecordingChannel:
    sent: list[Notification] = field(default_factory=list)
    failing: bool = False
    name: str = "recording"

    def send(self, notification: Notification) -> None:
        if self.failing:
            raise DeliveryFailed("recording channel: told to fail")
        self.sent.append(notification)

    def take(self) -> list[tuple[str, str]]:
        """(address, subject) of everything sent since the last take."""
        taken = [(n.address, n.subject) for n in self.sent]
        self.sent.clear()
        return taken


def settings(
    *, ack_minutes: int = 60, triage_days: int = 2, later: datetime.timedelta | None = None
) -> dispatch.RunSettings:
    now = utcnow() + (later or datetime.timedelta())
    return dispatch.RunSettings(
        alerts_url="https://admin.example.org/alerts/",
        ack_window=datetime.timedelta(minutes=ack_minutes),
        triage_days=triage_days,
        now=now,
        today=now.date() if later else today(),
    )


def run(app: Flask, channel: RecordingChannel, **options: object) -> dispatch.RunReport:
    """One ``alerts run`` as the command does it: in an app context, so messages are translated."""
    with app.app_context(), database(app).session() as session:
        return dispatch.run(session, channel, settings(**options))  # type: ignore[arg-type]


def reachable_at(app: Flask, account: Account, address: str, language: str | None = None) -> None:
    with database(app).session() as session:
        user = session.get(User, account.id)
        assert user is not None
        user.alert_address = address
        user.language = language


def put_on_call(
    app: Flask, account: Account, mechanism: str, day: datetime.date | None = None
) -> None:
    day = day or today()
    with database(app).session() as session:
        session.add(OnCall(mechanism_code=mechanism, user_id=account.id, starts=day, ends=day))


def admin_command(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The installed ``reprisal-admin`` with ``args``, as the systemd timer runs it."""
    result = subprocess.run(
        [str(BIN / "reprisal-admin"), *args], capture_output=True, text=True, env=env, check=False
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result
