"""Real Chromium, JavaScript on and off: the person reads a focal point's reply on the follow-up page
and answers it; the focal point's offline key opens the answer."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import select

from admin.contact.messages import add_reply
from reprisal_intake import create_app
from reprisal_intake.db import make_engine
from reprisal_intake.models import Case, SubmitterTag
from tests.factories import database, receipt_keys
from tests.support.browser import LiveIntake, fill_report, open_page, shown_codename

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def reply_as_focal_point(live_intake: LiveIntake, codename: str, text: str) -> None:
    """What the admin app stores for a reply, written to the live intake's database."""
    engine = make_engine(f"sqlite:///{live_intake.folder / 'instance' / 'reprisal.sqlite3'}")
    try:
        app = create_app({"TESTING": True, "DATABASE_BIND": engine})
        tag = receipt_keys(codename).lookup_tag
        with database(app).session() as session:
            ref = session.scalar(select(SubmitterTag.case_ref).where(SubmitterTag.tag == tag))
            add_reply(session, session.get(Case, ref), text)
    finally:
        engine.dispose()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_the_person_reads_a_reply_and_answers_it(
    chromium: Any, live_intake: LiveIntake, javascript: bool
) -> None:
    phrase = f"REPLIES-{secrets.token_hex(6)}"
    context, page, traffic = open_page(chromium, live_intake, javascript=False)
    try:
        page.goto(live_intake.url + "/report")
        fill_report(page, phrase, [])
        page.click("button[type=submit]")
        codename = shown_codename(page)
    finally:
        context.close()

    reply = f"Are you safe now? {phrase}-REPLY"
    reply_as_focal_point(live_intake, codename, reply)

    context, page, traffic = open_page(chromium, live_intake, javascript=javascript)
    try:
        page.goto(live_intake.url + "/followup")
        page.fill("#codename", codename)
        page.click("button[type=submit]")
        page.wait_for_selector("text=Your report")
        messages = page.inner_text("ol.messages")
        assert reply in messages and "From the focal point" in messages
        page.click("text=Answer the focal point")
        assert page.url.endswith("#answer")
        page.fill("#message", f"{phrase}-ANSWER safe for now")
        page.click("text=Encrypt and send")
        page.wait_for_selector("text=was encrypted and stored")
        answered = page.inner_text("ol.messages")
        assert reply in answered and f"{phrase}-ANSWER safe for now" in answered
    finally:
        context.close()
    traffic.assert_same_origin()
    contents = live_intake.decrypted_cases()
    assert f"{phrase}-ANSWER safe for now".encode() in contents
    assert reply.encode() in contents
