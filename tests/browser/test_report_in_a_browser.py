"""Real Chromium against the real intake, with JavaScript on, on without WebAssembly, and off."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from tests.support.browser import (
    BIN,
    LiveIntake,
    fill_report,
    open_page,
    open_part,
    shown_codename,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BIG_FILE = 20 * 1024 * 1024


def random_file(size: int, name: str = "evidence.bin") -> tuple[bytes, dict[str, Any]]:
    data = secrets.token_bytes(size)
    return data, {"name": name, "mimeType": "application/octet-stream", "buffer": data}


def samples(data: bytes) -> list[bytes]:
    return [data[:64], data[len(data) // 2 : len(data) // 2 + 64], data[-64:]]


def encrypt_in_browser(browser: Any, live_intake: LiveIntake, wasm: str = "on") -> None:
    phrase = f"BROWSER-{secrets.token_hex(8)} my passport was taken"
    data, upload = random_file(BIG_FILE)
    context, page, traffic = open_page(browser, live_intake, javascript=True, wasm=wasm)
    try:
        page.goto(live_intake.url + "/report")
        if wasm == "absent":
            assert page.evaluate("typeof WebAssembly") == "undefined"
        assert page.is_visible("#js-path-note")
        assert not page.is_visible("#server-path-note")
        fill_report(page, phrase, [upload])
        page.click("button[type=submit]")
        # On a slow or loaded machine the page may first say how long encrypting here will take
        # (tests/browser/test_short_form.py); the person chooses to go on in the browser.
        page.wait_for_selector(
            "#codename, #slow-choice:not([hidden])", state="attached", timeout=180_000
        )
        if page.is_visible("#slow-choice"):
            page.click("#slow-here")
        codename = shown_codename(page)
        assert len(codename.split()) == 10
        assert "encrypted in your browser" in page.inner_text("main")
    finally:
        context.close()
    traffic.assert_same_origin()
    traffic.assert_never_sent(phrase.encode(), codename.encode(), *samples(data))
    assert sum(len(b) for b in traffic.bodies) > BIG_FILE, "the file's ciphertext was not uploaded"
    assert any("/report/uploads/" in u for u in traffic.urls)
    contents = live_intake.decrypted_cases()
    assert any(phrase.encode() in c for c in contents)
    assert data in contents


def test_with_javascript_the_browser_encrypts_and_sends_only_ciphertext(
    chromium: Any, live_intake: LiveIntake
) -> None:
    encrypt_in_browser(chromium, live_intake)


@pytest.mark.parametrize("wasm", ["absent", "refused"])
def test_without_webassembly_the_same_flow_works(
    chromium: Any, live_intake: LiveIntake, wasm: str
) -> None:
    encrypt_in_browser(chromium, live_intake, wasm=wasm)


def test_without_javascript_the_whole_flow_works_including_follow_up(
    chromium: Any, live_intake: LiveIntake
) -> None:
    phrase = f"NOJS-{secrets.token_hex(8)} they came to my house"
    data, upload = random_file(3 * 1024 * 1024)
    context, page, traffic = open_page(chromium, live_intake, javascript=False)
    try:
        page.goto(live_intake.url + "/report")
        assert page.is_visible("#server-path-note")
        fill_report(page, phrase, [upload])
        page.click("button[type=submit]")
        codename = shown_codename(page)
        assert "encrypted on our server" in page.inner_text("main")

        page.click("text=I have written my codename down")
        page.click("main a.button[href$='/followup']")
        page.fill("#codename", codename)
        page.click("button[type=submit]")
        page.wait_for_selector("text=Your report")
        assert "Received" in page.inner_text("main")
        page.fill("#message", f"{phrase} again")
        page.click("text=Encrypt and send")
        page.wait_for_selector("text=was encrypted and stored")
        assert f"{phrase} again" in page.inner_text("main")
        page.click("text=Sign out of my report")
        page.wait_for_url(live_intake.url + "/")
    finally:
        context.close()
    traffic.assert_same_origin()
    contents = live_intake.decrypted_cases()
    assert any(phrase.encode() in c for c in contents)
    assert data in contents
    assert any(c == f"{phrase} again".encode() for c in contents)


def test_if_the_upload_fails_nothing_is_sent_in_the_clear_and_retry_works(
    chromium: Any, live_intake: LiveIntake
) -> None:
    phrase = f"FAIL-{secrets.token_hex(8)}"
    context, page, traffic = open_page(chromium, live_intake, javascript=True)
    try:
        page.route("**/report/commit", lambda route: route.abort())
        page.goto(live_intake.url + "/report")
        fill_report(page, phrase, [])
        page.click("button[type=submit]")
        page.wait_for_selector("#js-failure", state="visible")
        assert "connection failed" in page.inner_text("#js-failure")
        assert page.is_visible("#js-send-plain")
        assert page.query_selector("#codename") is None
        page.unroute("**/report/commit")
        page.click("#js-retry")
        shown_codename(page)
    finally:
        context.close()
    traffic.assert_never_sent(phrase.encode())


@pytest.mark.parametrize("javascript", [True, False])
def test_every_request_of_every_intake_page_stays_on_the_origin(
    chromium: Any, live_intake: LiveIntake, javascript: bool
) -> None:
    context, page, traffic = open_page(chromium, live_intake, javascript=javascript)
    try:
        for path in ["/", "/safety", "/report", "/followup", "/no-such-page"]:
            page.goto(live_intake.url + path)
            page.wait_for_load_state("networkidle")
    finally:
        context.close()
    traffic.assert_same_origin()
    assert any(u.endswith("/static/css/intake.css") for u in traffic.urls)
    if javascript:
        assert any(u.endswith("/static/js/report.js") for u in traffic.urls)


@pytest.mark.parametrize("javascript", [True, False])
def test_names_and_contact_details_are_sealed_apart_from_the_report(
    chromium: Any, live_intake: LiveIntake, javascript: bool
) -> None:
    """Issue 15: on both paths the identity is its own item, which a case-key bundle never holds."""
    phrase = f"SPLIT-{secrets.token_hex(8)} banned from travelling"
    name = f"IDENT-{secrets.token_hex(8)} Amina, +41 79 000 00 00"
    context, page, traffic = open_page(chromium, live_intake, javascript=javascript)
    try:
        page.goto(live_intake.url + "/report")
        fill_report(page, phrase, [])
        open_part(page, "identity")
        page.fill("#identity", name)
        page.click("button[type=submit]")
        shown_codename(page)
        main = page.inner_text("main")
        assert "The focal points can always write to you here, to your codename" in main
    finally:
        context.close()
    if javascript:
        traffic.assert_never_sent(phrase.encode(), name.encode())
    contents = live_intake.decrypted_cases()
    report = next(c for c in contents if phrase.encode() in c)
    assert name.encode() not in report
    assert all(name.encode() not in c for c in contents), "the identity is not in a v1 bundle"
    cases = json.loads(live_intake.run(str(BIN / "reprisal-admin"), "case", "list", "--json"))
    assert any(case["items"] == 2 for case in cases), "report + identity"
