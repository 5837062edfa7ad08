"""Done when (issue 16): a local SMTP server, an immediate-risk report through the intake, one
content-free notification to the on-call focal point from the installed ``reprisal-admin alerts run``,
then an escalation to the coordinator when nobody acknowledges it, and nothing more after that."""

from __future__ import annotations

import datetime
import re
import secrets

import pytest

from tests.factories import make_account
from tests.support.alerts import admin_command
from tests.support.intake import CODENAME, submit
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.slow


def test_an_immediate_risk_report_alerts_the_on_call_focal_point_then_the_coordinator(
    instance: dict[str, str],
) -> None:
    from admin import create_app as create_admin_app
    from reprisal_intake import create_app as create_intake_app

    admin_command(instance, "init")
    admin_app = create_admin_app()
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    coordinator = make_account(admin_app, "coordinator")
    make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline", username="offduty")
    day = datetime.date.today().isoformat()
    admin_command(instance, "alerts", "address", focal_point.username, "fp@example.org")
    admin_command(instance, "alerts", "address", "offduty", "off@example.org")
    admin_command(instance, "alerts", "address", coordinator.username, "coord@example.org")
    admin_command(
        instance, "alerts", "rota", "add", "CAT", focal_point.username, "--from", day, "--to", day
    )

    phrase = f"UNIQUE-{secrets.token_hex(6)} they took him from the airport to an unknown place"
    intake = create_intake_app({"TESTING": True})
    receipt = submit(intake.test_client(), urgency="immediate", what_happened=phrase)
    assert receipt.status_code == 200
    match = CODENAME.search(receipt.get_data(as_text=True))
    assert match
    codename = match.group(1)
    listed = admin_command(instance, "case", "list").stdout
    ref = listed.split("\t", 1)[0]

    with smtp_server() as (port, mailbox):
        env = {
            **instance,
            "REPRISAL_ALERT_SMTP_HOST": "127.0.0.1",
            "REPRISAL_ALERT_SMTP_PORT": str(port),
            "REPRISAL_ALERT_SMTP_FROM": "alerts@reprisals.example.org",
            "REPRISAL_ADMIN_URL": "https://admin.example.org",
            "REPRISAL_ALERT_ACK_MINUTES": "0",
        }
        first = admin_command(env, "alerts", "run")
        assert "Sent 1 alert(s) to on-call focal points, 0 to coordinators" in first.stdout
        assert [m.recipients for m in mailbox.received] == [["fp@example.org"]]
        alert = mailbox.received[0].message
        assert alert["Subject"] == "A new immediate-risk case for CAT"
        assert alert.get_content().replace("\r\n", "\n") == (
            "A new immediate-risk case for CAT.\n\n"
            "Sign in to acknowledge it: https://admin.example.org/alerts/\n"
        )

        # Not acknowledged within the window (0 minutes here): the coordinator is told, once.
        second = admin_command(env, "alerts", "run")
        assert "Sent 0 alert(s) to on-call focal points, 1 to coordinators" in second.stdout
        assert [m.recipients for m in mailbox.received[1:]] == [["coord@example.org"]]
        escalation = mailbox.received[1].message
        assert escalation["Subject"] == "Not acknowledged: an immediate-risk case for CAT"

        third = admin_command(env, "alerts", "run")
        assert "Sent 0 alert(s) to on-call focal points, 0 to coordinators" in third.stdout
        assert len(mailbox.received) == 2

    for received in mailbox.received:
        raw = received.raw.decode()
        for secret in (phrase, phrase.split()[0], codename, ref, ref.replace("-", "")):
            assert secret not in raw
        words = set(re.findall(r"[a-z]{4,}", raw.lower()))
        assert not words & {"airport", "unknown", "place"}, "words of the report in a notification"
