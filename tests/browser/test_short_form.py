"""Issue 18, item 4 in Chromium: folded sections open without JavaScript; with it, the chosen
mechanism is not offered again under "share with"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveIntake
from tests.browser.test_report_in_a_browser import open_page, open_part

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_without_javascript_a_folded_section_opens_and_every_box_is_there(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context, page, _traffic = open_page(chromium, live_intake, javascript=False)
    try:
        page.goto(live_intake.url + "/report")
        assert not page.is_visible("input[name=gender]")
        open_part(page, "gender")
        assert page.is_visible("input[name=gender]")
        page.check("input[name=mechanism][value=CAT]")
        open_part(page, "share_with")
        assert page.is_visible("input[name=share_with][value=CAT]")  # the server ignores it
    finally:
        context.close()


def test_with_javascript_the_chosen_mechanism_is_not_offered_under_share_with(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context, page, _traffic = open_page(chromium, live_intake, javascript=True)
    try:
        page.goto(live_intake.url + "/report")
        open_part(page, "share_with")
        assert page.is_visible("input[name=share_with][value=CAT]")
        page.check("input[name=mechanism][value=CAT]")
        assert not page.is_visible("input[name=share_with][value=CAT]")
        assert page.is_visible("input[name=share_with][value=SPT]")
    finally:
        context.close()
