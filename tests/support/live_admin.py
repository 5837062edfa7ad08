"""The admin app under gunicorn on the live intake's instance and database, for browser tests."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.factories import ORG_PUBLIC_KEY, Account
from tests.support.admin import next_code
from tests.support.browser import BIN, ROOT, LiveIntake
from tests.support.servers import free_port


@dataclass
class LiveAdmin:
    url: str
    app: Flask
    reviewer: Account


def apps_on(live_intake: LiveIntake) -> tuple[Flask, Flask]:
    """The intake and admin apps in this process, on the live servers' instance and database."""
    from admin import create_app as create_admin
    from reprisal_intake import create_app as create_intake

    with pytest.MonkeyPatch.context() as env:
        env.setenv("REPRISAL_INSTANCE_PATH", live_intake.env["REPRISAL_INSTANCE_PATH"])
        # The live deployment's organisation key and the factories' one, so that both the live
        # reader and the accounts made with tests.factories are certified readers here.
        pinned = (
            f"{live_intake.env['REPRISAL_ORG_PUBLIC_KEYS']},{b64encode(ORG_PUBLIC_KEY).decode()}"
        )
        env.setenv("REPRISAL_ORG_PUBLIC_KEYS", pinned)
        return create_intake({"TESTING": True}), create_admin({"TESTING": True})


@contextmanager
def admin_server(live_intake: LiveIntake, admin: Flask, reviewer: Account) -> Iterator[LiveAdmin]:
    port = free_port()
    # The same pinned organisation keys as the apps of ``apps_on``: the accounts made with
    # tests.factories are certified readers of the live admin too (it seals the internal record to
    # certified readers only).
    pinned = f"{live_intake.env['REPRISAL_ORG_PUBLIC_KEYS']},{b64encode(ORG_PUBLIC_KEY).decode()}"
    env = {
        **live_intake.env,
        "REPRISAL_ADMIN_BIND": f"127.0.0.1:{port}",
        "REPRISAL_ORG_PUBLIC_KEYS": pinned,
    }
    log = (live_intake.folder / "gunicorn-admin.log").open("wb")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "deploy/gunicorn/admin.conf.py"),
            "admin:create_app()",
        ],
        env=env,
        cwd=live_intake.folder,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/signin", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn (admin) did not start")
        yield LiveAdmin(url, admin, reviewer)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def sign_in(page: Any, admin: LiveAdmin) -> None:
    sign_in_as(page, admin, admin.reviewer)
    page.wait_for_url("**/cases/")


def password_step(page: Any, admin: LiveAdmin, account: Account) -> None:
    """The sign-in form, up to the second-step page."""
    page.goto(admin.url + "/signin")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/signin/verify**")


def sign_in_as(page: Any, admin: LiveAdmin, account: Account) -> None:
    password_step(page, admin, account)
    page.fill("#code", next_code(admin.app, account))
    page.click("form[action^='/signin/verify'] button[type=submit]")
    page.wait_for_load_state()
