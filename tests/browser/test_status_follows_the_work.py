"""Status follows the work, in Chromium (issue 17): a risk assessment makes the case
page header suggest "Under assessment", one click moves the case there; closing it lists what stays
open and closes only once the focal point ticks the acknowledgement. axe-core finds no WCAG violation
on the header with its suggestion or on the closing page."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import make_account
from tests.support.browser import LiveIntake, axe
from tests.support.intake import submit
from tests.support.live_admin import LiveAdmin, admin_server, apps_on, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def live_admin(live_intake: LiveIntake) -> Iterator[LiveAdmin]:
    intake, admin = apps_on(live_intake)
    reviewer = make_account(admin, "focal_point", mechanisms=("CAT",), key="app")
    submit(intake.test_client(), what_happened="They summoned me after I met the Committee.")
    with admin_server(live_intake, admin, reviewer) as live:
        yield live


def test_a_suggestion_is_followed_in_one_click_and_closing_asks_to_acknowledge(
    chromium: Any, live_admin: LiveAdmin, axe_source: str
) -> None:
    context = chromium.new_context(bypass_csp=True)  # only so that the test may inject axe
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        page = context.new_page()
        sign_in(page, live_admin)
        page.click("main table a")
        page.select_option("#triage-urgency", "urgent")
        page.click("form[action$='/triage'] button[type=submit]")
        page.select_option("#risk-likelihood", "possible")
        page.select_option("#risk-severity", "serious")
        review = datetime.date.today() + datetime.timedelta(days=14)
        page.fill("#risk-next-review", review.isoformat())
        page.click("form[action$='/risk'] button[type=submit]")

        header = page.inner_text(".case-head")
        assert "A risk assessment was recorded since the status last changed." in header
        found["case page with a suggestion"] = axe(page, axe_source)
        page.click(".suggestions button:has-text('Move to “Under assessment”')")
        assert "Under assessment" in page.inner_text(".case-facts")
        assert page.locator(".suggestions").count() == 0

        page.select_option("#transition-to", "closed")
        page.select_option("#transition-reason", "resolved")
        page.click("form[action$='/transition'] button[type=submit]")
        body = page.inner_text("main")
        assert "The case is not closed yet. Closing it now would leave this open:" in body
        assert f"A next review is set for {review.isoformat()}." in body
        found["closing page"] = axe(page, axe_source)
        page.check("#closing-anyway")
        page.click("main form button:has-text('Close anyway')")
        assert "Closed" in page.inner_text(".case-facts")
    finally:
        context.close()
    assert {name: v for name, v in found.items() if v} == {}
