"""Issue 18, item 4 in Chromium: folded sections open without JavaScript; with it, the chosen
mechanism is not offered again under "share with"."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveIntake,
    fill_report,
    open_page,
    open_part,
    shown_codename,
)

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


def test_with_javascript_answers_to_fix_are_shown_on_their_fields_and_nothing_is_sent(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context, page, traffic = open_page(chromium, live_intake, javascript=True)
    try:
        page.goto(live_intake.url + "/report")
        fill_report(page, "   ", [])
        open_part(page, "when")
        page.fill("#when", "x" * 301)
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#js-errors", state="visible")
        summary = page.inner_text("#js-errors")
        assert "Tell us what happened, in your own words." in summary
        assert "at most 300 characters" in summary
        assert page.get_attribute("#what_happened", "aria-invalid") == "true"
        assert "what_happened-error" in (page.get_attribute("#what_happened", "aria-describedby"))
        assert page.is_visible("#when-error")
        assert not any("/report/commit" in u or "/report/keys" in u for u in traffic.urls)
        # Fixed, the errors go and the report is sent.
        page.fill("#what_happened", "They took my passport.")
        page.fill("#when", "May")
        page.click("#report-form button[type=submit]")
        shown_codename(page)
    finally:
        context.close()


def test_with_javascript_a_refusal_naming_a_field_is_shown_on_it(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context, page, _traffic = open_page(chromium, live_intake, javascript=True)
    try:
        page.route(
            "**/report/commit",
            lambda route: route.fulfill(
                status=400,
                content_type="application/json",
                body='{"error": "invalid", "detail": "urgency is not known"}',
            ),
        )
        page.goto(live_intake.url + "/report")
        fill_report(page, "REFUSED", [])
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#urgency-error", state="visible")
        assert "Tell us how urgent it is." in page.inner_text("#js-errors")
        assert "Some answers need fixing" in page.inner_text("#js-failure")
    finally:
        context.close()


def test_the_hint_about_the_browser_shows_unless_it_looks_like_tor_browser_at_safer(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context, page, _traffic = open_page(chromium, live_intake, javascript=True)
    try:
        page.goto(live_intake.url + "/report")
        assert page.is_visible("#browser-hint")  # Chromium, with WebAssembly
    finally:
        context.close()
    context = chromium.new_context(
        user_agent="Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
    )
    context.add_init_script("delete globalThis.WebAssembly;")
    try:
        page = context.new_page()
        page.goto(live_intake.url + "/report")
        assert page.is_visible("#js-path-note")
        assert not page.is_visible("#browser-hint")
    finally:
        context.close()


def test_without_a_jit_a_large_file_gets_an_estimate_first_and_the_server_path_is_offered(
    playwright: Any, live_intake: LiveIntake
) -> None:
    """Chromium --jitless (no JIT, no WebAssembly, as Tor Browser at "Safer"): a 20 MiB file."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--js-flags=--jitless"]
    )
    try:
        context = browser.new_context()
        page = context.new_page()
        urls: list[str] = []
        page.on("request", lambda request: urls.append(request.url))
        page.goto(live_intake.url + "/report")
        data = secrets.token_bytes(20 * 1024 * 1024)
        fill_report(
            page,
            f"SLOW-{secrets.token_hex(4)}",
            [{"name": "big.bin", "mimeType": "application/octet-stream", "buffer": data}],
        )
        # Whether 20 MiB takes more than 30 s depends on this machine's speed and load: pause above
        # one second, so the test shows the estimate and the server path on any machine.
        page.eval_on_selector("#report-form", "form => { form.dataset.pauseAboveSeconds = '1'; }")
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#slow-choice", state="visible", timeout=120_000)
        estimate = page.inner_text("#slow-estimate")
        assert re.search(r"about \d+ (seconds|minutes)", estimate), estimate
        assert "stored encrypted either way" in page.inner_text("#slow-choice")
        assert not any("/report/uploads" in u or "/report/keys" in u for u in urls)
        page.click("#slow-server")
        codename = shown_codename(page)
        assert codename
        assert "encrypted on our server" in page.inner_text("main")
        context.close()
    finally:
        browser.close()
    assert data in live_intake.decrypted_cases()


def test_the_crypto_code_is_fetched_only_when_the_person_sends(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context = chromium.new_context()
    sizes: list[int] = []
    urls: list[str] = []

    def finished(request: Any) -> None:
        urls.append(request.url)
        size = request.sizes()
        sizes.append(size["responseBodySize"] + size["responseHeadersSize"])

    try:
        page = context.new_page()
        page.on("requestfinished", finished)
        page.goto(live_intake.url + "/report")
        page.wait_for_load_state("networkidle")
        fill_report(page, f"LIGHT-{secrets.token_hex(4)}", [])
        assert not any("libsodium" in u or "rptenv" in u for u in urls)
        assert sum(sizes) <= 150_000, sum(sizes)
        page.click("#report-form button[type=submit]")
        shown_codename(page)
        assert any(u.endswith("/static/vendor/libsodium/libsodium.js") for u in urls)
    finally:
        context.close()
