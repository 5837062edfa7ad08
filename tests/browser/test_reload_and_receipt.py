"""Issue 18 in a real Chromium: reloads store nothing new, the receipt is a dead end until the person
confirms, and codenames in French and Chinese work at follow-up from the English page."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.support.browser import LiveIntake, fill_report, open_page, shown_codename

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ("ar", "zh", "fr", "ru", "es")


def visible_links(page: Any) -> list[str]:
    """The links a person can see and follow on the page."""
    return page.eval_on_selector_all(
        "a[href]",
        "links => links.filter(a => a.offsetParent !== null && !a.closest('[hidden]'))"
        ".map(a => a.getAttribute('href'))",
    )


def leaving(links: list[str], receipt_path: str | None) -> list[str]:
    """Links that lead away from the receipt (its language versions, the skip link and the quick
    exit do not)."""
    allowed = {"#main"}
    if receipt_path:
        allowed |= {receipt_path} | {f"/{code}{receipt_path}" for code in LANGUAGES}
    return [link for link in links if link not in allowed]


def quick_exit(page: Any) -> list[str]:
    return page.eval_on_selector_all("a.quick-exit", "links => links.map(a => a.href)")


def test_without_javascript_reloads_store_nothing_and_the_receipt_is_a_dead_end(
    chromium: Any, live_intake: LiveIntake
) -> None:
    phrase = f"RELOAD-{secrets.token_hex(6)}"
    context, page, traffic = open_page(chromium, live_intake, javascript=False)
    try:
        page.goto(live_intake.url + "/report")
        fill_report(page, phrase, [])
        before = live_intake.stored()
        page.click("button[type=submit]")
        codename = shown_codename(page)
        assert page.url.endswith("/report/received")
        assert live_intake.stored()[0] == before[0] + 1
        exits = set(quick_exit(page))
        assert leaving([u for u in visible_links(page) if u not in exits], "/report/received") == []
        assert page.get_attribute("ol.codename-words", "dir") == "ltr"
        page.click("text=Show the codename as large text")
        assert page.is_visible("#codename")

        for _reload in range(2):
            page.reload()
            assert shown_codename(page) == codename
        assert live_intake.stored()[0] == before[0] + 1

        page.click("text=I have written my codename down")
        page.wait_for_selector("main a.button[href$='/followup']")
        assert page.query_selector("#codename") is None
        page.reload()
        assert page.query_selector("#codename") is None
        assert live_intake.stored()[0] == before[0] + 1

        page.click("main a.button[href$='/followup']")
        page.fill("#codename", codename)
        page.click("button[type=submit]")
        page.wait_for_selector("text=Your report")
        page.fill("#message", f"{phrase} message")
        page.click("text=Encrypt and send")
        page.wait_for_selector("text=was encrypted and stored")
        after_message = live_intake.stored()
        page.reload()
        page.wait_for_selector("text=Your report")
        assert live_intake.stored() == after_message
    finally:
        context.close()
    traffic.assert_same_origin()


def test_with_javascript_the_receipt_holds_the_page_until_confirmed_and_reloads_store_nothing(
    chromium: Any, live_intake: LiveIntake
) -> None:
    phrase = f"JSRELOAD-{secrets.token_hex(6)}"
    context, page, traffic = open_page(chromium, live_intake, javascript=True)
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    try:
        page.goto(live_intake.url + "/report")
        fill_report(page, phrase, [])
        before = live_intake.stored()
        page.click("button[type=submit]")
        codename = shown_codename(page)
        assert "encrypted in your browser" in page.inner_text("main")
        assert live_intake.stored()[0] == before[0] + 1
        exits = set(quick_exit(page))
        assert leaving([u for u in visible_links(page) if u not in exits], None) == []
        assert page.get_attribute("ol.codename-words", "dir") == "ltr"
        assert page.inner_text("ol.codename-words").split() == codename.split()

        page.reload()  # the page asks first; the person insists
        page.wait_for_selector("#report-form")
        assert "beforeunload" in dialogs
        assert live_intake.stored()[0] == before[0] + 1
    finally:
        context.close()
    traffic.assert_never_sent(phrase.encode(), codename.encode())


def test_with_javascript_confirming_opens_the_ways_on(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context, page, _traffic = open_page(chromium, live_intake, javascript=True)
    try:
        page.goto(live_intake.url + "/report")
        fill_report(page, f"CONFIRM-{secrets.token_hex(6)}", [])
        page.click("button[type=submit]")
        shown_codename(page)
        page.click("text=I have written my codename down")
        assert page.query_selector("#codename") is None
        assert "/followup" in visible_links(page)
    finally:
        context.close()


@pytest.mark.parametrize(("language", "javascript", "words"), [("fr", True, 12), ("zh", False, 12)])
def test_a_codename_in_french_or_chinese_works_from_the_english_page(
    chromium: Any, live_intake: LiveIntake, language: str, javascript: bool, words: int
) -> None:
    context, page, _traffic = open_page(chromium, live_intake, javascript=javascript)
    try:
        page.goto(f"{live_intake.url}/{language}/report")
        fill_report(page, f"LANG-{secrets.token_hex(6)}", [])
        page.click("button[type=submit]")
        codename = shown_codename(page)
        assert len(codename.split()) == words
        assert page.get_attribute("#codename", "lang") == language
    finally:
        context.close()
    context, page, _traffic = open_page(chromium, live_intake, javascript=False)
    try:
        page.goto(live_intake.url + "/followup")
        page.fill("#codename", codename)
        page.click("button[type=submit]")
        page.wait_for_selector("text=Your report")
        assert "Sent to" in page.inner_text("main")
    finally:
        context.close()


def test_with_javascript_a_lost_answer_and_a_retry_give_one_case_and_its_codename(
    chromium: Any, live_intake: LiveIntake
) -> None:
    """The commit reaches the server and is stored, but its answer is lost (a dropped circuit):
    "Try again" sends the same commit, stores nothing new and shows the stored case's codename."""
    context, page, _traffic = open_page(chromium, live_intake, javascript=True)
    lost: list[str] = []

    def store_then_drop(route: Any) -> None:
        if not lost:
            route.fetch()  # the server stores the case...
            lost.append(route.request.url)
            route.abort()  # ...and the answer never arrives
        else:
            route.continue_()

    try:
        page.route("**/report/commit", store_then_drop)
        page.goto(live_intake.url + "/report")
        fill_report(page, f"LOST-{secrets.token_hex(6)}", [])
        before = live_intake.stored()[0]
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#js-failure", state="visible", timeout=120_000)
        assert live_intake.stored()[0] == before + 1
        page.click("#js-retry")
        codename = shown_codename(page)
        assert "This report was already received" in page.inner_text("main")
        assert live_intake.stored()[0] == before + 1
    finally:
        context.close()
    context, page, _traffic = open_page(chromium, live_intake, javascript=False)
    try:
        page.goto(live_intake.url + "/followup")
        page.fill("#codename", codename)
        page.click("button[type=submit]")
        page.wait_for_selector("text=Your report")
    finally:
        context.close()
