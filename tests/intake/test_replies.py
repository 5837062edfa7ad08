"""Two-way contact, as the submitter lives it: a focal point's reply is on the follow-up page (in the
page's language, without JavaScript), the person answers there, and internal notes never show."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.contact.messages import add_note, add_reply
from reprisal_intake.intake import followup
from reprisal_intake.models import Case, Item
from tests.factories import database, make_account, receipt_keys
from tests.support.admin import FAST_ADMIN_CONFIG, form_post, sign_in, unlock
from tests.support.forms import csrf_token, post_form
from tests.support.intake import CODENAME, enter, submit


def test_the_person_reads_a_reply_and_answers_it_and_never_sees_a_note(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    admin_app.config.update(FAST_ADMIN_CONFIG)
    focal = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    sent = submit(client, consent_contact="granted")
    codename = CODENAME.search(sent.get_data(as_text=True)).group(1)
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()

    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, focal)
    assert unlock(reviewer).status_code == 302
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    replied = form_post(reviewer, f"/cases/{ref}/reply", {"reply": "Are you safe? R-81"}, page)
    noted = form_post(reviewer, f"/cases/{ref}/note", {"note": "Lawyer known N-82"}, page)
    assert replied.status_code == noted.status_code == 303

    person = app.test_client()
    assert enter(person, codename).status_code == 303
    shown = person.get("/fr/followup/case").get_data(as_text=True)
    assert "Are you safe? R-81" in shown
    assert "Du point focal" in shown and 'href="#answer">Répondre au point focal' in shown
    assert "N-82" not in shown

    token = csrf_token(person, "/fr/followup/case")
    answered = post_form(
        person, "/fr/followup/case", {"csrf_token": token, "message": "Yes, for now. A-83"}
    )
    assert answered.status_code == 200
    text = answered.get_data(as_text=True)
    assert "A-83" in text and "R-81" in text and "N-82" not in text

    # The focal point reads the answer in the case, after the reply and the note.
    case_page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert case_page.index("R-81") < case_page.index("N-82") < case_page.index("A-83")


def test_a_note_is_never_listed_even_if_it_were_marked_readable(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    codename = CODENAME.search(submit(client).get_data(as_text=True)).group(1)
    keys = receipt_keys(codename)
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        add_reply(session, case, "visible reply")
        with app.app_context():
            note = add_note(session, case, "SECRET-NOTE")
        # Even a wrongly flagged note does not open with the submitter key: it has no stanza for it.
        session.get(Item, note.id).submitter_readable = True
        session.flush()
        messages = followup.readable_messages(session, case, keys)
    assert [(m.kind, m.text) for m in messages] == [("reply", "visible reply")]
