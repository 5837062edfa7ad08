"""A focal point reads a case in Chromium: the report comes first, in words, and neither the case page
nor the audit log shows an internal code or JSON (issue 17).

Set REPRISAL_SCREENSHOTS to a folder to keep desktop and 390 px screenshots of the case page, the
case list and the audit log."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import KEY_PASSPHRASE, make_account
from tests.support.browser import LiveIntake, axe
from tests.support.intake import submit
from tests.support.live_admin import LiveAdmin, admin_server, apps_on, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPORT_TEXT = "They summoned me after I met the Committee."
IDENTITY_TEXT = "Amina K., reachable through her lawyer"
RISK_TEXT = "The officer named her brother."
NOTE_TEXT = "Called the lawyer; she confirms the summons."

# snake_case codes ("not_urgent", "age_band", "30_59"), "form version", raw JSON.
CODE_WORD = re.compile(r"\b\w+_\w+\b")
CODE_PHRASES = ("form version", "state BY", "age band", "Note 0", "Report 0")


def code_words(text: str) -> list[str]:
    found = CODE_WORD.findall(text)
    found += [brace for brace in "{}" if brace in text]
    found += [phrase for phrase in CODE_PHRASES if phrase in text]
    return found


@pytest.fixture(scope="module")
def live_admin(live_intake: LiveIntake) -> Iterator[LiveAdmin]:
    intake, admin = apps_on(live_intake)
    reviewer = make_account(admin, "focal_point", "auditor", mechanisms=("CAT",), key="app")
    submit(
        intake.test_client(),
        what_happened=REPORT_TEXT,
        state="BY",
        acts=["summons"],
        age_band="30_59",
        in_detention="no",
        identity=IDENTITY_TEXT,
        consent_statistics="granted",
    )
    with admin_server(live_intake, admin, reviewer) as live:
        yield live


def overflow(page: Any) -> dict[int, int]:
    """The page's width at 320 and 390 px where it is wider than the screen."""
    wider = {}
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wider[width] = scroll_width
    page.set_viewport_size({"width": 1280, "height": 900})
    return wider


def screenshots(page: Any, name: str) -> None:
    folder = os.environ.get("REPRISAL_SCREENSHOTS")
    if not folder:
        return
    for width, label in ((1280, "desktop"), (390, "390px")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_focal_point_reads_the_report_first_in_words(
    chromium: Any, live_admin: LiveAdmin
) -> None:
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_admin)
        page.goto(live_admin.url + "/account/")
        page.fill("#unlock-passphrase", KEY_PASSPHRASE)
        page.click("form[action^='/account/key/unlock'] button[type=submit]")
        page.goto(live_admin.url + "/cases/")
        screenshots(page, "case-list")
        wider = {"case list": overflow(page)}
        page.click("main table a")
        case_url = page.url
        # Some case work, so the timeline has a colleague's words in it.
        page.select_option("#risk-likelihood", "likely")
        page.select_option("#risk-severity", "serious")
        page.fill("#risk-next-review", "2030-01-15")
        page.fill("#risk-threat-source", RISK_TEXT)
        page.click("form[action$='/risk'] button[type=submit]")
        page.goto(case_url)
        page.fill("#note-text", NOTE_TEXT)
        page.click("form[action$='/note'] button[type=submit]")
        page.goto(live_admin.url + "/audit/")
        screenshots(page, "audit-log")
        audit = page.inner_text("main")
        wider["audit log"] = overflow(page)
        page.goto(case_url)
        screenshots(page, "case-page")
        wider["case page"] = overflow(page)

        main = page.inner_text("main")
        # Every block a person or a colleague wrote, and every box to write one, follows its script.
        written = "main .submitted, main textarea"
        assert page.locator(written).count() >= 4
        assert page.locator(f":is({written}):not([dir=auto])").count() == 0
        assert REPORT_TEXT in main and IDENTITY_TEXT in main and NOTE_TEXT in main
        assert "Belarus" in main and "30 to 59" in main
        assert main.count(RISK_TEXT) == 1, "a risk text is shown once, not again as a note"
        assert code_words(main) == []

        # By position: the report's words come before the first action form.
        report_top = page.locator(f"main :text('{REPORT_TEXT}')").first.bounding_box()["y"]
        first_form_top = page.locator("main form[method=post]").first.bounding_box()["y"]
        assert report_top < first_form_top
        # The identity is set apart from the rest of the report.
        assert IDENTITY_TEXT in page.inner_text("#identity")
        # The new risk assessment starts from the last one.
        assert page.input_value("#risk-threat-source") == RISK_TEXT
        assert page.input_value("#risk-likelihood") == "likely"

        assert code_words(audit) == []
        assert wider == {"case list": {}, "audit log": {}, "case page": {}}
    finally:
        context.close()


def test_axe_finds_no_violation_on_the_case_page_and_the_audit_pages(
    chromium: Any, live_admin: LiveAdmin, axe_source: str
) -> None:
    context = chromium.new_context(bypass_csp=True)  # only so that the test may inject axe
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        page = context.new_page()
        sign_in(page, live_admin)
        found["case list"] = axe(page, axe_source)
        page.goto(live_admin.url + "/account/")
        page.fill("#unlock-passphrase", KEY_PASSPHRASE)
        page.click("form[action^='/account/key/unlock'] button[type=submit]")
        page.goto(live_admin.url + "/cases/")
        page.click("main table a")
        page.wait_for_selector("#report")
        ref = page.url.rstrip("/").rsplit("/", 1)[1]
        found["case page"] = axe(page, axe_source)
        for name, path in [
            ("audit log", "/audit/"),
            ("audit log, filtered", f"/audit/?case={ref}&action=case_read"),
            ("who has read what", f"/audit/cases/{ref}"),
        ]:
            page.goto(live_admin.url + path)
            found[name] = axe(page, axe_source)
        page.goto(live_admin.url + f"/language/fr?next=/audit/cases/{ref}")
        found["who has read what (French)"] = axe(page, axe_source)
        page.goto(live_admin.url + f"/cases/{ref}")
        found["case page (French)"] = axe(page, axe_source)
    finally:
        context.close()
    assert {name: v for name, v in found.items() if v} == {}
    assert len(found) == 7
