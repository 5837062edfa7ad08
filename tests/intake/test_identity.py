"""Identity separated (issue 15, item 4): names and contact details are sealed as their own item, to a
key of their own sealed to the chosen mechanism's readers, on both intake paths. The report item no
longer holds them; a mechanism the case is shared with reads the report but not the identity; the
person's page says who has what."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey, PublicKey
from sqlalchemy import select

from admin.cases.bundles import write_case_bundle
from crypto.envelope import CHUNK_LOG2_TEXT, decrypt, encrypt
from crypto.errors import RptenvError
from crypto.keys import open_case_key, seal_case_key
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import Case, Item, ItemAccess
from tests.factories import database, make_account, make_reviewer
from tests.support.admin import form_post, sign_in, unlock
from tests.support.casework import record_consent, risk_assessed
from tests.support.intake import CODENAME, counts, enter, read_item, submit
from tests.support.scripted_browser import B64, ScriptedBrowser
from tests.support.sharing import approve_and_carry_out

NAME = "IDENT-4471 Amina K., +41 79 000 00 00"


def items(app: Flask) -> list[Item]:
    with database(app).session() as session:
        found = list(session.scalars(select(Item).order_by(Item.seq)))
        session.expunge_all()
        return found


def identity_of(app: Flask, reviewer_id: str, reviewer_key: PrivateKey) -> bytes:
    with database(app).session() as session:
        item = session.scalars(select(Item).where(Item.kind == "identity")).one()
        stanza = session.scalars(
            select(ItemAccess.sealed_item_key).where(
                ItemAccess.item_id == item.id, ItemAccess.reviewer_id == reviewer_id
            )
        ).one()
        key = open_case_key([stanza], reviewer_key)
        _metadata, data = decrypt(open_envelope(session, item.id).read(), key)
        return data


def assert_split(app: Flask, reviewer) -> None:
    report, identity = (i for i in items(app) if i.kind in ("report", "identity"))
    assert identity.kind == "identity" and not identity.submitter_readable
    answers = json.loads(read_item(app, report, reviewer.secret_key)[1])
    assert "identity" not in answers and "IDENT-4471" not in json.dumps(answers)
    with pytest.raises(RptenvError):
        read_item(app, identity, reviewer.secret_key)  # the case key does not open it
    assert identity_of(app, reviewer.id, reviewer.secret_key) == NAME.encode()


def test_the_no_javascript_path_seals_the_identity_apart(app: Flask, client: FlaskClient) -> None:
    reviewer = make_reviewer(app, "CAT")
    assert submit(client, identity=NAME).status_code == 200
    assert_split(app, reviewer)


def test_no_identity_item_when_none_is_given(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    assert submit(client).status_code == 200
    assert [i.kind for i in items(app)] == ["report"]


def test_the_browser_path_seals_the_identity_apart(app: Flask, client: FlaskClient) -> None:
    reviewer = make_reviewer(app, "CAT")
    browser = ScriptedBrowser(client)
    identity_key = PrivateKey.generate()
    payload = browser.payload(browser.report_envelope(), [])
    payload["identity"] = B64(
        encrypt(
            NAME.encode(),
            [identity_key.public_key],
            {"kind": "identity", "created": "2026-12-02"},
            chunk_log2=CHUNK_LOG2_TEXT,
        )
    )
    payload["identity_access"] = [
        {
            "reviewer": entry["reviewer"],
            "sealed_item_key": B64(
                seal_case_key(identity_key, PublicKey(base64.b64decode(entry["public_key"])))
            ),
        }
        for entry in payload["access"]
    ]
    wrong = dict(payload, identity_access=payload["identity_access"][:0])
    before = counts(app)
    assert browser.commit(wrong).status_code == 400, "every reader of the case gets the identity"
    assert counts(app) == before
    response = browser.commit(payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert_split(app, reviewer)


def test_a_mechanism_the_case_is_shared_with_reads_the_report_not_the_identity(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    asg = make_account(admin_app, "focal_point", mechanisms=("ASG",), key="app")
    receipt = submit(client, identity=NAME, what_happened="SHARED-REPORT-8", share_with=["ASG"])
    codename = CODENAME.search(receipt.get_data(as_text=True)).group(1)
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    risk_assessed(app, ref)
    at_cat = admin_app.test_client()
    sign_in(admin_app, at_cat, cat)
    assert unlock(at_cat).status_code == 302
    page = at_cat.get(f"/cases/{ref}").get_data(as_text=True)
    assert "IDENT-4471" in page and "SHARED-REPORT-8" in page
    shared = form_post(
        at_cat,
        f"/cases/{ref}/share",
        {"mechanism": "ASG", "confirm_consent": "y", "action_risk": "medium"},
    )
    assert shared.status_code == 303

    at_asg = admin_app.test_client()
    sign_in(admin_app, at_asg, asg)
    assert unlock(at_asg).status_code == 302
    seen = at_asg.get(f"/cases/{ref}").get_data(as_text=True)
    assert "SHARED-REPORT-8" in seen
    assert "IDENT-4471" not in seen
    assert "it was not shared with you" in seen

    assert enter(client, codename).status_code == 303
    followup = client.get("/followup/case").get_data(as_text=True)
    assert (
        "Committee against Torture, the mechanism you chose: your report and, if you gave them,"
        " your names and contact details." in followup
    )
    assert (
        "Assistant Secretary-General leading UN work on reprisals: your report, without your names"
        " and contact details." in followup
    )


def test_identity_items_stay_out_of_v1_bundles(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    assert submit(client, identity=NAME).status_code == 200
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        out = io.BytesIO()
        write_case_bundle(session, case, out)
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert [i["kind"] for i in manifest["items"]] == ["report"]


def test_the_identity_goes_to_another_mechanism_only_under_its_own_consent(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    asg = make_account(admin_app, "focal_point", mechanisms=("ASG",), key="app")
    receipt = submit(client, identity=NAME, share_with=["ASG"])
    codename = CODENAME.search(receipt.get_data(as_text=True)).group(1)
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    risk_assessed(app, ref)
    at_cat = admin_app.test_client()
    sign_in(admin_app, at_cat, cat)
    assert unlock(at_cat).status_code == 302
    page = at_cat.get(f"/cases/{ref}").get_data(as_text=True)
    assert 'value="with_identity"' not in page, "not offered without the person's consent"
    share = {
        "mechanism": "ASG",
        "confirm_consent": "y",
        "part": "with_identity",
        "action_risk": "low",
    }
    refused = form_post(at_cat, f"/cases/{ref}/share", share)
    assert refused.status_code == 409
    assert "did not agree that their names and contact details go" in refused.get_data(as_text=True)
    record_consent(app, ref, "share_identity", "granted")
    assert 'value="with_identity"' in at_cat.get(f"/cases/{ref}").get_data(as_text=True)
    assert form_post(at_cat, f"/cases/{ref}/share", share).status_code == 303
    # Named: proposed, approved by a second CAT focal point, carried out by the first.
    approve_and_carry_out(admin_app, at_cat, ref)

    at_asg = admin_app.test_client()
    sign_in(admin_app, at_asg, asg)
    assert unlock(at_asg).status_code == 302
    assert "IDENT-4471" in at_asg.get(f"/cases/{ref}").get_data(as_text=True)
    assert identity_of(app, asg.reviewer.id, asg.reviewer.secret_key) == NAME.encode()
    assert enter(client, codename).status_code == 303
    assert (
        "Assistant Secretary-General leading UN work on reprisals: your report and your names and"
        " contact details." in client.get("/followup/case").get_data(as_text=True)
    )

    # Stopping the share takes the identity's stanzas away with the case key's.
    stopped = form_post(at_cat, f"/cases/{ref}/unshare", {"mechanism": "ASG"})
    assert stopped.status_code == 303
    with database(app).session() as session:
        holders = set(session.scalars(select(ItemAccess.reviewer_id)))
    assert asg.reviewer.id not in holders and cat.reviewer.id in holders
