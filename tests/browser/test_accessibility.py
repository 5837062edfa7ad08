"""WCAG 2.2 AA for every intake page in every UN language, in real Chromium.

* axe-core (a pinned npm devDependency, injected by the test only) finds no WCAG 2.0/2.1/2.2 A or AA
  violation on any page, in any of the six languages, in each state a person meets: landing, safety,
  report form, report form with errors, receipt (without and with JavaScript), follow-up start,
  follow-up case page with the consent form open, and an error page.
* A report can be sent with the keyboard alone (Tab, Space, Enter), with JavaScript off and on.
* No page scrolls sideways on a 320-pixel-wide screen or at 200% zoom, in any language.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from reprisal_intake.web.templating import LANGUAGES
from tests.support.browser import LiveIntake, axe, shown_codename

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NO_JS_SUBMIT = "**/static/js/report.js"
CODENAME_WORDS = re.compile(r"^\S+( \S+){9}(( \S+){2})?$")  # 10 English words, or 12


def prefix(language: str) -> str:
    return "" if language == "en" else f"/{language}"


def fill_required(page: Any, what_happened: str) -> None:
    page.check("input[name=mechanism][value=CAT]")
    page.fill("#what_happened", what_happened)
    page.check("input[name=urgency][value=urgent]")
    page.check("input[name=submitter_role][value=victim]")
    page.check("#consent_store_assess")
    page.check("input[name=consent_given_by][value=victim]")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_axe_finds_no_wcag_violation_on_any_intake_page(
    chromium: Any, live_intake: LiveIntake, axe_source: str, language: str
) -> None:
    base = live_intake.url + prefix(language)
    # The pages forbid inline scripts (CSP); only this test's context may inject axe.
    context = chromium.new_context(bypass_csp=True)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        page = context.new_page()

        def check(name: str) -> None:
            lang = page.get_attribute("html", "lang")
            assert lang == LANGUAGES[language][1], (name, lang)
            found[name] = axe(page, axe_source)

        for name, path in [
            ("landing", "/"),
            ("safety", "/safety"),
            ("report form", "/report"),
            ("follow-up start", "/followup"),
        ]:
            page.goto(base + path)
            check(name)
        response = page.goto(base + "/no-such-page")
        assert response.status == 404
        check("error page")

        # Without JavaScript encryption (report.js blocked), as in Tor Browser at "Safest".
        page.route(NO_JS_SUBMIT, lambda route: route.abort())
        page.goto(base + "/report")
        fill_required(page, "   ")  # blank to the server, not to the browser's own check
        page.click("button[type=submit]")
        page.wait_for_selector("#error-summary")
        check("report form with errors")
        page.fill("#what_happened", "They took my passport at the airport.")
        page.check("#consent_store_assess")
        page.click("button[type=submit]")
        codename = shown_codename(page)
        page.evaluate("document.querySelector('details.codename-large').open = true")
        check("receipt")
        assert CODENAME_WORDS.match(codename)
        page.click("form.confirm-codename button[type=submit]")
        page.wait_for_selector("main a.button")
        check("receipt, after confirming")

        page.goto(base + "/followup")
        page.fill("#codename", codename)
        page.click("button[type=submit]")
        page.wait_for_selector("details")
        page.evaluate("document.querySelector('details').open = true")
        check("follow-up case page")
        page.unroute(NO_JS_SUBMIT)

        # With JavaScript: the receipt is built in the page from its translated <template>.
        page.goto(base + "/report")
        fill_required(page, "They summoned me after I spoke to the committee.")
        page.click("button[type=submit]")
        shown_codename(page)
        page.evaluate("document.querySelector('details.codename-large').open = true")
        check("receipt (JavaScript)")
        page.click("[data-slot=confirm]")
        check("receipt (JavaScript), after confirming")
    finally:
        context.close()
    problems = {name: v for name, v in found.items() if v}
    assert problems == {}, f"{language}: {problems}"
    assert len(found) == 11


def tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def focus_is_visible(page: Any) -> bool:
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    return style[0] != "none" and style[1] != "0px" and style[2] != "none"


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_a_report_can_be_sent_with_the_keyboard_alone(
    chromium: Any, live_intake: LiveIntake, javascript: bool
) -> None:
    context = chromium.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(live_intake.url + "/fr/")
        # From the start page, by keyboard only: the skip link, then the report link.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('skip')")
        assert focus_is_visible(page)
        tab_to(page, "main a[href='/fr/report']")
        assert focus_is_visible(page)
        page.keyboard.press("Enter")
        page.wait_for_url("**/fr/report")

        tab_to(page, "input[name=mechanism]")  # CAT, the only mechanism with a focal point
        page.keyboard.press("Space")
        tab_to(page, "#what_happened")
        assert focus_is_visible(page)
        page.keyboard.type("Ils ont confisqué mon passeport à l'aéroport.")
        tab_to(page, "input[name=urgency]")
        page.keyboard.press("Space")
        tab_to(page, "input[name=submitter_role]")
        page.keyboard.press("Space")
        tab_to(page, "#consent_store_assess")
        page.keyboard.press("Space")
        tab_to(page, "input[name=consent_given_by]")
        page.keyboard.press("Space")
        tab_to(page, "#report-form button[type=submit]")
        assert focus_is_visible(page)
        page.keyboard.press("Enter")
        codename = shown_codename(page)
        main = page.inner_text("main")
        assert "Votre signalement a été reçu" in main
        assert CODENAME_WORDS.match(codename)
        if javascript:
            assert "chiffré dans votre navigateur" in main
            # The script moves the focus to the receipt's heading, so a screen reader reads it.
            assert page.evaluate("document.activeElement.tagName") == "H1"
        else:
            assert "chiffré sur notre serveur" in main
    finally:
        context.close()


def test_form_errors_are_announced_and_linked_to_their_fields(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_intake.url + "/ar/report")
        fill_required(page, "   ")
        page.uncheck("#consent_store_assess")
        page.evaluate("document.getElementById('consent_store_assess').required = false")
        page.click("button[type=submit]")
        summary = page.locator("#error-summary")
        assert summary.get_attribute("role") == "alert"
        links = summary.locator("a").all()
        assert len(links) == 2
        for link in links:
            target = link.get_attribute("href")
            assert target is not None and target.startswith("#")
            field = page.locator(target)
            assert field.count() == 1
            described = field.get_attribute("aria-describedby") or ""
            assert field.get_attribute("aria-invalid") == "true"
            error_id = target[1:] + "-error"
            assert error_id in described.split()
            # The error is said in words ("Error:"), not only shown in red.
            assert page.locator(f"#{error_id}").inner_text().startswith("خطأ:")
        # Following a link moves the focus to the field.
        links[0].focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == links[0].get_attribute("href")[1:]
    finally:
        context.close()


@pytest.mark.parametrize(
    ("width", "scale"), [(320, 1), (640, 2)], ids=["320px-wide", "200%-zoom-on-1280px"]
)
def test_no_page_scrolls_sideways_on_a_small_screen_or_at_200_percent_zoom(
    chromium: Any, live_intake: LiveIntake, width: int, scale: int
) -> None:
    context = chromium.new_context(
        viewport={"width": width, "height": 640}, device_scale_factor=scale
    )
    wide = []
    try:
        page = context.new_page()
        for language in LANGUAGES:
            for path in ["/", "/safety", "/report", "/followup", "/no-such-page"]:
                page.goto(live_intake.url + prefix(language) + path)
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width:
                    wide.append((language, path, scroll_width))
    finally:
        context.close()
    assert wide == []
