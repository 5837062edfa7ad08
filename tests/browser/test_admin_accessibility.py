"""WCAG 2.2 AA on the main admin pages, in real Chromium, against the admin app under gunicorn.

axe-core finds no violation on: sign-in, account, case list, a case page with its key unlocked and its
items shown, the audit log, the accounts page and the statistics dashboard (with charts), in English
and in French.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.factories import KEY_PASSPHRASE, Account, make_account
from tests.support.admin import next_code
from tests.support.browser import BIN, ROOT, LiveIntake, axe
from tests.support.intake import submit
from tests.support.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
        return create_intake({"TESTING": True}), create_admin({"TESTING": True})


@pytest.fixture(scope="module")
def live_admin(live_intake: LiveIntake) -> Iterator[LiveAdmin]:
    intake, admin = apps_on(live_intake)
    reviewer = make_account(
        admin,
        "focal_point",
        "coordinator",
        "administrator",
        "auditor",
        mechanisms=("CAT",),
        key="app",
    )
    submit(
        intake.test_client(),
        what_happened="They summoned me after I met the Committee.",
        state="BY",
        acts=["summons"],
        consent_statistics="granted",
    )
    port = free_port()
    env = {**live_intake.env, "REPRISAL_ADMIN_BIND": f"127.0.0.1:{port}"}
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
    page.goto(admin.url + "/signin")
    page.fill("#username", admin.reviewer.username)
    page.fill("#password", admin.reviewer.password)
    page.click("main button[type=submit]")
    page.fill("#code", next_code(admin.app, admin.reviewer))
    page.click("form[action^='/signin/verify'] button[type=submit]")
    page.wait_for_url("**/cases/")


def test_axe_finds_no_wcag_violation_on_the_main_admin_pages(
    chromium: Any, live_admin: LiveAdmin, axe_source: str
) -> None:
    context = chromium.new_context(bypass_csp=True)  # only so that the test may inject axe
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        page = context.new_page()
        page.goto(live_admin.url + "/signin")
        found["sign-in"] = axe(page, axe_source)
        sign_in(page, live_admin)
        found["case list"] = axe(page, axe_source)
        page.goto(live_admin.url + "/account/")
        found["account"] = axe(page, axe_source)
        page.fill("#unlock-passphrase", KEY_PASSPHRASE)
        page.click("form[action^='/account/key/unlock'] button[type=submit]")
        page.goto(live_admin.url + "/cases/")
        page.click("main table a")
        page.wait_for_selector("dl.answers")
        assert "They summoned me" in page.inner_text("main")
        found["case page (unlocked, with items)"] = axe(page, axe_source)
        page.click("#statistics button[type=submit]")  # save the coding prefilled from the report
        page.wait_for_selector("#statistics")
        for name, path in [
            ("audit log", "/audit/"),
            ("accounts", "/users/"),
            ("statistics dashboard", "/statistics/"),
        ]:
            page.goto(live_admin.url + path)
            found[name] = axe(page, axe_source)
        assert page.locator("svg[role=img]").count() >= 3
        page.goto(live_admin.url + "/language/fr?next=/statistics/")
        assert page.get_attribute("html", "lang") == "fr"
        found["statistics dashboard (French)"] = axe(page, axe_source)
        page.goto(live_admin.url + "/account/")
        found["account (French)"] = axe(page, axe_source)
    finally:
        context.close()
    problems = {name: v for name, v in found.items() if v}
    assert problems == {}, problems
    assert len(found) == 9


def test_the_dashboards_charts_pass_its_content_security_policy_without_any_script(
    chromium: Any, live_admin: LiveAdmin
) -> None:
    """The browser enforces the page's CSP (no bypass here): each chart's <style> is allowed by its
    hash, and nothing is refused."""
    context = chromium.new_context()
    refused: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: refused.append(message.text))
        sign_in(page, live_admin)
        response = page.goto(live_admin.url + "/statistics/")
        assert response is not None
        assert "script-src" not in response.headers["content-security-policy"]
        assert page.locator("svg[role=img]").count() >= 1
        # The bars take their colour from the chart's <style>, refused without its hash.
        fill = page.evaluate(
            "getComputedStyle(document.querySelector('svg.pygal-chart rect.rect')).fill"
        )
        assert fill == "rgb(76, 44, 146)"
    finally:
        context.close()
    assert [m for m in refused if "Content Security Policy" in m] == []
