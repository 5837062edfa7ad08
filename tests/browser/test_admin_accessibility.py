"""WCAG 2.2 AA on the main admin pages, in real Chromium, against the admin app under gunicorn.

axe-core finds no violation on: sign-in, account, case list, a case page with its key unlocked and its
items shown, the audit log, the accounts page and the statistics dashboard (with charts), in English
and in French.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import KEY_PASSPHRASE, make_account
from tests.support.browser import LiveIntake, axe
from tests.support.intake import submit
from tests.support.live_admin import LiveAdmin, admin_server, apps_on, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
    with admin_server(live_intake, admin, reviewer) as live:
        yield live


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
