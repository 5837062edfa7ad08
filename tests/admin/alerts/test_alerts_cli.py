"""``reprisal-admin alerts``: the rota and addresses, the command hook, and a run with alerts off or an
unreachable mail server, through the installed command."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pytest

from tests.factories import make_account
from tests.support.alerts import admin_command
from tests.support.intake import submit

pytestmark = pytest.mark.slow

HOOK = """
import pathlib, sys
pathlib.Path(sys.argv[1]).write_text(sys.argv[2] + "\\n" + sys.stdin.read())
"""


def _accounts(instance: dict[str, str]) -> tuple[str, str]:
    from admin import create_app

    admin_command(instance, "init")
    app = create_app()
    focal_point = make_account(app, "focal_point", mechanisms=("CAT",), key="offline")
    coordinator = make_account(app, "coordinator")
    return focal_point.username, coordinator.username


def _immediate_report() -> None:
    from reprisal_intake import create_app

    assert (
        submit(create_app({"TESTING": True}).test_client(), urgency="immediate").status_code == 200
    )


def test_the_rota_refuses_what_cannot_work_and_lists_what_can(instance: dict[str, str]) -> None:
    focal_point, coordinator = _accounts(instance)
    today = datetime.date.today()
    week = (today + datetime.timedelta(days=6)).isoformat()

    def rota_add(*args: str):  # type: ignore[no-untyped-def]
        return admin_command(instance, "alerts", "rota", "add", *args, check=False)

    refused = rota_add("CAT", coordinator, "--from", today.isoformat(), "--to", week)
    assert refused.returncode == 2 and f"{coordinator} is not a focal point" in refused.stderr
    refused = rota_add("NOPE", focal_point, "--from", today.isoformat(), "--to", week)
    assert refused.returncode == 2 and "no mechanism NOPE" in refused.stderr
    refused = rota_add("CAT", focal_point, "--from", week, "--to", today.isoformat())
    assert refused.returncode == 2 and "--to is before --from" in refused.stderr
    refused = rota_add("CAT", "nobody", "--from", today.isoformat(), "--to", week)
    assert refused.returncode == 2 and "no account nobody" in refused.stderr
    bad = admin_command(instance, "alerts", "address", focal_point, "not an address", check=False)
    assert bad.returncode == 2 and "is not an e-mail address" in bad.stderr

    assert (
        "Nobody is on call from today on."
        in admin_command(instance, "alerts", "rota", "list").stdout
    )
    added = rota_add("cat", focal_point, "--from", today.isoformat(), "--to", week)
    assert added.returncode == 0
    assert "no alert address yet" in added.stdout
    listing = admin_command(instance, "alerts", "rota", "list").stdout
    assert f"CAT\t{focal_point}\t{today.isoformat()}\t{week}" in listing


def test_the_command_hook_gets_the_address_and_the_content_free_text(
    instance: dict[str, str], tmp_path: Path
) -> None:
    focal_point, _coordinator = _accounts(instance)
    out = tmp_path / "hook-output"
    hook = tmp_path / "hook.py"
    hook.write_text(HOOK)
    day = datetime.date.today().isoformat()
    admin_command(instance, "alerts", "address", focal_point, "pager-7@example.org")
    admin_command(instance, "alerts", "rota", "add", "CAT", focal_point, "--from", day, "--to", day)
    _immediate_report()
    env = {
        **instance,
        "REPRISAL_ALERT_COMMAND": f"{sys.executable} {hook} {out}",
        "REPRISAL_ADMIN_URL": "https://admin.example.org",
    }
    result = admin_command(env, "alerts", "run")
    assert "Sent 1 alert(s)" in result.stdout
    assert out.read_text() == (
        "pager-7@example.org\n"
        "A new immediate-risk case for CAT\n\n"
        "A new immediate-risk case for CAT.\n\n"
        "Sign in to acknowledge it: https://admin.example.org/alerts/\n\n"
    )


def test_alerts_off_and_an_unreachable_server_say_so(instance: dict[str, str]) -> None:
    focal_point, _coordinator = _accounts(instance)
    day = datetime.date.today().isoformat()
    admin_command(instance, "alerts", "address", focal_point, "fp@example.org")
    admin_command(instance, "alerts", "rota", "add", "CAT", focal_point, "--from", day, "--to", day)
    _immediate_report()
    off = admin_command(instance, "alerts", "run")
    assert "Alerts are off (REPRISAL_ALERT_CHANNEL is none): nothing sent." in off.stdout

    from tests.support.servers import free_port

    env = {
        **instance,
        "REPRISAL_ALERT_SMTP_HOST": "127.0.0.1",
        "REPRISAL_ALERT_SMTP_PORT": str(free_port()),
    }
    failed = admin_command(env, "alerts", "run", check=False)
    assert failed.returncode == 1
    assert "Sent 0 alert(s)" in failed.stdout
    assert "Not delivered (tried again next run): SMTP 127.0.0.1" in failed.stderr
