"""Issue 18, item 1: the same form sent twice (a reload, a double click, a retry after a lost answer)
never stores a second case or message, and the person gets the first one's outcome and codename.
Item 2 at the HTTP level: the receipt is a dead end until the person confirms."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crypto.codename import v2_word_count, v2_wordlist
from reprisal_intake.models import Case, Item
from tests.factories import database, make_reviewer, receipt_codename, report_form
from tests.support.forms import csrf_token, post_form

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def count(app: Flask, model: type) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def filled_form(client: FlaskClient, path: str = "/report", **overrides: object) -> dict:
    page = client.get(path).get_data(as_text=True)
    token = FORM_TOKEN.search(page)
    assert token, "the form carries no one-time token"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    return report_form(csrf.group(1), **{"form_token": token.group(1), **overrides})


def again(form: dict) -> dict:
    """The same form as the browser sends it again (its file parts are read anew)."""
    return {**form, "attachments": [(io.BytesIO(b""), "", "application/octet-stream")]}


def enter(client: FlaskClient, codename: str, prefix: str = ""):
    token = csrf_token(client, f"{prefix}/followup")
    return client.post(f"{prefix}/followup", data={"csrf_token": token, "codename": codename})


def test_sending_the_same_report_form_twice_stores_one_case_and_gives_its_codename(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    form = filled_form(client)
    first = post_form(client, "/report", again(form), follow_redirects=False)
    assert first.status_code == 303 and first.headers["Location"].endswith("/report/received")
    # The answer was lost (a circuit dropped): the browser sends the same form again.
    repeated = post_form(client, "/report", again(form))
    assert count(app, Case) == 1
    page = repeated.get_data(as_text=True)
    assert "This report was already received" in page
    assert "not stored a second time" in page
    codename = receipt_codename(page)
    fresh = app.test_client()
    assert enter(fresh, codename).status_code == 303
    assert fresh.get("/followup/case").status_code == 200


def test_a_repeat_from_another_browser_gives_the_same_codename(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    form = filled_form(client)
    shown = receipt_codename(post_form(client, "/report", again(form)).get_data(as_text=True))
    # The session was lost too (an expired cookie, a restarted browser): the form comes back with
    # its answers and the same one-time token; sent again, it finds the case stored before.
    other = app.test_client()
    refused = post_form(other, "/report", again(form))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f'value="{form["form_token"]}"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    repeated = post_form(other, "/report", again({**form, "csrf_token": csrf.group(1)}))
    assert receipt_codename(repeated.get_data(as_text=True)) == shown
    assert count(app, Case) == 1


def test_reloading_the_receipt_stores_nothing_and_keeps_the_codename_until_confirmed(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    codename = receipt_codename(post_form(client, "/report", filled_form(client)).get_data(True))
    for _reload in range(3):
        page = client.get("/report/received").get_data(as_text=True)
        assert receipt_codename(page) == codename
        assert "Your report was received" in page
    assert count(app, Case) == 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    done = client.post("/report/received", data={"csrf_token": token.group(1)})
    assert done.status_code == 303
    after = client.get("/report/received").get_data(as_text=True)
    assert codename not in after and 'id="codename"' not in after
    assert 'href="/followup"' in after
    assert count(app, Case) == 1


def test_the_receipt_offers_no_way_out_before_confirmation(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    page = post_form(client, "/fr/report", filled_form(client, "/fr/report")).get_data(True)
    links = re.findall(r'<a [^>]*href="([^"]*)"', page)
    allowed = {"#main", "/report/received"} | {
        f"/{code}/report/received" for code in ("ar", "zh", "fr", "ru", "es")
    }
    leaving = [link for link in links if link not in allowed and 'class="quick-exit"' not in link]
    quick_exit = re.findall(r'<a [^>]*class="quick-exit"[^>]*href="([^"]*)"', page)
    assert [link for link in leaving if link not in quick_exit] == []
    forms = re.findall(r'<form [^>]*action="([^"]*)"', page)
    assert forms == ["/fr/report/received"]
    assert 'dir="ltr"' in page.split('class="codename-words"', 1)[1].split(">", 1)[0] + 'dir="ltr"'
    assert re.search(r'<ol class="codename-words" dir="ltr"', page)
    assert "<details" in page and 'class="codename"' in page


def test_a_missing_or_mangled_token_still_stores_the_report(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    form = filled_form(client, form_token="not-a-token")
    assert post_form(client, "/report", form).status_code == 200
    assert count(app, Case) == 1


def test_a_form_sent_back_with_errors_keeps_its_token(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    form = filled_form(client, what_happened="")
    refused = post_form(client, "/report", again(form))
    assert refused.status_code == 400
    assert f'value="{form["form_token"]}"' in refused.get_data(as_text=True)


@pytest.mark.parametrize(("prefix", "language"), [("/fr", "fr"), ("/zh", "zh"), ("/ar", "en")])
def test_a_codename_in_the_page_language_works_from_the_english_page(
    app: Flask, client: FlaskClient, prefix: str, language: str
) -> None:
    make_reviewer(app, "CAT")
    page = post_form(client, f"{prefix}/report", filled_form(client, f"{prefix}/report"))
    codename = receipt_codename(page.get_data(as_text=True))
    words = codename.split(" ")
    assert len(words) == v2_word_count(language)
    assert set(words) <= set(v2_wordlist(language))
    fresh = app.test_client()
    assert enter(fresh, codename).status_code == 303
    assert "Sent to" in fresh.get("/followup/case").get_data(as_text=True)


def message_again(form: dict) -> dict:
    return {**form, "attachments": [(io.BytesIO(b"scan"), "scan.pdf", "application/pdf")]}


def message_form(client: FlaskClient, text: str) -> dict:
    page = client.get("/followup/case").get_data(as_text=True)
    token = FORM_TOKEN.findall(page)
    assert token, "the follow-up form carries no one-time token"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    return {
        "csrf_token": csrf.group(1),
        "form_token": token[-1],
        "message": text,
        "attachments": [(io.BytesIO(b"scan"), "scan.pdf", "application/pdf")],
    }


def test_sending_the_same_message_twice_stores_it_once(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    codename = receipt_codename(post_form(client, "/report", filled_form(client)).get_data(True))
    assert enter(client, codename).status_code == 303
    before = count(app, Item)
    form = message_form(client, "They came back last night. M-55")
    first = post_form(client, "/followup/case", message_again(form), follow_redirects=False)
    assert first.status_code == 303 and first.headers["Location"].endswith("notice=sent")
    assert count(app, Item) == before + 2
    # A reload of the confirmation is a GET: nothing is sent again.
    confirmation = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Your new information was encrypted and stored." in confirmation
    assert count(app, Item) == before + 2
    # The same form sent again (the answer was lost): nothing new, and the person is told.
    repeated = post_form(client, "/followup/case", message_again(form))
    assert "already received, so it was not stored a second time" in repeated.get_data(True)
    assert count(app, Item) == before + 2
    # A new message (a fresh form) is stored.
    post_form(client, "/followup/case", message_form(client, "Another thing. M-56"))
    assert count(app, Item) == before + 4


def test_the_browser_path_sending_its_commit_again_stores_one_case(
    app: Flask, client: FlaskClient
) -> None:
    """The page retries a commit whose answer was lost, with the same token-derived lookup tag
    and fresh uploads: the answer is the first case's, and the second upload is dropped."""
    import base64
    import json

    from nacl.public import PublicKey

    from crypto.codename import codename_from_secret, derive_codename_v2_keys
    from crypto.envelope import encrypt
    from crypto.keys import generate_keypair, seal_case_key
    from reprisal_intake.models import Upload

    make_reviewer(app, "CAT")
    headers = {"X-CSRFToken": csrf_token(client, "/fr/report")}
    secret = bytes(range(32))
    keys = derive_codename_v2_keys(codename_from_secret(secret, "fr"), "fr")
    case_key = generate_keypair()
    recipients = client.get("/fr/report/keys/CAT").get_json()["recipients"]

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    def upload() -> str:
        upload_id = client.post("/fr/report/uploads", headers=headers).get_json()["upload"]
        envelope = encrypt(b"photo", [case_key.public_key], {"kind": "attachment"})
        part = client.post(
            f"/fr/report/uploads/{upload_id}/parts/0",
            data=envelope,
            headers=headers,
            content_type="application/octet-stream",
        )
        assert part.status_code == 200
        return upload_id

    def commit(upload_id: str):
        payload = {
            "mechanism": "CAT",
            "urgency": "urgent",
            "consent": {"store_assess": "granted", "given_by": "victim"},
            "case_public_key": b64(bytes(case_key.public_key)),
            "submitter_public_key": b64(bytes(keys.submitter_key.public_key)),
            "lookup_tag": b64(keys.lookup_tag),
            "access": [
                {
                    "reviewer": r["id"],
                    "public_key": r["public_key"],
                    "sealed_case_key": b64(
                        seal_case_key(case_key, PublicKey(base64.b64decode(r["public_key"])))
                    ),
                }
                for r in recipients
            ],
            "report": b64(encrypt(b"{}", [case_key.public_key], {"kind": "report"})),
            "attachments": [upload_id],
        }
        return client.post(
            "/fr/report/commit",
            data=json.dumps(payload),
            headers=headers,
            content_type="application/json",
        )

    first = commit(upload())
    assert first.status_code == 201 and not first.get_json().get("repeat")
    repeated = commit(upload())
    assert repeated.status_code == 200, repeated.get_data(as_text=True)
    assert repeated.get_json()["repeat"] is True
    assert repeated.get_json()["files"] == first.get_json()["files"] == 1
    assert count(app, Case) == 1 and count(app, Upload) == 0
