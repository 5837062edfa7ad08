"""Real Chromium against the real intake: a report encrypted in the browser for a mechanism whose
readers are all hybrid (the live intake's CAT focal point holds the X-Wing key `reprisal-decrypt
keygen` makes by default) is a suite-2 case throughout; the person reads the focal point's suite-2
reply with JavaScript on and off; a mechanism with a classical reader gets a suite-1 case."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from nacl.public import PrivateKey
from sqlalchemy import select

from admin.contact.messages import add_reply
from crypto.envelope import read_header
from crypto.keyfile import dump_key_file, load_key_file
from crypto.xwing import XWingSecretKey
from reprisal_intake import create_app
from reprisal_intake.db import make_engine
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import AccessStanza, Case, Item, SubmitterTag
from tests.factories import database, receipt_keys
from tests.support.browser import (
    BIN,
    LiveIntake,
    fill_report,
    open_page,
    open_part,
    shown_codename,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@contextmanager
def live_database(live_intake: LiveIntake) -> Iterator[Flask]:
    engine = make_engine(f"sqlite:///{live_intake.folder / 'instance' / 'reprisal.sqlite3'}")
    try:
        yield create_app({"TESTING": True, "DATABASE_BIND": engine})
    finally:
        engine.dispose()


def case_suites(live_intake: LiveIntake, codename: str) -> dict[str, Any]:
    """The sizes of the case's keys and stanzas and the suite of every item, by kind."""
    with live_database(live_intake) as app, database(app).session() as session:
        tag = receipt_keys(codename).lookup_tag
        ref = session.scalar(select(SubmitterTag.case_ref).where(SubmitterTag.tag == tag))
        case = session.get(Case, ref)
        assert case is not None
        stanzas = session.scalars(
            select(AccessStanza.sealed_case_key).where(AccessStanza.case_ref == ref)
        )
        return {
            "ref": ref,
            "case_key": len(case.public_key),
            "submitter_key": len(case.submitter_public_key),
            "stanzas": {len(s) for s in stanzas},
            "items": {
                item.kind: read_header(open_envelope(session, item.id)).suite
                for item in session.scalars(select(Item).where(Item.case_ref == ref))
            },
        }


def report_with_javascript(
    chromium: Any, live_intake: LiveIntake, phrase: str, mechanism: str = "CAT"
) -> str:
    evidence = {"name": "note.txt", "mimeType": "text/plain", "buffer": f"{phrase}-FILE".encode()}
    context, page, traffic = open_page(chromium, live_intake, javascript=True)
    try:
        page.goto(live_intake.url + "/report")
        fill_report(page, phrase, [evidence])
        open_part(page, "identity")
        page.fill("#identity", f"Name: {phrase}-IDENTITY")
        page.check(f"input[name=mechanism][value={mechanism}]")
        page.click("button[type=submit]")
        page.wait_for_selector(
            "#codename, #slow-choice:not([hidden])", state="attached", timeout=180_000
        )
        if page.is_visible("#slow-choice"):
            page.click("#slow-here")
        codename = shown_codename(page)
        assert "encrypted in your browser" in page.inner_text("main")
    finally:
        context.close()
    traffic.assert_never_sent(phrase.encode(), codename.encode())
    return codename


def test_a_report_encrypted_in_chromium_for_hybrid_readers_is_suite_2_and_replies_too(
    chromium: Any, live_intake: LiveIntake
) -> None:
    phrase = f"PQ-BROWSER-{secrets.token_hex(6)}"
    codename = report_with_javascript(chromium, live_intake, phrase)
    stored = case_suites(live_intake, codename)
    assert stored["case_key"] == stored["submitter_key"] == 1216, stored
    assert stored["stanzas"] == {1168}, stored
    assert stored["items"] == {"report": 2, "attachment": 2, "identity": 2}, stored
    contents = live_intake.decrypted_cases()  # reprisal-decrypt open with the hybrid key file
    assert any(phrase.encode() in c for c in contents)
    assert f"{phrase}-FILE".encode() in contents

    # The X25519 half of the focal point's key opens nothing of the exported case.
    key = load_key_file(live_intake.key.read_text(), live_intake.passphrase.read_text().strip())
    assert isinstance(key, XWingSecretKey)
    half = live_intake.folder / "x25519-half.key"
    half.write_text(dump_key_file(PrivateKey(key.x25519_secret_key), None))
    bundle = live_intake.folder / f"{stored['ref']}-pq.zip"
    live_intake.run(
        str(BIN / "reprisal-admin"), "case", "export", stored["ref"], "--out", str(bundle)
    )
    refused = subprocess.run(
        [str(BIN / "reprisal-decrypt"), "open", "--key", str(half), str(bundle),
         "--out", str(live_intake.folder / "half-open")],
        capture_output=True, text=True, env=live_intake.env, check=False,
    )  # fmt: skip
    assert refused.returncode == 1 and "NotARecipientError" in refused.stderr

    reply = f"{phrase}-REPLY are you safe?"
    with live_database(live_intake) as app, database(app).session() as session:
        add_reply(session, session.get(Case, stored["ref"]), reply)
    for javascript in (True, False):
        context, page, _traffic = open_page(chromium, live_intake, javascript=javascript)
        try:
            page.goto(live_intake.url + "/followup")
            page.fill("#codename", codename)
            page.click("button[type=submit]")
            page.wait_for_selector("text=Your report")
            assert reply in page.inner_text("ol.messages")
            page.fill("#message", f"{phrase}-ANSWER-{javascript}")
            page.click("text=Encrypt and send")
            page.wait_for_selector("text=was encrypted and stored")
            assert f"{phrase}-ANSWER-{javascript}" in page.inner_text("ol.messages")
        finally:
            context.close()
    stored = case_suites(live_intake, codename)
    assert stored["items"]["reply"] == stored["items"]["followup"] == 2, stored


def test_a_mechanism_with_a_classical_reader_gets_a_suite_1_case_from_chromium(
    chromium: Any, live_intake: LiveIntake
) -> None:
    folder = live_intake.folder
    key = folder / "spt-classical.key"
    public_key = live_intake.run(
        str(BIN / "reprisal-decrypt"), "keygen", "--suite", "1", "--out", str(key), "--unprotected"
    ).strip()
    record = folder / "spt.record"
    live_intake.run(
        str(BIN / "reprisal-decrypt"), "sign-reader", "--org-key", str(live_intake.org_key),
        "--public-key", public_key, "--holder", "SPT focal point", "--role", "focal_point",
        "--mechanism", "SPT", "--out", str(record),
    )  # fmt: skip
    live_intake.run(
        str(BIN / "reprisal-admin"), "reviewer", "add", "SPT focal point", "--mechanism", "SPT",
        "--public-key", public_key, "--record", str(record),
    )  # fmt: skip
    phrase = f"PQ-CLASSICAL-{secrets.token_hex(6)}"
    codename = report_with_javascript(chromium, live_intake, phrase, mechanism="SPT")
    stored = case_suites(live_intake, codename)
    assert stored["case_key"] == stored["submitter_key"] == 32, stored
    assert stored["stanzas"] == {80}, stored
    assert set(stored["items"].values()) == {1}, stored
