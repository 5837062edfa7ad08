"""Chromium with JavaScript on (and jitless): the browser seals only to keys the organisation signed.

A key stored straight into the database receives no stanza, and when the server offers a key whose
record does not verify against the pinned organisation key (none, expired, another key's, signed by
another organisation key), the browser encrypts and sends nothing and says why (issue 14).
"""

from __future__ import annotations

import base64
import datetime
import json
import sqlite3
from typing import Any

import nacl.signing
import pytest

from crypto.errors import NotARecipientError
from crypto.keys import generate_keypair, open_case_key
from crypto.orgkey import load_org_key
from crypto.records import sign_reader
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveIntake,
    fill_report,
    open_page,
    shown_codename,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TODAY = datetime.datetime.now(datetime.UTC).date()
UNSIGNED_MESSAGE = "could not confirm that every key it would encrypt to is certified"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def jitless(playwright):  # type: ignore[no-untyped-def]
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--js-flags=--jitless"]
    )
    yield browser
    browser.close()


def database(intake: LiveIntake) -> sqlite3.Connection:
    return sqlite3.connect(intake.folder / "instance" / "reprisal.sqlite3")


def stanzas_by_case(intake: LiveIntake) -> dict[str, list[bytes]]:
    with database(intake) as db:
        rows = db.execute("SELECT case_ref, sealed_case_key FROM access_stanzas").fetchall()
    found: dict[str, list[bytes]] = {}
    for ref, stanza in rows:
        found.setdefault(ref, []).append(bytes(stanza))
    return found


def opens(stanzas: list[bytes], key: Any) -> bool:
    try:
        open_case_key(stanzas, key)
    except NotARecipientError:
        return False
    return True


def send_with_javascript(browser: Any, intake: LiveIntake) -> Any:
    context, page, traffic = open_page(browser, intake, javascript=True)
    page.goto(intake.url + "/report")
    fill_report(page, "A report for the certified readers only", [])
    page.click("button[type=submit]")
    return context, page, traffic


def test_a_key_stored_straight_into_the_database_gets_no_stanza_from_the_browser(
    chromium: Any, live_intake: LiveIntake
) -> None:
    intruder = generate_keypair()
    with database(live_intake) as db:
        db.execute(
            "INSERT INTO reviewers (id, name, public_key, active, created, escrow) "
            "VALUES ('intruder', 'intruder', ?, 1, ?, 0)",
            (bytes(intruder.public_key), TODAY.isoformat()),
        )
        db.execute("INSERT INTO reviewer_mechanisms VALUES ('intruder', 'CAT')")
    before = set(stanzas_by_case(live_intake))
    context, page, traffic = send_with_javascript(chromium, live_intake)
    try:
        shown_codename(page)  # the receipt (its codename copy is folded away at first)
        receipt = page.inner_text("main")
        assert "encrypted in your browser" in receipt
        assert "Its reprisal focal points (1)" in receipt
        assert not any("intruder" in (b or b"").decode(errors="ignore") for b in traffic.bodies)
    finally:
        context.close()
        with database(live_intake) as db:
            db.execute("DELETE FROM reviewer_mechanisms WHERE reviewer_id = 'intruder'")
            db.execute("DELETE FROM reviewers WHERE id = 'intruder'")
    [new] = set(stanzas_by_case(live_intake)) - before
    stanzas = stanzas_by_case(live_intake)[new]
    assert len(stanzas) == 1 and not opens(stanzas, intruder)
    assert any(b"certified readers only" in c for c in live_intake.decrypted_cases())


def forged_records(intake: LiveIntake) -> dict[str, Any]:
    """What a server (or a database writer it trusts) could offer beside the real reader."""
    assert intake.org_key is not None
    org = load_org_key(intake.org_key.read_text(), None)
    other = nacl.signing.SigningKey.generate()
    key = bytes(generate_keypair().public_key)

    def record(signer: nacl.signing.SigningKey, public_key: bytes, **dates: Any) -> str:
        return sign_reader(
            signer, public_key=public_key, holder="Eve", role="focal_point", mechanisms=["CAT"],
            not_before=dates.get("not_before", TODAY), not_after=dates.get("not_after", TODAY),
        )  # fmt: skip

    day = datetime.timedelta(days=1)
    return {
        "no record": {"id": "eve", "public_key": b64(key), "record": None},
        "expired": {
            "id": "eve", "public_key": b64(key),
            "record": record(org, key, not_before=TODAY - 9 * day, not_after=TODAY - day),
        },
        "another organisation key": {"id": "eve", "public_key": b64(key), "record": record(other, key)},
        "record of another key": {
            "id": "eve", "public_key": b64(key), "record": record(org, bytes(32 * [1])),
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    "forgery", ["no record", "expired", "another organisation key", "record of another key"]
)
@pytest.mark.parametrize("engine", ["jit", "jitless"])
def test_the_browser_refuses_to_encrypt_to_a_key_without_a_valid_record(
    request: pytest.FixtureRequest, live_intake: LiveIntake, forgery: str, engine: str
) -> None:
    browser = request.getfixturevalue("chromium" if engine == "jit" else "jitless")
    offered = forged_records(live_intake)[forgery]

    def add_recipient(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        body["recipients"].append(offered)
        route.fulfill(response=response, body=json.dumps(body))

    before = set(stanzas_by_case(live_intake))
    context, page, traffic = open_page(browser, live_intake, javascript=True)
    try:
        context.route("**/report/keys/CAT", add_recipient)
        page.goto(live_intake.url + "/report")
        fill_report(page, "This must not be sent", [])
        page.click("button[type=submit]")
        page.wait_for_selector("#js-failure:not([hidden])", timeout=60_000)
        assert UNSIGNED_MESSAGE in page.inner_text("#js-failure")
    finally:
        context.close()
    assert not any(u.endswith(("/report/commit", "/report/uploads")) for u in traffic.urls)
    assert traffic.bodies == []
    assert set(stanzas_by_case(live_intake)) == before


def test_without_javascript_the_pages_name_the_readers_and_say_the_server_encrypts(
    chromium: Any, live_intake: LiveIntake
) -> None:
    context, page, _traffic = open_page(chromium, live_intake, javascript=False)
    try:
        page.goto(live_intake.url + "/report")
        form = page.inner_text("main")
        assert "Who can read a report" in form and "Its reprisal focal points (1)" in form
        assert "encrypted on our server as soon as it arrives" in form
        fill_report(page, "A report sent without JavaScript", [])
        page.click("button[type=submit]")
        shown_codename(page)
        receipt = page.inner_text("main")
        assert "Who can read it" in receipt and "Its reprisal focal points (1)" in receipt
        assert "encrypted on our server as soon as it arrived" in receipt
    finally:
        context.close()
