"""Issue 18, item 6: what the pages tell the person is there, and it happens."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from reprisal_intake.models import Case, Mechanism
from tests.factories import database, make_reviewer, receipt_codename, report_form
from tests.support.forms import csrf_token, post_form

QUICK_EXIT = re.compile(r'<a class="quick-exit" href="(https://[^"]+)" rel="noreferrer">')


def html_pages(app: Flask) -> list[str]:
    """Every intake page a person opens with GET (no JSON, no word lists, no arguments)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("intake.")
        and "GET" in (rule.methods or ())
        and not rule.arguments
        and not rule.rule.endswith(".txt")
    )


def reported(app: Flask, client: FlaskClient) -> str:
    make_reviewer(app, "CAT")
    page = post_form(client, "/report", report_form(csrf_token(client, "/report")))
    return receipt_codename(page.get_data(as_text=True))


def enter(client: FlaskClient, codename: str):
    token = csrf_token(client, "/followup")
    return client.post("/followup", data={"csrf_token": token, "codename": codename})


def test_every_intake_page_has_the_quick_exit_first(app: Flask, client: FlaskClient) -> None:
    codename = reported(app, client)
    assert enter(client, codename).status_code == 303
    pages = html_pages(app)
    assert {"/", "/report", "/report/received", "/followup", "/followup/case"} <= set(pages)
    for path in [*pages, "/no-such-page"]:
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        found = QUICK_EXIT.search(page)
        assert found, path
        body = page.split("<body>", 1)[1]
        assert body.index('class="quick-exit"') < body.index("<main"), path


def test_landing_says_how_long_a_report_is_kept_and_that_closed_cases_can_be_written_to(
    client: FlaskClient,
) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "How long your report is kept" in page
    assert "A case marked Closed can still be written to" in page
    start = client.get("/followup").get_data(as_text=True)
    assert "A case marked Closed can still be written to" in start
    assert 'type="text" id="codename"' in start and 'type="password"' not in start


def test_the_case_page_gives_its_retention_and_a_closed_case_takes_new_information(
    app: Flask, client: FlaskClient
) -> None:
    codename = reported(app, client)
    with database(app).session() as session:
        session.execute(update(Mechanism).where(Mechanism.code == "CAT").values(retention_days=30))
    assert enter(client, codename).status_code == 303
    page = client.get("/followup/case").get_data(as_text=True)
    assert "it is kept for 30 days, then deleted for good" in page
    assert "Even when your case is marked Closed, you can still send information" in page
    with database(app).session() as session:
        session.execute(
            update(Mechanism).where(Mechanism.code == "CAT").values(retention_days=None)
        )
        session.execute(update(Case).values(status="closed"))
    page = client.get("/followup/case").get_data(as_text=True)
    assert "kept until the focal points delete it" in page
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token and csrf
    sent = post_form(
        client,
        "/followup/case",
        {"csrf_token": csrf.group(1), "form_token": token.group(1), "message": "Still here."},
    )
    assert "Your new information was encrypted and stored." in sent.get_data(as_text=True)


def test_signing_out_does_what_it_says(app: Flask, client: FlaskClient) -> None:
    codename = reported(app, client)
    assert enter(client, codename).status_code == 303
    page = client.get("/followup/case").get_data(as_text=True)
    assert "Sign out of my report" in page
    assert "Your report is not deleted and your codename keeps working" in page
    assert "Leave and forget" not in page
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page)[-1]
    client.post("/followup/leave", data={"csrf_token": token})
    # This browser no longer shows the report...
    assert client.get("/followup/case").status_code == 303
    # ...and the report and codename are untouched.
    assert enter(client, codename).status_code == 303
    assert "Sent to" in client.get("/followup/case").get_data(as_text=True)


def test_the_report_page_says_what_each_path_protects_against(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    page = client.get("/report").get_data(as_text=True)
    assert "This protects you against a page altered to read what you type" in page
    assert "This protects you against anyone who reads our server or your connection" in page
    assert "Send without JavaScript encryption" not in page
    assert "Have our server encrypt it" in page
    assert "Either way your report is stored encrypted." in page
